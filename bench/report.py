"""docs/performance.md: one current table, one row per benchmark and database, each row
replaced by the run that measured it. History is in git (`git log -p docs/performance.md`)."""

from __future__ import annotations

import os
import platform
import re
import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

# Rows in this order (by the start of their benchmark's name), then by database.
ORDER = ("lifecycles", "inquiry", "dashboards", "staff inbox", "exchange")
COLUMNS = ("benchmark", "database", "server · clients", "figures", "floors", "ratios", "run")

INTRO = """\
# Performance

What a person or a client of the API gets through the production server, written by the
benchmarks themselves (`make bench`, `make bench-all`): one row per benchmark and database,
the latest run of each. Earlier figures are in git (`git log -p docs/performance.md`).

Wasl runs under `wasl serve` — gunicorn, gthread workers, the application loaded before the
workers fork, static files by WhiteNoise — with as many workers as the machine has cores
unless a benchmark is told otherwise (`--workers`), and loopback settings (`PRODUCTION` off,
`DEBUG` off). Every figure is the median over several rounds, and comes with **floors
measured in the same run, under the same server configuration and worker count, by the same
client processes**: the bare WSGI application (`bench/bare.py`, ten lines that answer 200,
under gunicorn with the worker class, threads and preloading `wasl serve` uses: what this
machine and server can do at all) and `GET /api/v1/me` (a trivial authenticated Wasl request:
server, middleware, token). The machine is shared and noisy; read a figure with its floors and
ratios, not alone. A lifecycle is the four API calls of a transaction's life (register →
refer → answer → close), so its floor is `/me` ÷ 4. Queries per lifecycle are counted
in-process, through Django's test client under `CaptureQueriesContext`, on a database of the
same kind. PostgreSQL runs are on a throw-away cluster with durable settings (fsync,
synchronous_commit and full_page_writes on).

The exchange runs two nodes as real processes (`wasl serve` and `wasl worker` each, a database
each; tests/exchange/nodes.py), the workers at their production polling interval. Its latency
is from a letter's creation on the sending node to the receiver's signed receipt recorded
there; "picked up" is from a letter's creation to the next start of the delivery task by the
sending node's worker (read from django-tasks-db's task rows).
"""


def machine() -> str:
    """Cores, CPU model and memory of this machine, in one line."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GB RAM"
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}{memory}, {platform.system()} {platform.release()}"


# Read when a benchmark starts (it imports this module first): how busy the machine was.
LOAD_AT_START = os.getloadavg()[0]


def today() -> str:
    """The date and time of the run, with the load average the machine had when it began."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{when}, load average {LOAD_AT_START:.1f} at start"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def read_rows(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        cells = _cells(line) if line.startswith("|") else []
        if len(cells) == len(COLUMNS) and cells[0] not in (COLUMNS[0], "---"):
            rows.append(cells)
    return rows


def _place(row: list[str]) -> tuple[int, str, str]:
    first = [i for i, prefix in enumerate(ORDER) if row[0].startswith(prefix)]
    return (first[0] if first else len(ORDER), row[0], row[1])


def write_row(path: Path, row: dict[str, str]) -> None:
    """Put `row` (a value for every column) in the table at `path`, replacing the row of the
    same benchmark and database; the other rows stay as their own runs wrote them."""
    new = [row[c].replace("|", "\\|").replace("\n", " ") for c in COLUMNS]
    rows = [r for r in read_rows(path) if r[:2] != new[:2]]
    rows.append(new)
    rows.sort(key=_place)
    header = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    table = "".join("| " + " | ".join(r) + " |\n" for r in rows)
    path.write_text(f"{INTRO}\nMachine of the latest run: {machine()}.\n\n{header}{table}")
    print(f"wrote {path}")
