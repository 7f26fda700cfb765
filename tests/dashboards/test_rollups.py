"""The roll-ups always equal a recount of the raw tables, whatever steps were taken."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_transaction
from wasl.core.errors import WaslError
from wasl.dashboards import rollups
from wasl.dashboards.models import Tally
from wasl.registry import services as registry
from wasl.registry.models import Referral


def test_every_kind_of_step_keeps_the_roll_ups_equal_to_a_recount(cast, clock):
    rng = random.Random(1448)
    people = {
        cast.registry.pk: cast.clerk,
        cast.rights.pk: cast.rights_clerk,
        cast.security.pk: cast.security_clerk,
    }
    txns = []
    day = date(2025, 10, 1)
    for _ in range(40):
        day += timedelta(days=rng.choice([0, 1, 2]))
        clock.at(day)
        move = rng.random()
        if move < 0.3 or not txns:
            txns.append(
                make_transaction(cast, urgency=rng.choice(["normal", "urgent", "immediate"]))
            )
            continue
        txn = rng.choice(txns)
        open_refs = list(
            Referral.objects.filter(transaction=txn, state__in=["pending", "acknowledged"])
        )
        try:
            if open_refs and move < 0.75:
                ref = rng.choice(open_refs)
                holder = people[ref.to_unit_id].actor
                step = rng.choice(["answer", "return", "forward", "acknowledge"])
                if step == "answer":
                    registry.answer(holder, ref.public_id, text="تم")
                elif step == "return":
                    registry.return_referral(holder, ref.public_id, reason="ليست لنا")
                elif step == "acknowledge":
                    registry.acknowledge(holder, ref.public_id)
                else:
                    other = cast.security if ref.to_unit_id == cast.rights.pk else cast.rights
                    registry.forward(holder, ref.public_id, to_unit=other, instruction="للاختصاص")
            else:
                step = rng.choice(["refer", "refer2", "close", "reopen", "cancel", "comment"])
                clerk = cast.clerk.actor
                if step == "refer":
                    registry.refer(
                        clerk, txn.public_id, to_units=[cast.rights], instruction="للإفادة"
                    )
                elif step == "refer2":
                    registry.refer(
                        clerk,
                        txn.public_id,
                        to_units=[cast.rights, cast.security],
                        instruction="للإفادة",
                    )
                elif step == "close":
                    registry.close(clerk, txn.public_id, reason="انتهى")
                elif step == "reopen":
                    registry.reopen(cast.head.actor, txn.public_id, reason="ملاحظة")
                elif step == "cancel":
                    registry.cancel(cast.head.actor, txn.public_id, reason="خطأ")
                else:
                    registry.comment(clerk, txn.public_id, text="متابعة")
        except WaslError:
            pass  # a step the state does not allow: nothing changed
    report = rollups.check()
    assert report.ok, report.differences
    assert report.rows_compared > 50


def test_the_check_finds_a_tampered_counter_and_a_rebuild_repairs_it(cast, month):
    row = Tally.objects.filter(grain="U", part="in").first()
    row.n += 1
    row.save(update_fields=["n"])
    with pytest.raises(CommandError, match="differ"):
        call_command("dashboards", "check")
    call_command("dashboards", "rebuild")
    call_command("dashboards", "check")


def test_a_rebuild_gives_the_rows_the_steps_wrote(cast, month):
    before = sorted(
        Tally.objects.exclude(n=0, referrals=0).values_list(
            "grain", "scope_id", "part", "day", "days", "n"
        )
    )
    rollups.rebuild()
    after = sorted(
        Tally.objects.exclude(n=0, referrals=0).values_list(
            "grain", "scope_id", "part", "day", "days", "n"
        )
    )
    assert before == after and len(after) > 20


def test_steps_that_change_no_measure_write_no_roll_up(cast, month):
    count = Tally.objects.count()
    registry.comment(cast.clerk.actor, month.t4.public_id, text="متابعة")
    assert Tally.objects.count() == count


def test_the_migration_that_adds_open_totals_writes_what_a_rebuild_would(cast, month):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("wasl.dashboards.migrations.0004_open_totals")
    assert Tally.objects.filter(part="otot").exclude(n=0).count() >= 3  # kept by the steps
    Tally.objects.filter(part="otot").delete()
    assert not rollups.check().ok
    migration.add_open_totals(apps, None)
    assert rollups.check().ok


def test_a_step_adds_to_all_its_roll_up_rows_in_one_statement(cast):
    make_transaction(cast)
    with CaptureQueriesContext(connection) as seen:
        make_transaction(cast)
    writes = [q["sql"] for q in seen.captured_queries if "dashboards_tally" in q["sql"]]
    assert len(writes) == 1
    assert writes[0].count("), (") >= 7  # the registration's rows, one statement
    assert rollups.check().ok


def test_a_referral_to_many_units_keeps_the_roll_ups_equal_to_a_recount(cast):
    from wasl.directory import services as directory

    units = [cast.rights, cast.security]
    for n in range(18):
        unit, _ = directory.ensure_unit(
            entity=cast.emk, code=f"U{n}", name_ar=f"إدارة {n}", name_en=f"Unit {n}"
        )
        units.append(unit)
    txn = make_transaction(cast)
    with CaptureQueriesContext(connection) as seen:
        refs = registry.refer(
            cast.clerk.actor, txn.public_id, to_units=units, instruction="للإفادة"
        )
    writes = [q["sql"] for q in seen.captured_queries if "dashboards_tally" in q["sql"]]
    # More rows than one SQLite statement takes (999 parameters): written in a few.
    assert sum(w.count("), (") + 1 for w in writes) > 999 // 26
    assert len(writes) == (2 if connection.vendor == "sqlite" else 1)
    registry.answer(cast.rights_clerk.actor, refs[0].public_id, text="تمت الإفادة")
    assert rollups.check().ok
