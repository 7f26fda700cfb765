#!/usr/bin/env python3
"""Benchmark: the dashboards as people and clients read them — the executive's region page,
the page of the busiest unit (signed in, with a session) and the measures API (bearer token)
— over HTTP from concurrent client processes against the production server, on N generated
transactions, beside the floors measured in the same run.

    make bench-dashboards                     # 100,000 transactions, SQLite
    make bench-dashboards N=1000000
    python bench/dashboards.py --database postgres --n 100000

Generates N transactions with bench/generate.py, builds the roll-ups (`rollups.rebuild`,
timed), then measures each page for the current Hijri month; prints requests/s and p50/p95
per page (medians over the rounds), the floors (bare WSGI, `GET /api/v1/me`) and ratios.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, report, servers  # noqa: E402

PAGES = ("region page", "unit page", "measures API")


def prepare(n: int, entities: int) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from bench.generate import generate
    from wasl.dashboards import rollups
    from wasl.dashboards.periods import current_month
    from wasl.directory.models import Unit
    from wasl.directory.tokens import create_token
    from wasl.inquiry.management.commands.reindex import progress_bar
    from wasl.registry.models import Referral

    started = time.perf_counter()
    stats = generate(
        n, entities=entities, needles=0, progress=progress_bar(sys.stdout, "generate ")
    )
    generated = time.perf_counter() - started
    print(f"generated {stats.transactions:,} transactions in {generated:.0f} s", flush=True)
    started = time.perf_counter()
    rollups.rebuild()
    built = time.perf_counter() - started
    print(f"built the roll-ups in {built:.0f} s", flush=True)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    executive = get_user_model().objects.get(username="gen.emk.exec")
    busiest = Referral.objects.values("to_unit_id").annotate(n=Count("id")).order_by("-n").first()
    unit = Unit.objects.get(pk=busiest["to_unit_id"]) if busiest else Unit.objects.first()
    period = current_month(timezone.localdate())
    browser = Client()
    browser.force_login(executive)  # a session in the database, as signing in makes one
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    return {
        "transactions": stats.transactions,
        "generated": generated,
        "built": built,
        "token": create_token(executive.username),
        "cookie": cookie,
        "paths": {
            "region page": f"/dashboards/region/?{period.token}",
            "unit page": f"/dashboards/unit/{unit.public_id}/?{period.token}",
            "measures API": "/api/v1/measures?scope=region",
        },
    }


def reader(kind: str, path: str, data: dict[str, Any]) -> load.Work:
    def run(client: load.Client, i: int) -> None:
        if kind.endswith("API"):
            client.call(kind, "GET", path, token=data["token"])
        else:
            client.call(kind, "GET", path, cookie=data["cookie"], expect=(200,))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="transactions to generate")
    parser.add_argument("--entities", type=int, default=100)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--write", type=Path, help="put the medians in this table")
    parser.add_argument("--command", default="", help="the command to name in the table")
    args = parser.parse_args()
    command = args.command or "python bench/dashboards.py " + " ".join(sys.argv[1:])
    from django.db import connections

    print(f"== dashboards over HTTP, {args.database}, N = {args.n:,}", flush=True)
    with servers.django_on(args.database) as env:
        data = prepare(args.n, args.entities)
        described = servers.describe_database()
        connections.close_all()  # the client processes are forked from this one
        print(f"{described}; {servers.describe_server(args.workers)}; {args.clients} clients")
        with (
            servers.serving(servers.BARE_APP, args.workers, env) as bare_url,
            servers.serving(servers.WASL_APP, args.workers, env) as wasl_url,
        ):
            runs = [("bare", bare_url, load.bare), ("me", wasl_url, load.me(data["token"]))]
            runs += [(k, wasl_url, reader(k, data["paths"][k], data)) for k in PAGES]

            def show(res: dict[str, list[load.Result]]) -> str:
                return " | ".join(f"{k} {v[-1].rate:,.0f}/s" for k, v in res.items())

            results = load.rounds(runs, args.rounds, args.clients, args.seconds, show)
    bare = load.summary(results["bare"], "bare")
    me = load.summary(results["me"], "me")
    pages = {k: load.summary(results[k], k) for k in PAGES}
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:g} s:")
    for name, (rate, p50, p95) in [("bare WSGI", bare), ("GET /api/v1/me", me), *pages.items()]:
        print(f"  {name:<16} {rate:9,.0f} requests/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    figures = "; ".join(
        f"{k} {rate:,.0f} req/s, p50 / p95 {p50:.0f} / {p95:.0f} ms"
        for k, (rate, p50, p95) in pages.items()
    )
    row = {
        "benchmark": f"dashboards over HTTP, {data['transactions']:,} transactions",
        "database": described,
        "server · clients": f"{servers.describe_server(args.workers)} · {args.clients} client processes",
        "figures": f"{figures}; generated in {data['generated']:.0f} s, roll-ups built in "
        f"{data['built']:.0f} s",
        "floors": f"bare WSGI {bare[0]:,.0f} req/s; `GET /api/v1/me` {me[0]:,.0f} req/s",
        "ratios": "; ".join(f"{k} ÷ /me {v[0] / me[0]:.2f}" for k, v in pages.items()),
        "run": f"{report.today()}; median of {args.rounds} rounds × {args.seconds:g} s; `{command}`",
    }
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
