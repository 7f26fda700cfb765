#!/usr/bin/env python3
"""Benchmark: the staff inbox page of a unit holding N open referrals (default 100,000), over
HTTP with a signed-in session, from concurrent client processes against the production server,
beside the floors measured in the same run.

    make bench-web                            # 100,000 referrals, SQLite
    python bench/web_inbox.py --database postgres --n 100000

The rows are written in bulk (a data generator, not a path of the application). Then each
view of the inbox is read over and over: the first page by due date and by newest, a kind +
urgency filter, the overdue box, and the page after a cursor half-way down (keyset
pagination: it must cost what the first page costs). Prints requests/s and p50/p95 per view
(medians over the rounds), the floors (bare WSGI, `GET /api/v1/me`) and ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, report, servers  # noqa: E402

VIEWS = ("first page, due date", "first page, newest", "kind + urgency", "overdue box",
         "half-way (keyset)")  # fmt: skip


def generate(n: int) -> tuple[Any, Any, Any, Any, Any]:
    from django.db import transaction
    from django.utils import timezone

    from wasl.directory import services as directory
    from wasl.registry.models import Referral, Transaction

    tag = uuid.uuid4().hex[:6].upper()
    entity, _ = directory.ensure_entity(
        code=f"BW-{tag}", kind="other", name_ar="جهة القياس", name_en="Benchmark"
    )
    reg, _ = directory.ensure_unit(
        entity=entity, code="REG", name_ar="الاتصالات", name_en="Registry", is_registry=True
    )
    rights, _ = directory.ensure_unit(entity=entity, code="RIGHTS", name_ar="الحقوق", name_en="R")
    clerk, _ = directory.ensure_person(username=f"bw-clerk-{tag}", first_name="س", last_name="ح")
    answerer, _ = directory.ensure_person(
        username=f"bw-rights-{tag}", first_name="ن", last_name="ز"
    )
    head, _ = directory.ensure_person(username=f"bw-head-{tag}", first_name="خ", last_name="ق")
    directory.grant(clerk, reg, "clerk")
    directory.grant(answerer, rights, "clerk")
    directory.grant(head, rights, "unit_head")
    rng = random.Random(1448)
    now = timezone.now()
    today = timezone.localdate()
    kinds = ["letter", "request", "complaint", "petition", "memo"]
    urgencies = ["normal", "normal", "normal", "urgent", "very_urgent", "immediate"]
    batch = 5000
    for start in range(0, n, batch):
        size = min(batch, n - start)
        txns = []
        for i in range(start, start + size):
            day = today - timedelta(days=rng.randint(0, 300))
            state = "referred" if i % 10 else rng.choice(["registered", "answered", "returned"])
            txns.append(
                Transaction(
                    entity=entity,
                    unit=reg,
                    reference=f"BW-{tag}-1448-{i + 1:07d}",
                    hijri_year=1448,
                    sequence=i + 1,
                    direction="incoming",
                    kind=rng.choice(kinds),
                    classification="general",
                    urgency=rng.choice(urgencies),
                    confidentiality="normal" if i % 50 else "confidential",
                    subject=f"معاملة رقم {i}",
                    state=state,
                    registered_at=now - timedelta(days=(today - day).days),
                    registered_on=day,
                    registered_by=clerk,
                    updated_at=now,
                )
            )
        with transaction.atomic():
            made = Transaction.objects.bulk_create(txns)
            Referral.objects.bulk_create(
                [
                    Referral(
                        transaction=t,
                        from_unit=reg,
                        to_unit=rights,
                        instruction="للإفادة",
                        due_date=today + timedelta(days=rng.randint(-40, 40)),
                        state="pending" if rng.random() < 0.6 else "acknowledged",
                        created_by=clerk,
                        created_at=now,
                    )
                    for t in made
                    if t.state == "referred"
                ]
            )
    return clerk, answerer, head, reg, rights


def prepare(n: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from wasl.directory.tokens import create_token
    from wasl.registry.models import Referral

    started = time.perf_counter()
    _, answerer, _, _, rights = generate(n)
    generated = time.perf_counter() - started
    print(f"generated {n:,} transactions in {generated:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    waiting = Referral.objects.filter(to_unit=rights, state__in=("pending", "acknowledged"))
    middle = waiting.order_by("due_date", "id")[waiting.count() // 2]
    browser = Client()
    browser.force_login(answerer)  # a session in the database, as signing in makes one
    name = settings.SESSION_COOKIE_NAME
    return {
        "generated": generated,
        "token": create_token(answerer.username),
        "cookie": f"{name}={browser.cookies[name].value}",
        "paths": dict(
            zip(
                VIEWS,
                (
                    "/inbox/",
                    "/inbox/?sort=newest",
                    "/inbox/?kind=complaint&urgency=immediate",
                    "/inbox/?box=overdue",
                    f"/inbox/?after={middle.due_date.isoformat()}_{middle.id}",
                ),
                strict=True,
            )
        ),
    }


def reader(kind: str, path: str, cookie: str) -> load.Work:
    def run(client: load.Client, i: int) -> None:
        client.call(kind, "GET", path, cookie=cookie, expect=(200,))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="transactions to generate")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--write", type=Path, help="put the medians in this table")
    parser.add_argument("--command", default="", help="the command to name in the table")
    args = parser.parse_args()
    command = args.command or "python bench/web_inbox.py " + " ".join(sys.argv[1:])
    from django.db import connections

    print(f"== staff inbox over HTTP, {args.database}, N = {args.n:,}", flush=True)
    with servers.django_on(args.database) as env:
        data = prepare(args.n)
        described = servers.describe_database()
        connections.close_all()  # the client processes are forked from this one
        print(f"{described}; {servers.describe_server(args.workers)}; {args.clients} clients")
        with (
            servers.serving(servers.BARE_APP, args.workers, env) as bare_url,
            servers.serving(servers.WASL_APP, args.workers, env) as wasl_url,
        ):
            runs = [("bare", bare_url, load.bare), ("me", wasl_url, load.me(data["token"]))]
            runs += [(k, wasl_url, reader(k, data["paths"][k], data["cookie"])) for k in VIEWS]

            def show(res: dict[str, list[load.Result]]) -> str:
                return " | ".join(f"{k} {v[-1].rate:,.0f}/s" for k, v in res.items())

            results = load.rounds(runs, args.rounds, args.clients, args.seconds, show)
    bare = load.summary(results["bare"], "bare")
    me = load.summary(results["me"], "me")
    views = {k: load.summary(results[k], k) for k in VIEWS}
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:g} s:")
    for name, (rate, p50, p95) in [("bare WSGI", bare), ("GET /api/v1/me", me), *views.items()]:
        print(f"  {name:<22} {rate:9,.0f} requests/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    figures = "; ".join(
        f"{k} {rate:,.0f} req/s, p50 / p95 {p50:.0f} / {p95:.0f} ms"
        for k, (rate, p50, p95) in views.items()
    )
    row = {
        "benchmark": f"staff inbox page, {args.n:,} referrals in the unit",
        "database": described,
        "server · clients": f"{servers.describe_server(args.workers)} · {args.clients} client processes",
        "figures": f"{figures}; generated in {data['generated']:.0f} s",
        "floors": f"bare WSGI {bare[0]:,.0f} req/s; `GET /api/v1/me` {me[0]:,.0f} req/s",
        "ratios": "; ".join(f"{k} ÷ /me {v[0] / me[0]:.2f}" for k, v in views.items()),
        "run": f"{report.today()}; median of {args.rounds} rounds × {args.seconds:g} s; `{command}`",
    }
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
