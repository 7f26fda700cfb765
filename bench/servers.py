# ruff: noqa: S603 — starts our own servers and talks to them on loopback
"""The servers a benchmark runs: Wasl under its production server, the bare WSGI floor under
the same server and workers, and a throw-away PostgreSQL cluster with durable settings.

`start_server` is the one place that says how the production server starts."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WASL_APP = "wasl.wsgi:application"
BARE_APP = "bench.bare:application"

# Threads per worker: `wasl serve`'s default, given to both servers explicitly so that the bare
# floor and Wasl always run the same gunicorn configuration.
THREADS = 1

_running: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(app: str, port: int, workers: int) -> list[str]:
    """The production server's command line. Wasl runs under `wasl serve` (its static files
    collected by `django_on`); the bare floor under gunicorn with the settings `wasl serve`
    gives it (gthread workers, as many threads, the application loaded before the workers
    fork, no control socket), so that the floor stays the same server."""
    bind = f"127.0.0.1:{port}"
    if app == WASL_APP:
        serve = ["serve", "--bind", bind, "--workers", str(workers), "--threads", str(THREADS)]
        return [sys.executable, "-m", "wasl", *serve]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS),
        "--preload",
        "--no-control-socket",
        "--log-level",
        "warning",
    ]


def start_server(app: str, workers: int, env: dict[str, str]) -> str:
    """Start `app` (a WSGI path) under the production server with `workers` worker processes
    and the environment `env` (added to this one's); return its URL once it answers."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="wasl-bench-server-", suffix=".log")[1])
    with log.open("ab") as handle:
        proc = subprocess.Popen(
            server_command(app, port, workers),
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its workers
        )
    url = f"http://127.0.0.1:{port}"
    _running[url] = (proc, log)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            _running.pop(url)
            raise RuntimeError(f"{app} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            return url
        except OSError:
            if time.monotonic() > deadline:
                stop_server(url)
                raise RuntimeError(f"{app} did not answer within 60 s") from None
            time.sleep(0.1)


def stop_server(url: str) -> None:
    """Stop the server started at `url` and its workers (its own process group)."""
    proc, log = _running.pop(url)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    log.unlink(missing_ok=True)


@contextlib.contextmanager
def serving(app: str, workers: int, env: dict[str, str]) -> Iterator[str]:
    url = start_server(app, workers, env)
    try:
        yield url
    finally:
        stop_server(url)


@contextlib.contextmanager
def durable_postgres() -> Iterator[str]:
    """A throw-away PostgreSQL cluster with its durable defaults (fsync, synchronous_commit
    and full_page_writes on); yields its DATABASE_URL."""
    sys.path.insert(0, str(ROOT / "tools"))
    from with_postgres import DURABLE, cluster

    with cluster(DURABLE) as url:
        yield url


@contextlib.contextmanager
def django_on(database: str) -> Iterator[dict[str, str]]:
    """Set Django up in this process on a fresh database — "sqlite" (a file in a temporary
    folder) or "postgres" (a durable throw-away cluster) — migrated, static files collected
    (the deployment steps `wasl serve` expects done); yield the environment a server needs to
    use the same database. One database per process: Django reads its settings once."""
    import secrets

    with contextlib.ExitStack() as stack:
        env = {
            "DJANGO_SETTINGS_MODULE": "wasl.settings",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "WASL_VAR_DIR": tempfile.mkdtemp(prefix="wasl-bench-"),
        }
        if database == "postgres":
            env["DATABASE_URL"] = stack.enter_context(durable_postgres())
        elif database == "sqlite":
            os.environ.pop("DATABASE_URL", None)
        else:
            raise ValueError(database)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        try:
            yield env
        finally:
            from django.db import connections

            connections.close_all()
            import shutil

            shutil.rmtree(env["WASL_VAR_DIR"], ignore_errors=True)


def describe_database() -> str:
    """The database Django is on, with the settings that decide what a commit costs."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            return f"SQLite {version} (journal {journal}, synchronous={sync})"
        shown = []
        for name in ("fsync", "synchronous_commit", "full_page_writes"):
            cursor.execute(f"SHOW {name}")
            shown.append(f"{name}={cursor.fetchone()[0]}")
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        return f"PostgreSQL {version} ({', '.join(shown)})"


def describe_server(workers: int) -> str:
    from importlib.metadata import version

    threads = "1 thread" if THREADS == 1 else f"{THREADS} threads"
    return f"wasl serve (gunicorn {version('gunicorn')}), {workers} gthread workers of {threads}"
