#!/usr/bin/env python3
"""Benchmark: the staff inbox of a unit holding N open referrals (default 100,000).

    .venv/bin/python bench/web_inbox.py --n 100000             # SQLite (WAL), temporary
    DATABASE_URL=postgres://… .venv/bin/python bench/web_inbox.py

The rows are written in bulk (this is a data generator, not a path of the application).
Then each read of the inbox is timed several times and the median printed: the box counts,
the first page in each sort, a filtered page, the page after a cursor half-way down, the
"held" box of the owning unit, and the whole page through Django's test client. The
baseline, measured in the same run, is the same deep page cut with OFFSET instead of the
keyset.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["WASL_VAR_DIR"] = tempfile.mkdtemp(prefix="wasl-bench-web-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wasl.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def generate(n: int) -> tuple[object, object, object, object, object]:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from wasl.core import hijri
    from wasl.directory.actors import actor_for
    from wasl.registry import queries
    from wasl.web import inbox

    started = time.perf_counter()
    clerk, answerer, rights_head, reg, rights = generate(args.n)
    print(f"generated {args.n} transactions in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    actor = actor_for(answerer)
    owner = actor_for(clerk)
    head = actor_for(rights_head)
    month_ago = hijri.parse_date(hijri.format_hijri(timezone.localdate() - timedelta(days=30)))
    week_ago = timezone.localdate() - timedelta(days=7)
    first = inbox.page(actor, rights.pk, sort="due")
    open_count = first.counts["open"]
    middle = inbox.waiting_in(actor, rights.pk).order_by("due_date", "id")[
        open_count // 2 : open_count // 2 + 1
    ][0]
    cursor_mid = f"{middle.due_date.isoformat()}_{middle.id}"

    def offset_page() -> list[object]:
        qs = queries.inbox(actor, unit_id=rights.pk).order_by("due_date", "id")
        return list(
            qs.select_related("transaction__correspondent")[
                open_count // 2 : open_count // 2 + inbox.PAGE_SIZE
            ]
        )

    client = Client()
    client.force_login(answerer)
    client.get("/")

    def rows(who: object, unit: int, **kwargs: object) -> Callable[[], object]:
        # One page of rows, without the boxes' counts (timed on their own).
        return lambda: inbox.page(who, unit, with_counts=False, **kwargs)  # type: ignore[arg-type]

    cases: list[tuple[str, Callable[[], object]]] = [
        ("counts (5 boxes + held)", lambda: inbox.counts(actor, rights.pk, first_day)),
        ("head's counts (no top-secret rule)", lambda: inbox.counts(head, rights.pk, first_day)),
        ("first page, due date", rows(actor, rights.pk, sort="due")),
        ("first page, newest", rows(actor, rights.pk, sort="newest")),
        (
            "first page, kind+urgency filter",
            rows(actor, rights.pk, filters=inbox.Filters(kind="complaint", urgency="immediate")),
        ),
        (
            "first page, Hijri date range",
            rows(actor, rights.pk, filters=inbox.Filters(date_from=month_ago, date_to=week_ago)),
        ),
        ("overdue box", rows(actor, rights.pk, box="overdue")),
        ("keyset page half-way", rows(actor, rights.pk, cursor=cursor_mid)),
        ("held box of the owning unit", rows(owner, reg.pk, box="held")),
        ("whole inbox page with counts (client)", lambda: client.get("/")),
        ("BASELINE offset page half-way", offset_page),
        (
            "BASELINE registry.queries.inbox first page",
            lambda: list(
                queries.inbox(actor, unit_id=rights.pk)
                .order_by("due_date", "id")
                .select_related("transaction__correspondent")[: inbox.PAGE_SIZE + 1]
            ),
        ),
    ]
    first_day = timezone.localdate()
    print(f"database: {connection.vendor}; open referrals in the unit: {open_count}")
    results = {}
    for name, fn in cases:
        fn()
        results[name] = median_ms(fn, args.rounds)
        print(f"{name:38s} median {results[name]:8.1f} ms")
    keyset = results["keyset page half-way"]
    base = results["BASELINE offset page half-way"]
    print(f"keyset vs offset half-way: {base / keyset:.1f}x faster")
    registry_first = results["BASELINE registry.queries.inbox first page"]
    ours = results["first page, due date"]
    print(
        f"first page (keyset, merged states) vs registry.queries.inbox: {registry_first / ours:.1f}x"
    )


if __name__ == "__main__":
    main()
