# ruff: noqa: S603, S310 — runs our own commands and talks to our own servers on loopback
"""Wasl nodes as real processes on loopback, for the cross-node tests and the benchmark.

Each node is a folder (media and secret key), a database of its own — an SQLite file in the
folder, or a PostgreSQL database on the server DATABASE_URL names (`database="postgres"`) — a
server (`wasl serve`, the production server) and a worker (`wasl worker`). The database is
migrated once into a template, copied for each node, and each node is then set up with the real
commands (`wasl exchange setup`, `keys export`, `keys import`), run side by side.

Run as a script inside a node's environment for the two steps that have no command:

    python tests/exchange/nodes.py template TOKENS.json  # migrate; entities, clerks, tokens
    python tests/exchange/nodes.py setup NODE URL DESCRIPTOR.json PEER.json,… ENTITY…
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
WASL = str(ROOT / ".venv" / "bin" / "wasl")

# code -> (kind, Arabic name, English name, clerk's username)
# Liveness deadlines for starting nodes (migrating, setting up, a server's first answer): long
# enough for a 2-core machine busy with other runs (the benchmarks' smoke test starts five
# benchmarks at once), never a measure of speed.
START_DEADLINE = 300

ENTITIES = {
    "EMK": ("emirate", "إمارة منطقة مكة المكرمة", "Makkah Region Emirate", "emk.clerk"),
    "GOV-JED": ("governorate", "محافظة جدة", "Jeddah Governorate", "jed.clerk"),
    "AMN-JED": ("amanah", "أمانة محافظة جدة", "Jeddah Amanah", "amn.clerk"),
    "POL-MKK": ("police", "شرطة منطقة مكة المكرمة", "Makkah Region Police", "pol.clerk"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    check: Callable[[], Any], timeout: float = 30.0, what: str = "condition", interval: float = 0.05
) -> Any:
    """Poll `check` until it returns something truthy (a liveness deadline, not a timing)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def _own_group(proc: subprocess.Popen[bytes]) -> int | None:
    """The process group `proc` leads (started with `start_new_session`), if it is running;
    never our own group."""
    if proc.poll() is not None:  # exited and reaped: its pid may belong to another now
        return None
    try:
        group = os.getpgid(proc.pid)
    except ProcessLookupError:
        return None
    return group if group == proc.pid and group != os.getpgrp() else None


def signal_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    group = _own_group(proc)
    try:
        if group is not None:
            os.killpg(group, sig)
        elif proc.poll() is None:
            proc.send_signal(sig)
    except ProcessLookupError:
        pass


def stop_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop `proc` and its process group: `sig`, then SIGKILL after 10 s."""
    signal_group(proc, sig)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        signal_group(proc, signal.SIGKILL)
        proc.wait(10)


# ---------------------------------------------------------------------------------------------
# In a node's process


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wasl.settings")
    import django

    django.setup()


def script_template(out: str) -> None:
    """Migrate, then the same small region for every node: entities, registry units, a
    clerk each with an API token."""
    _django()
    from django.core.management import call_command

    from wasl.directory import services as directory

    call_command("migrate", "--no-input", verbosity=0)
    from wasl.directory.tokens import create_token

    tokens = {}
    for code, (kind, name_ar, name_en, username) in ENTITIES.items():
        entity, _ = directory.ensure_entity(code=code, kind=kind, name_ar=name_ar, name_en=name_en)
        unit, _ = directory.ensure_unit(
            entity=entity,
            code="REG",
            name_ar="الاتصالات الإدارية",
            name_en="Administrative Communications",
            is_registry=True,
        )
        user, _ = directory.ensure_person(username=username, first_name="موظف", last_name=code)
        directory.grant(user, unit, "clerk")
        tokens[code] = {
            "token": create_token(username),
            "unit": str(unit.public_id),
            "username": username,
        }
    Path(out).write_text(json.dumps(tokens))


def script_setup(node: str, url: str, descriptor: str, peers: str, *entities: str) -> None:
    """Set the node up, publish its descriptor, then import its peers' as they appear (the
    nodes are set up side by side; each waits for the others' descriptors)."""
    _django()
    from django.core.management import call_command

    args = ["exchange", "setup", "--node", node, "--url", url]
    for code in entities:
        args += ["--entity", code]
    call_command(*args)
    call_command("exchange", "keys", "export", "-o", descriptor + ".tmp")
    os.replace(descriptor + ".tmp", descriptor)
    others = [p for p in peers.split(",") if p]
    wait_for(lambda: all(Path(p).exists() for p in others), 120, "the peers' descriptors")
    if others:
        call_command("exchange", "keys", "import", *others)


# ---------------------------------------------------------------------------------------------
# From the test process


@dataclass
class Node:
    code: str
    entities: tuple[str, ...]
    folder: Path
    port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    has_worker: bool = True
    database_url: str = ""  # PostgreSQL; empty: the SQLite file in the folder
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(40))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.folder / "wasl.sqlite3"

    @property
    def descriptor(self) -> Path:
        return self.folder / "descriptor.json"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "WASL_"))}
        env.update(
            {
                "WASL_VAR_DIR": str(self.folder),
                "DJANGO_SETTINGS_MODULE": "wasl.settings",
                "SECRET_KEY": self.secret,
                "PYTHONPATH": str(ROOT),
                "LOG_LEVEL": "WARNING",
                "WASL_EXCHANGE_BACKOFF_BASE_SECONDS": "0.2",
                "WASL_EXCHANGE_BACKOFF_MAX_SECONDS": "1",
                **self.extra_env,
            }
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A `wasl` command on this node."""
        return subprocess.run(
            [WASL, *args],
            env=self.env(),
            cwd=self.folder,
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
        )

    def spawn(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        """Start a process in a session (and process group) of its own: stopping it stops
        whatever it started, and never reaches the test process."""
        with (self.folder / log).open("ab") as handle:  # the child keeps its own copy
            return subprocess.Popen(
                list(args),
                env=self.env(),
                cwd=self.folder,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_server(self) -> None:
        self.server = self.spawn(
            WASL,
            "serve",
            "--skip-checks",
            "--collectstatic",  # into the node's own folder
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{self.port}",
            log="server.log",
        )

    def wait_ready(self) -> None:
        def up() -> bool:
            assert self.server is not None and self.server.poll() is None, self.log("server.log")
            try:
                with urllib.request.urlopen(self.url + "/exchange/v1/health", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_for(up, START_DEADLINE, f"{self.code} to answer")

    def start_worker(self, poll: float = 0.05) -> None:
        self.worker = self.spawn(WASL, "worker", "--poll", str(poll), log="worker.log")

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes] | None, kill: bool) -> None:
        if proc is None:
            return
        stop_group(proc, signal.SIGKILL if kill else signal.SIGTERM)

    def stop_server(self, kill: bool = False) -> None:
        self._stop(self.server, kill)
        self.server = None

    def stop_worker(self, kill: bool = False) -> None:
        self._stop(self.worker, kill)
        self.worker = None

    def stop(self) -> None:
        self.stop_worker()
        self.stop_server()

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # -- reading the node's database (read-only) and calling its API --------------------------

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows as SQLite gives them (`?` placeholders; UUIDs as 32 hex digits) on either
        database."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                rows = conn.execute(query.replace("?", "%s"), params).fetchall()
            return [tuple(v.hex if isinstance(v, uuid.UUID) else v for v in r) for r in rows]
        conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=20)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.close()

    def one(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        rows = self.sql(query, params)
        return rows[0][0] if rows else None

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        data: Any = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        body = raw if raw is not None else (json.dumps(data).encode() if data is not None else None)
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                return error.code, json.loads(payload)
            except ValueError:
                return error.code, payload.decode(errors="replace")


class Cluster:
    """Several nodes on loopback, set up once; `close()` stops every process it started."""

    def __init__(
        self,
        layout: dict[str, tuple[str, ...]],
        extra_env: dict[str, dict[str, str]] | None = None,
        workers: tuple[str, ...] | None = None,
        database: str = "sqlite",
    ) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="wasl-nodes-"))
        self.server_url = ""  # PostgreSQL: the server the nodes' databases are made on
        self.databases: list[str] = []
        if database == "postgres":
            self.server_url = os.environ["DATABASE_URL"]
        elif database != "sqlite":
            raise ValueError(database)
        atexit.register(self.close)  # also when the run is interrupted
        self.nodes: dict[str, Node] = {}
        self.tokens: dict[str, dict[str, str]] = {}
        extra_env = extra_env or {}
        # One key seals the chain heads of the template and of every node made from it (in
        # production a database keeps the key that sealed it: WASL_CHAIN_KEY).
        self.chain_key = secrets.token_urlsafe(32)
        for code, entities in layout.items():
            folder = self.base / code
            folder.mkdir()
            self.nodes[code] = Node(
                code,
                entities,
                folder,
                free_port(),
                {"WASL_CHAIN_KEY": self.chain_key, **extra_env.get(code, {})},
                has_worker=workers is None or code in workers,
            )

    def __getitem__(self, code: str) -> Node:
        return self.nodes[code]

    def start(self) -> Cluster:
        try:
            self._prepare()
            for node in self.nodes.values():
                node.start_server()
                if node.has_worker:
                    node.start_worker()
            for node in self.nodes.values():
                node.wait_ready()
        except BaseException:
            self.close()
            raise
        return self

    def _database_url(self, name: str) -> str:
        return urlunsplit(urlsplit(self.server_url)._replace(path="/" + name))

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]

    def _prepare(self) -> None:
        template = self.base / "template"
        template.mkdir()
        seed = Node("TEMPLATE", (), template, 0, {"WASL_CHAIN_KEY": self.chain_key})
        prefix = f"wasl_nodes_{secrets.token_hex(4)}"
        if self.server_url:
            self.databases.append(f"{prefix}_template")
            self._admin(f"CREATE DATABASE {prefix}_template")
            seed.database_url = self._database_url(f"{prefix}_template")
        subprocess.run(
            [PYTHON, __file__, "template", str(template / "tokens.json")],
            env=seed.env(),
            cwd=template,
            check=True,
            capture_output=True,
            timeout=START_DEADLINE,
        )
        self.tokens = json.loads((template / "tokens.json").read_text())
        for node in self.nodes.values():
            if self.server_url:
                name = f"{prefix}_{node.code.lower().replace('-', '_')}"
                self.databases.append(name)
                self._admin(f"CREATE DATABASE {name} TEMPLATE {prefix}_template")
                node.database_url = self._database_url(name)
            else:
                shutil.copy(template / "wasl.sqlite3", node.database)
        self._parallel(
            [
                (
                    node,
                    [
                        PYTHON,
                        __file__,
                        "setup",
                        node.code,
                        node.url,
                        str(node.descriptor),
                        ",".join(str(o.descriptor) for o in self.nodes.values() if o is not node),
                        *node.entities,
                    ],
                )
                for node in self.nodes.values()
            ]
        )

    def commands(self, per_node: dict[str, list[list[str]]]) -> None:
        """Run `wasl` commands: in order on each node, the nodes side by side, one process
        per node."""
        self._parallel(
            [
                (self.nodes[code], [PYTHON, __file__, "commands", json.dumps(commands)])
                for code, commands in per_node.items()
            ]
        )

    @staticmethod
    def _parallel(jobs: list[tuple[Node, list[str]]]) -> None:
        running = []
        failures = []
        try:
            for node, args in jobs:
                proc = subprocess.Popen(
                    args,
                    env=node.env(),
                    cwd=node.folder,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                running.append((node, proc))
            for node, proc in running:
                out, _ = proc.communicate(timeout=START_DEADLINE)
                if proc.returncode:
                    failures.append(f"{node.code}: {out.decode(errors='replace')[-2000:]}")
        finally:
            for _, proc in running:
                if proc.poll() is None:
                    stop_group(proc, signal.SIGKILL)
        if failures:
            raise RuntimeError("node setup failed:\n" + "\n".join(failures))

    def close(self) -> None:
        """Stop every process this cluster started (each by its own process group), even
        when one of them refuses to stop; then remove the nodes' folders."""
        try:
            running = [
                p for n in self.nodes.values() for p in (n.worker, n.server) if p is not None
            ]
            for proc in running:  # all at once, then wait for each
                signal_group(proc)
            for node in self.nodes.values():
                try:
                    node.stop()
                except Exception:  # noqa: S110 — the other nodes must still be stopped
                    pass
        finally:
            atexit.unregister(self.close)
            shutil.rmtree(self.base, ignore_errors=True)
            if self.databases:
                try:
                    self._admin(
                        *(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in self.databases)
                    )
                except Exception:  # noqa: S110 — the server may be gone already
                    pass
                self.databases = []


def script_commands(commands: str) -> None:
    _django()
    from django.core.management import call_command

    for args in json.loads(commands):
        call_command(*args)


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    {"template": script_template, "setup": script_setup, "commands": script_commands}[command](
        *rest
    )
