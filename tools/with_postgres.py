#!/usr/bin/env python3
"""Run a command against a throw-away PostgreSQL server started in a temporary folder.

    python tools/with_postgres.py -- pytest ...            # fast: fsync off (tests)
    python tools/with_postgres.py --durable -- COMMAND...   # fsync, synchronous_commit on

Starts `initdb` + `pg_ctl` from WASL_PG_BIN (default /usr/lib/postgresql/15/bin) on a free
loopback port, exports DATABASE_URL, runs the command, and always stops the server. As root
(CI), the cluster is owned by the `postgres` system user, because PostgreSQL refuses to run as
root. A missing server is an error, never a skip. The fast settings lose data on a crash and
are for tests only; a benchmark runs `--durable` (or `cluster(DURABLE)`) and says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PG_BIN = Path(os.environ.get("WASL_PG_BIN", "/usr/lib/postgresql/15/bin"))
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
DURABLE = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def cluster(settings: str = FAST) -> Iterator[str]:
    """A throw-away cluster started with `settings` (server options); yields its
    DATABASE_URL and stops it (and removes its folder) however the block ends."""
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not initdb.exists():
        raise FileNotFoundError(
            f"PostgreSQL server binaries not found in {PG_BIN} (install Debian's 'postgresql')"
        )
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = Path(tempfile.mkdtemp(prefix="wasl-pg-"))
    if as_root:
        shutil.chown(tmp, "postgres")
    data, log, port = tmp / "data", tmp / "log", free_port()
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
        options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=100"
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
                f"{options} {settings}",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield f"postgres://wasl@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.1)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    durable = "--durable" in argv[: argv.index("--")] if "--" in argv else False
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: with_postgres.py [--durable] -- COMMAND...", file=sys.stderr)
        return 2
    settings = os.environ.get("WASL_PG_SETTINGS", DURABLE if durable else FAST)
    try:
        with cluster(settings) as url:
            print(f"PostgreSQL on {url.rsplit('@', 1)[1]} ({settings})", flush=True)
            return subprocess.run(argv, env=dict(os.environ, DATABASE_URL=url)).returncode
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
