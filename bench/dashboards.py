#!/usr/bin/env python3
"""Benchmark: the dashboard pages read from the roll-ups, beside the same figures computed by
scanning the raw tables, in the same run, on the same database.

    make bench-dashboards N=1000000            # SQLite (WAL) in a temporary folder
    DATABASE_URL=postgres://… make bench-dashboards N=…
    WASL_VAR_DIR=/tmp/wasl-bench-dash-… python bench/dashboards.py --n … --reuse
                                               # SQLite again, on the data of an earlier run
    python bench/dashboards.py --hot-path      # the registry's lifecycles with and without
                                               # the roll-up subscriber (bench/lifecycle.py)

Generates N transactions with bench/generate.py, builds the roll-ups from them with
`wasl dashboards rebuild`, then times (median of --rounds requests, signed in as the
Emirate's executive, through Django's test client: session, access, queries, template)
the executive overview of the region (the line with `overview`) and the page of the busiest
unit, for the current Hijri month. The raw scan computes the same measures from the
transactions and referrals (measures.RawSource), once, and the figures are compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL") and not os.environ.get("WASL_VAR_DIR"):
        os.environ["WASL_VAR_DIR"] = tempfile.mkdtemp(prefix="wasl-bench-dash-")
    if not os.environ.get("DATABASE_URL"):
        print(f"SQLite in {os.environ['WASL_VAR_DIR']}", flush=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wasl.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def time_requests(client, url: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def pages(n: int, rounds: int, entities: int, check: bool, reuse: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from bench.generate import generate
    from wasl.dashboards import measures, rollups
    from wasl.dashboards.models import Tally
    from wasl.dashboards.periods import current_month
    from wasl.dashboards.scopes import resolve
    from wasl.directory.actors import actor_for
    from wasl.directory.models import Unit
    from wasl.registry.models import Referral

    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            print(f"  generated {done:,} of {total:,}", flush=True)

    from wasl.registry.models import Transaction

    existing = Transaction.objects.count()
    if reuse and existing >= n:
        print(f"reusing the {existing:,} transactions already in the database", flush=True)
        total = existing
    else:
        stats = generate(n, entities=entities, progress=progress, needles=0)
        total = stats.transactions
        print(
            f"generated {stats.transactions:,} transactions, {stats.referrals:,} referrals, "
            f"{stats.entities} entities, {stats.units} units in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    if not (reuse and existing >= n and Tally.objects.exists()):
        started = time.perf_counter()
        report = rollups.rebuild()
        rows = Tally.objects.count()
        print(
            f"rebuilt the roll-ups: {rows:,} rows for {report.entities} entities in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if check:
        started = time.perf_counter()
        result = rollups.check()
        print(
            f"check: {'ok' if result.ok else 'DIFFERENT'} ({result.rows_compared:,} rows) in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )

    executive = get_user_model().objects.get(username="gen.emk.exec")
    busiest = Referral.objects.values("to_unit_id").annotate(n=Count("id")).order_by("-n").first()
    unit = Unit.objects.get(pk=busiest["to_unit_id"])
    today = timezone.localdate()
    period = current_month(today)
    client = Client()
    client.force_login(executive)
    overview_url = f"/dashboards/region/?{period.token}"
    unit_url = f"/dashboards/unit/{unit.public_id}/?{period.token}"
    client.get(overview_url)  # warm caches (holidays, templates)
    client.get(unit_url)

    actor = actor_for(executive)
    region = resolve(actor, "region")
    unit_scope = resolve(actor, f"unit:{unit.public_id}")

    def rows_read(scope) -> int:
        grain_rows = Tally.objects.filter(grain=scope.grain, scope_id=scope.scope_id).count()
        return grain_rows

    fast_overview = time_requests(client, overview_url, rounds)
    fast_unit = time_requests(client, unit_url, rounds)

    started = time.perf_counter()
    raw = measures.RawSource()  # one recount serves the figures and the entities' table
    raw_region = measures.measures(region, period, today=today, source=raw)
    raw_children = measures.children(region, period, today=today, source=raw)
    raw_overview = time.perf_counter() - started
    started = time.perf_counter()
    raw_unit = measures.measures(unit_scope, period, today=today, source=measures.RawSource())
    raw_unit_seconds = time.perf_counter() - started

    fast_region = measures.measures(region, period, today=today)
    fast_children = measures.children(region, period, today=today)
    fast_unit_m = measures.measures(unit_scope, period, today=today)
    same = (
        fast_region.transactions == raw_region.transactions
        and fast_unit_m.transactions == raw_unit.transactions
        and fast_unit_m.referrals == raw_unit.referrals
        and {k: (v.received, v.completed, v.open, v.overdue) for k, v in fast_children["t"].items()}
        == {k: (v.received, v.completed, v.open, v.overdue) for k, v in raw_children["t"].items()}
    )
    t = fast_region.transactions
    print(
        f"period {period.label_en} ({period.start} – {period.end}); region: received {t.received:,}, "
        f"completed {t.completed:,}, in progress {t.open:,}, overdue {t.overdue:,}, "
        f"median {t.median_days} / p90 {t.p90_days} working days"
    )
    print(
        f"roll-up rows of the region grain: {rows_read(region):,}; of the unit: {rows_read(unit_scope):,}"
    )
    print(
        f"overview  (region page, {rounds} requests): roll-ups {_ms(fast_overview)} (median) | "
        f"raw scan {_ms(raw_overview)} | ratio {raw_overview / fast_overview:,.0f}x"
    )
    print(
        f"unit page ({unit.entity.code}/{unit.code}, {rounds} requests): roll-ups {_ms(fast_unit)} "
        f"(median) | raw scan {_ms(raw_unit_seconds)} | ratio {raw_unit_seconds / fast_unit:,.0f}x"
    )
    print(
        f"same figures from roll-ups and raw scan: {'yes' if same else 'NO'} | "
        f"transactions: {total:,} | database: {connection.vendor}"
    )
    # Bounded work: the longest period the pages accept, and one they refuse.
    first = period.end.replace(year=period.end.year - 5) + timedelta(days=2)
    longest = f"/dashboards/region/?from={first}&to={period.end}"
    client.get(longest)
    print(
        f"overview over five years ({first} – {period.end}), {rounds} requests: "
        f"roll-ups {_ms(time_requests(client, longest, rounds))} (median)"
    )
    started = time.perf_counter()
    refused = client.get(f"/dashboards/region/?from=1925-01-01&to={period.end}")
    print(
        f"overview over a hundred years: {refused.status_code} in "
        f"{_ms(time.perf_counter() - started)}"
    )


def hot_path(n: int, rounds: int) -> None:
    """bench/lifecycle.py's service lifecycles, alternately with and without the roll-up
    subscriber, in one process on one database."""
    import lifecycle

    from wasl.dashboards.rollups import on_event
    from wasl.registry import events

    lifecycle.run_services(30, "HW")
    rates: dict[str, list[float]] = {"with": [], "without": []}
    for r in range(rounds):
        order = ("with", "without") if r % 2 == 0 else ("without", "with")
        for mode in order:
            if mode == "with":
                events.subscribe(on_event)
            elif on_event in events.in_transaction:
                events.in_transaction.remove(on_event)
            seconds = lifecycle.run_services(n, f"H{mode[0].upper()}{r}")
            rates[mode].append(n / seconds)
        print(
            f"round {r + 1}: with roll-ups {rates['with'][-1]:7.1f} lifecycles/s   "
            f"without {rates['without'][-1]:7.1f} lifecycles/s",
            flush=True,
        )
    events.subscribe(on_event)
    a, b = statistics.median(rates["with"]), statistics.median(rates["without"])
    print(
        f"lifecycles/s: with roll-ups {a:.1f} | without {b:.1f} | ratio {a / b:.2f} "
        f"(median of {rounds} rounds of {n})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="transactions to generate")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--entities", type=int, default=100)
    parser.add_argument("--check", action="store_true", help="also run `dashboards check`")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the transactions (and roll-ups) already in the database",
    )
    parser.add_argument(
        "--hot-path", action="store_true", help="measure the registry's steps instead"
    )
    args = parser.parse_args()
    setup_django()
    if args.hot_path:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        hot_path(min(args.n, 2000), args.rounds)
    else:
        pages(args.n, args.rounds, args.entities, args.check, args.reuse)


if __name__ == "__main__":
    main()
