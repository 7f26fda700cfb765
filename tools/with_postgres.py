#!/usr/bin/env python3
"""Run a command against a throw-away PostgreSQL server started in a temporary folder.

    python tools/with_postgres.py -- pytest ...

Starts `initdb` + `pg_ctl` from WASL_PG_BIN (default /usr/lib/postgresql/15/bin) on a free
loopback port, exports DATABASE_URL, runs the command, and always stops the server. As root
(CI), the cluster is owned by the `postgres` system user, because PostgreSQL refuses to run as
root. A missing server is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("WASL_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: with_postgres.py -- COMMAND...", file=sys.stderr)
        return 2
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not initdb.exists():
        print(
            f"PostgreSQL server binaries not found in {PG_BIN} (install Debian's 'postgresql')",
            file=sys.stderr,
        )
        return 3
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = Path(tempfile.mkdtemp(prefix="wasl-pg-"))
    if as_root:
        shutil.chown(tmp, "postgres")
    data, log, port = tmp / "data", tmp / "log", free_port()
    settings = os.environ.get(
        "WASL_PG_SETTINGS", "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    try:
        subprocess.run(
            [
                *prefix,
                str(initdb),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "wasl",
                "--locale=C.UTF-8",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [
                *prefix,
                str(pg_ctl),
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-o",
                f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=100 {settings}",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        env = dict(os.environ, DATABASE_URL=f"postgres://wasl@127.0.0.1:{port}/postgres")
        print(f"PostgreSQL on 127.0.0.1:{port} ({settings})", flush=True)
        return subprocess.run(argv, env=env).returncode
    finally:
        subprocess.run(
            [*prefix, str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.1)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
