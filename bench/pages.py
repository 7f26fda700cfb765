#!/usr/bin/env python3
"""Benchmark: the main staff pages as a person loads them — the inbox, a transaction, a search
and their dashboard — over HTTP with a signed-in session, from concurrent client
processes against the production server, on N generated transactions, beside the floors
measured in the same run.

    make bench-pages                          # 100,000 transactions, SQLite
    python bench/pages.py --database postgres --n 100000

Generates N transactions with bench/generate.py (the same data as the inquiry and dashboard
benchmarks), builds the roll-ups and the search index, and signs in as the clerk of the unit
that holds the most referrals. Each client reads, in turn, transactions of that unit and
searches for words of their subjects (a different one each time), the inbox and their own
dashboard (`/dashboards/person/<username>/`) for the current Hijri month. Prints requests/s and p50/p95 per page (medians over
the rounds) beside three floors: the bare WSGI application, a trivial page (`GET /signin/`
without a session: server, middleware, a template) and `GET /api/v1/me`; then each page's
p95 ÷ the trivial page's p95 (the issue's target: within 3×, and under 150 ms p95).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, report, servers  # noqa: E402

PAGES = ("inbox", "transaction", "search", "dashboard")
SAMPLE = 200  # transactions (and search words) a client cycles through


def prepare(n: int, entities: int) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from bench.generate import generate, reindex
    from wasl.core.arabic import tokens
    from wasl.dashboards import rollups
    from wasl.dashboards.periods import current_month
    from wasl.directory.actors import actor_for
    from wasl.directory.models import Membership, Unit
    from wasl.directory.tokens import create_token
    from wasl.inquiry.management.commands.reindex import progress_bar
    from wasl.registry.models import Referral
    from wasl.registry.queries import visible_transactions

    started = time.perf_counter()
    stats = generate(
        n, entities=entities, needles=0, progress=progress_bar(sys.stdout, "generate ")
    )
    generated = time.perf_counter() - started
    print(f"generated {stats.transactions:,} transactions in {generated:.0f} s", flush=True)
    started = time.perf_counter()
    rollups.rebuild()
    reindex(progress=progress_bar(sys.stdout, "index "))
    built = time.perf_counter() - started
    print(f"built the roll-ups and the index in {built:.0f} s", flush=True)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    busiest = Referral.objects.values("to_unit_id").annotate(n=Count("id")).order_by("-n").first()
    unit = Unit.objects.get(pk=busiest["to_unit_id"]) if busiest else Unit.objects.first()
    assert unit is not None, "nothing was generated"
    clerk = (
        get_user_model()
        .objects.filter(pk__in=Membership.objects.filter(unit=unit, role="clerk").values("user"))
        .order_by("pk")
        .first()
    )
    assert clerk is not None, f"no clerk in {unit.code}"
    seen = visible_transactions(actor_for(clerk)).order_by("-id")
    rng = random.Random(1448)
    rows = list(seen.values_list("public_id", "subject")[: SAMPLE * 5])
    assert rows, f"{clerk.username} sees no transaction"
    picked = rng.sample(rows, min(SAMPLE, len(rows)))
    words = []
    for _, subject in picked:
        # Two words of a subject, as a person types them (long enough to mean something).
        typed = [w for w in tokens(subject) if len(w) > 3]
        words.append(" ".join(rng.sample(typed, min(2, len(typed)))) or subject[:20])
    period = current_month(timezone.localdate())
    browser = Client()
    browser.force_login(clerk)  # a session in the database, as signing in makes one
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    return {
        "transactions": stats.transactions,
        "generated": generated,
        "built": built,
        "person": f"{clerk.username} ({unit.name_en}, {seen.count():,} transactions visible)",
        "token": create_token(clerk.username),
        "cookie": cookie,
        "transactions_paths": [f"/t/{public_id}/" for public_id, _ in picked],
        "search_queries": words,
        "inbox": "/inbox/",
        "dashboard": f"/dashboards/person/{clerk.username}/?{period.token}",
    }


def reader(kind: str, data: dict[str, Any]) -> load.Work:
    from urllib.parse import urlencode

    cookie = data["cookie"]
    if kind == "transaction":
        paths = data["transactions_paths"]
    elif kind == "search":
        paths = ["/inquiry/?" + urlencode({"q": q}) for q in data["search_queries"]]
    else:
        paths = [data[kind]]

    def run(client: load.Client, i: int) -> None:
        client.call(kind, "GET", paths[i % len(paths)], cookie=cookie, expect=(200,))

    return run


def trivial_page(client: load.Client, i: int) -> None:
    client.call("trivial page", "GET", "/signin/", expect=(200,))


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
    command = args.command or "python bench/pages.py " + " ".join(sys.argv[1:])
    from django.db import connections

    print(f"== staff pages over HTTP, {args.database}, N = {args.n:,}", flush=True)
    with servers.django_on(args.database) as env:
        data = prepare(args.n, args.entities)
        described = servers.describe_database()
        connections.close_all()  # the client processes are forked from this one
        print(f"{described}; {servers.describe_server(args.workers)}; {args.clients} clients")
        print(f"signed in as {data['person']}")
        with (
            servers.serving(servers.BARE_APP, args.workers, env) as bare_url,
            servers.serving(servers.WASL_APP, args.workers, env) as wasl_url,
        ):
            runs = [
                ("bare", bare_url, load.bare),
                ("trivial", wasl_url, trivial_page),
                ("me", wasl_url, load.me(data["token"])),
            ]
            runs += [(k, wasl_url, reader(k, data)) for k in PAGES]

            def show(res: dict[str, list[load.Result]]) -> str:
                return " | ".join(f"{k} {v[-1].rate:,.0f}/s" for k, v in res.items())

            results = load.rounds(runs, args.rounds, args.clients, args.seconds, show)
    bare = load.summary(results["bare"], "bare")
    trivial = load.summary(results["trivial"], "trivial page")
    me = load.summary(results["me"], "me")
    pages = {k: load.summary(results[k], k) for k in PAGES}
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:g} s:")
    floors = [("bare WSGI", bare), ("trivial page", trivial), ("GET /api/v1/me", me)]
    for name, (rate, p50, p95) in [*floors, *pages.items()]:
        print(f"  {name:<16} {rate:9,.0f} requests/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    figures = "; ".join(
        f"{k} {rate:,.0f} req/s, p50 / p95 {p50:.0f} / {p95:.0f} ms"
        for k, (rate, p50, p95) in pages.items()
    )
    row = {
        "benchmark": f"staff pages over HTTP, {data['transactions']:,} transactions",
        "database": described,
        "server · clients": f"{servers.describe_server(args.workers)} · {args.clients} client processes",
        "figures": f"{figures}; signed in as {data['person']}; generated in "
        f"{data['generated']:.0f} s, roll-ups and index built in {data['built']:.0f} s",
        "floors": f"bare WSGI {bare[0]:,.0f} req/s; trivial page (`GET /signin/`) "
        f"{trivial[0]:,.0f} req/s, p95 {trivial[2]:.0f} ms; `GET /api/v1/me` {me[0]:,.0f} req/s",
        "ratios": "; ".join(
            f"{k} p95 ÷ trivial page p95 {v[2] / trivial[2]:.1f}" for k, v in pages.items()
        ),
        "run": f"{report.today()}; median of {args.rounds} rounds × {args.seconds:g} s; `{command}`",
    }
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
