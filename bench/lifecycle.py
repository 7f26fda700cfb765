#!/usr/bin/env python3
"""Benchmark: full transaction lifecycles (register, refer, answer, close) through the
service layer, beside the same rows written with raw SQL in the same run on the same database.

    make bench N=2000                    # SQLite (WAL) in a temporary folder
    DATABASE_URL=postgres://… make bench # another database

Prints one line per round and a summary line with the median `lifecycles/s` of each and
their ratio. Each lifecycle is 4 database transactions (commits) either way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["WASL_VAR_DIR"] = tempfile.mkdtemp(prefix="wasl-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wasl.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_cast(tag: str):
    from wasl.directory import services as directory
    from wasl.directory.actors import actor_for

    entity, _ = directory.ensure_entity(
        code=f"BENCH-{tag}", kind="other", name_ar="جهة القياس", name_en="Benchmark entity"
    )
    registry, _ = directory.ensure_unit(
        entity=entity,
        code="REG",
        name_ar="الاتصالات الإدارية",
        name_en="Registry",
        is_registry=True,
    )
    target, _ = directory.ensure_unit(
        entity=entity, code="RIGHTS", name_ar="الحقوق", name_en="Rights"
    )
    clerk, _ = directory.ensure_person(
        username=f"bench-clerk-{tag}", first_name="سعد", last_name="الحربي"
    )
    answerer, _ = directory.ensure_person(
        username=f"bench-rights-{tag}", first_name="نورة", last_name="الزهراني"
    )
    directory.grant(clerk, registry, "clerk")
    directory.grant(answerer, target, "clerk")
    return entity, registry, target, actor_for(clerk), actor_for(answerer)


def run_services(n: int, tag: str) -> float:
    from wasl.registry import services

    _, registry, target, clerk, answerer = make_cast(tag)
    party = services.Party(type="citizen", name="محمد بن علي الحربي", id_number="1058529940")
    started = time.perf_counter()
    for i in range(n):
        txn = services.register_transaction(
            clerk,
            unit=registry,
            direction="incoming",
            kind="petition",
            subject=f"معروض المواطن بشأن تعويض أرض رقم {i}",
            body="يطلب المواطن صرف تعويض أرضه المنزوعة لصالح مشروع الطريق الدائري.",
            party=party,
        )
        (ref,) = services.refer(
            clerk, txn.public_id, to_units=[target], instruction="للدراسة والإفادة"
        )
        services.answer(answerer, ref.public_id, text="تمت دراسة الطلب ولا مانع من الصرف.")
        services.close(clerk, txn.public_id, reason="تمت الإفادة")
    return time.perf_counter() - started


def run_raw_sql(n: int, tag: str) -> float:
    """The same rows (transaction, sequence, referral, 4 events, 4 audit records, chain head)
    with hand-written SQL and 4 commits per lifecycle: the floor our layers are measured
    against."""
    from django.db import connection
    from django.db import transaction as db
    from django.utils import timezone

    entity, registry, target, clerk, answerer = make_cast(tag)
    year = 1448
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO registry_numbersequence (entity_id, hijri_year, last_value) VALUES (%s, %s, 0)",
            [entity.pk, year],
        )
        c.execute(
            "INSERT INTO audit_chainhead (chain, last_seq, last_hash) VALUES (%s, 0, %s)",
            [f"RAW-{tag}", "0" * 64],
        )
    chain = f"RAW-{tag}"
    seq = 0

    def audit(c, now, action, object_id):
        nonlocal seq
        seq += 1
        c.execute(
            "INSERT INTO audit_auditrecord (chain, seq, created_at, actor_id, actor, action, "
            "object_type, object_id, data, prev_hash, hash) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [
                chain,
                seq,
                now,
                clerk.user_id,
                clerk.username,
                action,
                "transaction",
                object_id,
                '{"state": ["a", "b"]}',
                "0" * 64,
                "1" * 64,
            ],
        )
        c.execute(
            "UPDATE audit_chainhead SET last_seq = %s, last_hash = %s WHERE chain = %s",
            [seq, "1" * 64, chain],
        )

    def event(c, now, txn_id, action, actor, ref_id=None):
        c.execute(
            "INSERT INTO registry_event (transaction_id, referral_id, action, actor_id, actor_unit_id, "
            "created_at, note, data) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
            [txn_id, ref_id, action, actor, registry.pk, now, "", "{}"],
        )

    started = time.perf_counter()
    for i in range(n):
        now = timezone.now()
        public = uuid.uuid4().hex
        with db.atomic(), connection.cursor() as c:
            c.execute(
                "UPDATE registry_numbersequence SET last_value = last_value + 1 "
                "WHERE entity_id = %s AND hijri_year = %s RETURNING last_value",
                [entity.pk, year],
            )
            number = c.fetchone()[0]
            c.execute(
                "INSERT INTO registry_transaction (public_id, entity_id, unit_id, reference, hijri_year, "
                "sequence, direction, kind, classification, urgency, confidentiality, subject, body, "
                "state, registered_at, registered_on, registered_by_id, updated_at, party_type, "
                "party_name, party_id_number, party_phone, party_cr, external_reference) VALUES "
                "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [
                    public,
                    entity.pk,
                    registry.pk,
                    f"RAW-{tag}-{number}",
                    year,
                    number,
                    "incoming",
                    "petition",
                    "general",
                    "normal",
                    "normal",
                    f"معروض رقم {i}",
                    "نص",
                    "registered",
                    now,
                    now.date(),
                    clerk.user_id,
                    now,
                    "citizen",
                    "محمد",
                    "1058529940",
                    "",
                    "",
                    "",
                ],
            )
            txn_id = c.lastrowid if connection.vendor == "sqlite" else None
            if txn_id is None:
                c.execute("SELECT id FROM registry_transaction WHERE public_id = %s", [public])
                txn_id = c.fetchone()[0]
            event(c, now, txn_id, "registered", clerk.user_id)
            audit(c, now, "registered", public)
        with db.atomic(), connection.cursor() as c:
            rpublic = uuid.uuid4().hex
            c.execute(
                "INSERT INTO registry_referral (public_id, transaction_id, from_unit_id, to_unit_id, "
                "instruction, due_date, state, created_by_id, created_at, answer) VALUES "
                "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [
                    rpublic,
                    txn_id,
                    registry.pk,
                    target.pk,
                    "للإفادة",
                    now.date(),
                    "pending",
                    clerk.user_id,
                    now,
                    "",
                ],
            )
            c.execute("SELECT id FROM registry_referral WHERE public_id = %s", [rpublic])
            ref_id = c.fetchone()[0]
            c.execute(
                "UPDATE registry_transaction SET state = %s, updated_at = %s WHERE id = %s",
                ["referred", now, txn_id],
            )
            event(c, now, txn_id, "referred", clerk.user_id, ref_id)
            audit(c, now, "referred", public)
        with db.atomic(), connection.cursor() as c:
            c.execute(
                "UPDATE registry_referral SET state = %s, finished_at = %s, answer = %s "
                "WHERE id = %s",
                ["answered", now, "تمت الإفادة", ref_id],
            )
            c.execute(
                "UPDATE registry_transaction SET state = %s, updated_at = %s WHERE id = %s",
                ["answered", now, txn_id],
            )
            event(c, now, txn_id, "answered", answerer.user_id, ref_id)
            audit(c, now, "answered", public)
        with db.atomic(), connection.cursor() as c:
            c.execute(
                "UPDATE registry_transaction SET state = %s, closed_at = %s, updated_at = %s "
                "WHERE id = %s",
                ["closed", now, now, txn_id],
            )
            event(c, now, txn_id, "closed", clerk.user_id)
            audit(c, now, "closed", public)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="lifecycles per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    per_round = max(1, args.n // args.rounds)
    # Warm-up (imports, caches, first pages of the database file).
    run_services(20, "WS")
    run_raw_sql(20, "WR")
    service_rates, raw_rates = [], []
    for r in range(args.rounds):
        # Alternate the order so that neither side always runs on a larger database.
        pair = [("s", run_services), ("r", run_raw_sql)]
        for kind, fn in pair if r % 2 == 0 else reversed(pair):
            seconds = fn(per_round, f"{kind.upper()}{r}")
            (service_rates if kind == "s" else raw_rates).append(per_round / seconds)
        print(
            f"round {r + 1}: services {service_rates[-1]:8.1f} lifecycles/s   "
            f"raw SQL {raw_rates[-1]:8.1f} lifecycles/s",
            flush=True,
        )
    s, raw = statistics.median(service_rates), statistics.median(raw_rates)
    db = connection.vendor
    print(
        f"lifecycles/s: {s:.1f} (services, median of {args.rounds} rounds of {per_round}) | "
        f"raw SQL: {raw:.1f} lifecycles/s | ratio services/raw = {s / raw:.2f} | database: {db}"
    )


if __name__ == "__main__":
    main()
