"""Registry rows against their audit records: the digests each step records, the baseline
an upgraded deployment records once, and the seal on the chain's head."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from wasl import chains
from wasl.audit.models import AuditRecord, ChainHead
from wasl.audit.services import verify_all
from wasl.registry import integrity
from wasl.registry import services as registry

from ..conftest import make_referred


def test_each_step_records_the_digests_of_the_rows_it_wrote(cast):
    txn, ref = make_referred(cast)
    registry.acknowledge(cast.rights_clerk.actor, ref.public_id)
    record = AuditRecord.objects.filter(action="registry.transaction.acknowledged").get()
    ref.refresh_from_db()
    txn.refresh_from_db()
    assert record.data["referral_state"] == ["pending", "acknowledged"]
    assert record.data["rows"][f"referral:{ref.pk}"] == integrity.digest(ref)
    assert record.data["rows"][f"transaction:{txn.pk}"] == integrity.digest(txn)
    assert verify_all()[1] == []


def test_the_head_is_sealed_with_a_key_outside_the_database(cast, settings):
    make_referred(cast)
    head = ChainHead.objects.get(chain="EMK")
    assert chains.seal_holds("EMK", head.last_seq, head.last_hash, head.seal)
    settings.WASL_CHAIN_KEY = "another deployment's key"
    problems = {p.chain: p for p in verify_all()[1]}
    # Every head, and the roster of chains, sealed with the same key.
    assert set(problems) == {*ChainHead.objects.values_list("chain", flat=True), "(chains)"}
    assert "sealed" in problems["EMK"].reason_en
    assert "sealed" in problems["(chains)"].reason_en


def test_a_baseline_accepts_rows_written_before_digests_were_recorded(cast, capsys):
    txn, _ = make_referred(cast)
    with connection.cursor() as cursor:  # as a migration adding a column would leave it
        cursor.execute(
            "UPDATE registry_transaction SET external_reference = %s WHERE id = %s",
            ["X-1", txn.pk],
        )
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    call_command("audit", "baseline")
    assert "4 rows recorded" in capsys.readouterr().out  # the transaction, 2 events, 1 referral
    call_command("audit", "verify")
    assert "audit log OK" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_verifying_outside_a_transaction_reads_one_snapshot():
    from django.db import connection as conn

    from wasl.directory import services as directory
    from wasl.exchange import log

    directory.ensure_entity(code="EMK", kind="emirate", name_ar="إمارة", name_en="Emirate")
    assert not conn.in_atomic_block
    assert verify_all()[1] == []
    assert log.verify_all().ok
    assert not conn.in_atomic_block


def test_a_baseline_accepts_keys_written_before_their_digests_were_recorded(cast, capsys):
    from wasl.exchange import members
    from wasl.exchange.models import MemberKey

    members.init_node("NODE-T", "http://testserver")
    members.join(cast.emk)
    key = MemberKey.objects.get()
    # As a deployment that made its keys before digests were recorded leaves them.
    MemberKey.objects.filter(pk=key.pk).update(revocation_reason="older field")
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    call_command("audit", "baseline")
    call_command("audit", "verify")
    assert "audit log OK" in capsys.readouterr().out
