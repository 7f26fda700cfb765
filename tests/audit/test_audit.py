"""The audit log: every change appended, hash-chained per entity; tampering is detected."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from wasl.audit.models import AuditRecord, ChainHead
from wasl.audit.services import verify_all

from ..conftest import make_referred, make_transaction


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def chain_problems():
    """The problems found in the chains (a broken record also leaves the rows it recorded
    without their record: those are the cross-check's, tested in tests/security)."""
    return [p for p in verify_all()[1] if not p.table]


def test_every_step_appends_a_dotted_audit_record_with_old_and_new_state(cast):
    txn, _ = make_referred(cast)
    records = list(AuditRecord.objects.filter(object_id=str(txn.public_id)).order_by("seq"))
    assert [r.action for r in records] == [
        "registry.transaction.registered",
        "registry.transaction.referred",
    ]
    assert records[1].data["state"] == ["registered", "referred"]
    assert records[1].actor == "clerk"
    assert records[1].chain == "EMK"
    assert records[1].prev_hash == records[0].hash


def test_entities_write_to_their_own_chains(cast):
    make_transaction(cast)
    make_transaction(cast, by=cast.governor_office, unit=cast.jed_office)
    heads = dict(ChainHead.objects.values_list("chain", "last_seq"))
    assert heads["EMK"] > 0 and heads["GOV-JED"] > 0
    assert verify_all()[1] == []


def test_verify_passes_on_an_untouched_log(cast, capsys):
    make_referred(cast)
    call_command("audit", "verify")
    assert "audit log OK" in capsys.readouterr().out


def test_editing_a_record_in_the_database_is_detected(cast):
    txn, _ = make_referred(cast)
    target = AuditRecord.objects.get(
        object_id=str(txn.public_id), action="registry.transaction.registered"
    )
    raw("UPDATE audit_auditrecord SET actor = %s WHERE id = %s", ["someone-else", target.pk])
    checked, problems = verify_all()
    assert checked > 0
    assert [(p.chain, p.seq, p.record_id) for p in problems] == [("EMK", target.seq, target.pk)]
    assert "altered" in problems[0].reason_en
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_editing_the_json_data_is_detected(cast):
    txn, _ = make_referred(cast)
    target = AuditRecord.objects.get(
        object_id=str(txn.public_id), action="registry.transaction.referred"
    )
    raw(
        "UPDATE audit_auditrecord SET data = %s WHERE id = %s",
        ['{"state": ["registered", "closed"], "reference": "x"}', target.pk],
    )
    (problem,) = chain_problems()
    assert problem.record_id == target.pk


def test_deleting_a_record_in_the_middle_is_detected(cast):
    make_referred(cast)
    make_referred(cast)
    middle = AuditRecord.objects.filter(chain="EMK").order_by("seq")[3]
    raw("DELETE FROM audit_auditrecord WHERE id = %s", [middle.pk])
    (problem,) = chain_problems()
    assert problem.chain == "EMK" and problem.seq == middle.seq
    assert "missing" in problem.reason_en


def test_deleting_the_last_records_is_detected(cast):
    make_referred(cast)
    last = AuditRecord.objects.filter(chain="EMK").order_by("-seq").first()
    raw("DELETE FROM audit_auditrecord WHERE id = %s", [last.pk])
    (problem,) = chain_problems()
    assert problem.seq == last.seq
    assert "removed" in problem.reason_en


def test_rewriting_a_record_and_its_hash_breaks_the_next_link(cast):
    make_referred(cast)
    first, second = AuditRecord.objects.filter(chain="EMK").order_by("seq")[:2]
    raw("UPDATE audit_auditrecord SET hash = %s WHERE id = %s", ["f" * 64, first.pk])
    problem = verify_all()[1][0]
    assert problem.seq in (first.seq, second.seq)


def test_records_cannot_be_changed_through_the_orm(cast):
    make_transaction(cast)
    record = AuditRecord.objects.first()
    with pytest.raises(RuntimeError):
        record.save()
    with pytest.raises(RuntimeError):
        record.delete()
