# ruff: noqa: S603 — runs the benchmark scripts of this repository
"""The benchmarks run, at a tiny size, and write their row: they start the production server,
drive it over HTTP and count what they should. Speed is never asserted here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import load, report

ROOT = Path(__file__).resolve().parent.parent
QUICK = ["--rounds", "1", "--seconds", "0.3", "--clients", "2"]
# The PostgreSQL run of the suite (DATABASE_URL set) runs them on a durable cluster of their own.
DATABASE = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"


# One server worker where the benchmark chooses (the exchange's nodes run theirs).
BENCHES = {
    "lifecycle": ["lifecycle.py", "--workers", "1"],
    "inquiry": [
        "inquiry.py",
        "--n",
        "300",
        "--entities",
        "10",
        "--queries",
        "20",
        "--workers",
        "1",
    ],
    "dashboards": ["dashboards.py", "--n", "300", "--entities", "10", "--workers", "1"],
    "web": ["web_inbox.py", "--n", "300", "--workers", "1"],
    "exchange": ["exchange.py"],
    "notify": ["notify.py", "--workers", "1"],
    "eservices": ["eservices.py", "--workers", "1"],
    "reports": ["reports.py", "--n", "300", "--workers", "1"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every benchmark at a tiny size, side by side (each starts its own servers and
    database): their output and the table each wrote."""
    folder = tmp_path_factory.mktemp("bench")
    started = {}
    for name, (script, *args) in BENCHES.items():
        table = folder / f"{name}.md"
        started[name] = (
            subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "bench" / script),
                    *args,
                    "--database",
                    DATABASE,
                    *QUICK,
                    "--write",
                    str(table),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
            table,
        )
    done = {}
    for name, (proc, table) in started.items():
        out, _ = proc.communicate(timeout=900)
        done[name] = (proc.returncode, out, table)
    return done


def finished(runs, name: str) -> tuple[str, list[str]]:
    """The output of the benchmark `name` and the one row it wrote."""
    code, out, table = runs[name]
    assert code == 0, out[-4000:]
    rows = report.read_rows(table)
    assert len(rows) == 1, rows
    return out, rows[0]


def test_the_lifecycle_bench_drives_lifecycles_over_http_beside_both_floors(runs):
    out, row = finished(runs, "lifecycle")
    queries = re.search(r"queries per lifecycle: (\d+) \{(.*)\}", out)
    assert queries and int(queries[1]) > 0
    for step in ("register", "refer", "answer", "close"):
        assert f"'{step}'" in queries[2]
    benchmark, database, server, figures, floors, ratios, run = row
    assert benchmark.startswith("lifecycles over the API")
    if DATABASE == "postgres":
        assert "fsync=on, synchronous_commit=on" in database
    else:
        assert database.startswith("SQLite")
    assert "gunicorn" in server and "2 client processes" in server
    assert float(re.search(r"\*\*([\d.]+) lifecycles/s\*\*", figures)[1]) > 0
    assert re.search(r"bare WSGI [\d,]+ req/s; `GET /api/v1/me` [\d,]+ req/s", floors)
    assert "/me ÷ bare" in ratios and "lifecycles ÷ (/me ÷ 4)" in ratios
    assert "bench/lifecycle.py" in run


@pytest.mark.parametrize(
    ("name", "benchmark"),
    [
        ("inquiry", "inquiry search over the API"),
        ("dashboards", "dashboards over HTTP"),
        ("web", "staff inbox page"),
    ],
)
def test_the_data_benches_read_over_http_at_a_tiny_size(runs, name, benchmark):
    _, row = finished(runs, name)
    assert row[0].startswith(benchmark)
    assert " req/s" in row[3] and "÷ /me" in row[5]


def test_the_exchange_bench_delivers_letters_between_two_nodes(runs):
    out, row = finished(runs, "exchange")
    assert "exchange log OK" in out
    assert float(re.search(r"\*\*([\d.]+) letters/s delivered", row[3])[1]) > 0
    # Delivery tasks were queued and picked up by the nodes' `wasl worker` (django-tasks-db).
    pickup = re.search(r"picked up p50 / p95 ([\d,]+) / ([\d,]+) ms", row[3])
    assert pickup and int(pickup[2].replace(",", "")) > 0


def test_the_notify_bench_sends_every_message_through_the_outbox(runs):
    out, row = finished(runs, "notify")
    sent = re.search(r"messages sent: (\d+), failed: (\d+)", out)
    # Every lifecycle of the bursts makes 7 messages, SMS and e-mail, all accepted.
    assert sent and int(sent[1]) > 0 and int(sent[1]) % 7 == 0 and sent[2] == "0"
    burst = re.search(r"\((\d+) SMS, (\d+) e-mail, 0 failed\)", out)
    assert burst and int(burst[1]) > 0 and int(burst[2]) > 0
    assert row[0].startswith("notifications through the outbox")
    assert float(re.search(r"\*\*([\d.]+) messages/s\*\*", row[3])[1]) > 0
    assert re.search(r"p50 / p95 [\d,]+ / [\d,]+ ms", row[3])
    assert re.search(r"lifecycles \(bench/lifecycle.py\) [\d.]+/s", row[4])
    assert "bench/notify.py" in row[6]


def test_the_eservices_bench_submits_applications_over_http_beside_the_floors(runs):
    out, row = finished(runs, "eservices")
    queries = re.search(r"queries per application: (\d+) \{(.*)\}", out)
    assert queries and int(queries[1]) > 0
    for kind in ("start", "step page", "step answer", "review page", "submit"):
        assert f"'{kind}'" in queries[2]
    benchmark, database, server, figures, floors, ratios, run = row
    assert benchmark.startswith("e-service applications over HTTP")
    assert database.startswith("PostgreSQL" if DATABASE == "postgres" else "SQLite")
    assert "gunicorn" in server and "2 client processes" in server
    assert float(re.search(r"\*\*([\d.]+) applications/s\*\*", figures)[1]) > 0
    assert re.search(r"submit [\d,]+ / [\d,]+", figures)
    assert re.search(r"bare WSGI [\d,]+ req/s; `GET /api/v1/me` [\d,]+ req/s", floors)
    assert "/me req/s ÷ application req/s" in ratios
    assert "bench/eservices.py" in run


def test_the_reports_bench_asks_nearby_and_posts_over_http_beside_the_floors(runs):
    out, row = finished(runs, "reports")
    assert "generated 300 transactions and 300 reports" in out
    benchmark, database, server, figures, floors, ratios, run = row
    assert benchmark.startswith("Balagh 940 over HTTP, 300 reports")
    assert database.startswith("PostgreSQL" if DATABASE == "postgres" else "SQLite")
    assert "gunicorn" in server and "2 client processes" in server
    for kind in ("nearby", "post (API)", "post (Open311)"):
        found = re.search(
            re.escape(kind) + r" ([\d,]+) req/s, p50 / p95 [\d,]+ / [\d,]+ ms", figures
        )
        assert found and int(found[1].replace(",", "")) > 0, kind
        assert f"/me ÷ {kind}" in ratios
    assert re.search(r"bare WSGI [\d,]+ req/s; `GET /api/v1/me` [\d,]+ req/s", floors)
    assert "bench/reports.py" in run


def test_a_run_replaces_only_the_row_of_its_benchmark_and_database(tmp_path):
    table = tmp_path / "performance.md"
    row = dict.fromkeys(report.COLUMNS, "x")
    report.write_row(table, {**row, "benchmark": "b", "database": "SQLite", "figures": "1"})
    report.write_row(table, {**row, "benchmark": "b", "database": "PostgreSQL", "figures": "2"})
    report.write_row(table, {**row, "benchmark": "b", "database": "SQLite", "figures": "3 | 4"})
    rows = report.read_rows(table)
    assert [(r[1], r[3]) for r in rows] == [("PostgreSQL", "2"), ("SQLite", "3 \\| 4")]
    assert "Machine of the latest run" in table.read_text()


def test_percentiles_are_read_from_the_calls_of_one_kind():
    result = load.Result(10, 2.0, {"me": [i / 1000 for i in range(1, 101)], "bare": [0.001]})
    assert result.rate == 5.0
    assert result.percentile("me", 50) == pytest.approx(50.5)
    assert result.percentile("me", 95) == pytest.approx(95.05)
    assert result.percentile("bare", 95) == 1.0
    assert result.percentile("missing", 50) == 0.0
