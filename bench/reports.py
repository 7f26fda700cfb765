#!/usr/bin/env python3
"""Benchmark: Balagh 940 over HTTP — posting reports (the API a portal or app uses, and
Open311 GeoReport v2 with an API key) and asking what is already reported nearby, on N
reports — from concurrent client processes against the production server, beside the floors
measured in the same run.

    make bench-reports                                      # 100,000 reports, SQLite
    python bench/reports.py --n 1000000 --database postgres
    python bench/reports.py --n 2000 --rounds 1 --seconds 1 # a quick look

Loads the demo region's directory and the 940 reference data (categories, the
sub-municipalities and districts), generates N transactions (bench/generate.py) and makes
each one a report: a category, a point in one of the areas' boxes (the districts' density,
not a city's), about a fifth of them closed. The flood limits are lifted for the run (one
address posts everything). Each round measures, with the same client processes and server:
the bare WSGI application and `GET /api/v1/me` (the floors of bench/lifecycle.py), then
"already reported nearby" (`GET /api/v1/reports/nearby` at the points of existing reports,
inside an area), then posting through the API (`POST /api/v1/reports`) and through Open311
(`POST /open311/v2/requests.json`). Prints requests/s and p50/p95 of each, and the ratios: the
floor's requests/s ÷ each one's, and each p95 ÷ the floor's p95. The issue's targets:
posting within 3× the floor; nearby p95 under 50 ms at a million reports.
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

KINDS = ("nearby", "post (API)", "post (Open311)")
CATEGORY = "pothole"  # its one required question: the size
POINTS = 300  # query points a client cycles through
# One address posts every report of the run (the flood limits are for people, not this).
LIFTED = {"WASL_REPORT_FLOOD_PER_ADDRESS": "100000000", "WASL_REPORT_FLOOD_PER_KEY": "100000000"}


def prepare(n: int, seed: int) -> dict[str, Any]:
    """The directory and 940 data, N reports on N generated transactions, a staff token for
    the `/me` floor, an Open311 key, and the points to ask about (inside an area)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models.functions import Mod
    from django.utils import timezone

    from bench.generate import generate
    from wasl.demo import region
    from wasl.demo.region import RegionCounts
    from wasl.directory.tokens import create_token
    from wasl.inquiry.management.commands.reindex import progress_bar
    from wasl.registry.models import Transaction
    from wasl.registry.states import State
    from wasl.reports import services
    from wasl.reports.errors import OutsideServiceArea
    from wasl.reports.models import Area, Category, Report

    region.load_directory(RegionCounts())
    loaded = services.load_reference_data()
    assert not loaded.missing, loaded.missing
    started = time.perf_counter()
    stats = generate(
        n, seed=seed, entities=20, events=False, progress=progress_bar(sys.stdout, "generate ")
    )
    rng = random.Random(seed)
    areas = list(Area.objects.filter(parent__isnull=True))
    categories = list(Category.objects.filter(is_active=True))
    now = timezone.now()
    ids = Transaction.objects.order_by("id").values_list("id", flat=True)
    batch: list[Report] = []
    made = 0
    for txn_id in ids.iterator(chunk_size=5000):
        area = rng.choice(areas)
        batch.append(
            Report(
                transaction_id=txn_id,
                category=rng.choice(categories),
                lat=rng.uniform(area.min_lat, area.max_lat),
                lon=rng.uniform(area.min_lon, area.max_lon),
                area=area,
                description="حفرة في الطريق",
                channel="api",
                created_at=now,
            )
        )
        if len(batch) == 5000:
            Report.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    Report.objects.bulk_create(batch)
    made += len(batch)
    # About a fifth closed, as a working municipality's history leaves them.
    fifth = Transaction.objects.annotate(r=Mod("id", 5)).filter(r=0).values("id")
    Transaction.objects.filter(id__in=fifth).update(state=State.CLOSED)
    generated = time.perf_counter() - started
    print(
        f"generated {stats.transactions:,} transactions and {made:,} reports in {generated:.0f} s",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as a database that has run for a while knows its tables
    points = []
    for lat, lon, code in (
        Report.objects.order_by("id")
        .values_list("lat", "lon", "category__code")[: POINTS * 20]
        .iterator()
    ):
        try:
            services.locate(lat, lon)
        except OutsideServiceArea:
            continue
        points.append((code, lat, lon))
        if len(points) == POINTS:
            break
    assert points, "no generated report lies inside an area"
    clerk = get_user_model().objects.order_by("id").first()
    assert clerk is not None
    return {
        "reports": made,
        "generated": generated,
        "token": create_token(clerk.get_username()),
        "open311": services.create_open311_key("bench"),
        "points": points,
    }


def _post_body(i: int, code: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "category": CATEGORY,
        "lat": lat,
        "lon": lon,
        "description": f"حفرة كبيرة في الطريق رقم {i} تعيق حركة السيارات.",
        "answers": {"size": "large"},
        "contact": {"name": "مبلّغ", "phone": "0551234567"},
    }


def work(kind: str, data: dict[str, Any]) -> load.Work:
    points = data["points"]

    def nearby(client: Any, i: int) -> None:
        code, lat, lon = points[i % len(points)]
        client.call("nearby", "GET", f"/api/v1/reports/nearby?category={code}&lat={lat}&lon={lon}")

    def post_api(client: Any, i: int) -> None:
        code, lat, lon = points[i % len(points)]
        client.call(
            "post (API)",
            "POST",
            "/api/v1/reports",
            data=_post_body(i, code, lat, lon),
            expect=(201,),
        )

    def post_open311(client: Any, i: int) -> None:
        _code, lat, lon = points[i % len(points)]
        client.call(
            "post (Open311)",
            "POST",
            "/open311/v2/requests.json",
            form={
                "api_key": data["open311"],
                "service_code": CATEGORY,
                "lat": str(lat),
                "long": str(lon),
                "description": f"حفرة كبيرة في الطريق رقم {i}.",
                "attribute[size]": "large",
            },
            expect=(200, 201),
        )

    return {"nearby": nearby, "post (API)": post_api, "post (Open311)": post_open311}[kind]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="reports to generate")
    parser.add_argument("--seed", type=int, default=1448)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--write", type=Path, help="put the medians in this table")
    parser.add_argument("--command", default="", help="the command to name in the table")
    args = parser.parse_args()
    command = args.command or "python bench/reports.py " + " ".join(sys.argv[1:])
    from django.db import connections

    print(f"== Balagh 940 over HTTP, {args.n:,} reports, {args.database}", flush=True)
    os.environ.update(LIFTED)
    with servers.django_on(args.database) as env:
        data = prepare(args.n, args.seed)
        described = servers.describe_database()
        connections.close_all()  # the client processes are forked from this one
        server = servers.describe_server(args.workers)
        print(f"{described}; {server}; {args.clients} client processes", flush=True)
        with (
            servers.serving(servers.BARE_APP, args.workers, env) as bare_url,
            servers.serving(servers.WASL_APP, args.workers, {**env, **LIFTED}) as wasl_url,
        ):
            runs = [
                ("bare", bare_url, load.bare),
                ("me", wasl_url, load.me(data["token"])),
                *((kind, wasl_url, work(kind, data)) for kind in KINDS),
            ]

            def show(res: dict[str, list[load.Result]]) -> str:
                return " | ".join(f"{name} {res[name][-1].rate:,.0f}/s" for name in res)

            results = load.rounds(runs, args.rounds, args.clients, args.seconds, show)
    bare = load.summary(results["bare"], "bare")
    me = load.summary(results["me"], "me")
    figures = {kind: load.summary(results[kind], kind) for kind in KINDS}
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:g} s, {data['reports']:,} reports:")
    print(
        f"  bare WSGI        {bare[0]:9,.0f} requests/s  p50 {bare[1]:6.1f} ms  p95 {bare[2]:6.1f} ms"
    )
    print(f"  GET /api/v1/me   {me[0]:9,.0f} requests/s  p50 {me[1]:6.1f} ms  p95 {me[2]:6.1f} ms")
    for kind, (rate, p50, p95) in figures.items():
        print(
            f"  {kind:<16} {rate:9,.0f} requests/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
            f"  (/me ÷ it {me[0] / rate:.2f}; p95 ÷ /me p95 {p95 / me[2]:.1f})"
        )
    row = {
        "benchmark": f"Balagh 940 over HTTP, {data['reports']:,} reports "
        "(nearby, posting by API and Open311)",
        "database": described,
        "server · clients": f"{server} · {args.clients} client processes",
        "figures": "; ".join(
            f"{kind} {rate:,.0f} req/s, p50 / p95 {p50:.0f} / {p95:.0f} ms"
            for kind, (rate, p50, p95) in figures.items()
        )
        + f"; generated in {data['generated']:.0f} s",
        "floors": f"bare WSGI {bare[0]:,.0f} req/s; `GET /api/v1/me` {me[0]:,.0f} req/s "
        f"(p95 {me[2]:.1f} ms)",
        "ratios": "; ".join(
            f"/me ÷ {kind} {me[0] / rate:.2f}, p95 ÷ /me p95 {p95 / me[2]:.1f}"
            for kind, (rate, _p50, p95) in figures.items()
        ),
        "run": f"{report.today()}; median of {args.rounds} rounds × {args.seconds:g} s; "
        f"`{command}`",
    }
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
