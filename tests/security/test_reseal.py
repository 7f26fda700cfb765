"""Re-sealing the logs after the sealing key changed (`wasl audit reseal`): a backup restored
under a new WASL_CHAIN_KEY, or the key rotated. Everything must verify first: every case of the
tamper catalogue, made before the re-seal, is refused and changes nothing. Given the previous
key, the old seals are checked too; without it, only what a seal alone proves cannot be (a
record appended whole, its head moved to it; a seal edited). An untampered database is
re-sealed, both verifiers pass again, and the re-seal is audited."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from wasl import chains
from wasl.audit import services as audit
from wasl.audit.models import AuditRecord, ChainHead, ChainRoster
from wasl.exchange.models import LogHead

from ..conftest import Cast
from .report import record
from .test_tamper import CASES, Rollback, World, build, verify

OLD_KEY = "the key the backup was written with"
NEW_KEY = "the key of the deployment the backup was restored to"
# What only the previous key's seals can show.
PROVEN_BY_SEALS_ONLY = {"head_edit_seal", "audit_append_forged"}


@pytest.fixture(autouse=True)
def old_key(settings) -> None:
    """The cast and the world are written under the old key (autouse: before the cast)."""
    settings.WASL_CHAIN_KEY = OLD_KEY


@pytest.fixture
def world(cast: Cast, settings) -> World:
    made = build(cast)
    settings.WASL_CHAIN_KEY = NEW_KEY
    return made


def seals() -> dict[str, str]:
    found = {f"audit:{c}": s for c, s in ChainHead.objects.values_list("chain", "seal")}
    found |= {f"log:{c}": s for c, s in LogHead.objects.values_list("chain", "seal")}
    found |= {f"roster:{c}": s for c, s in ChainRoster.objects.values_list("log", "seal")}
    return found


def test_a_new_key_is_sealed_in_after_everything_verified(world, settings, capsys):
    before = verify()
    assert any("not sealed" in problem for problem in before)
    assert all("seal" in problem for problem in before), before
    settings.WASL_PREVIOUS_CHAIN_KEY = OLD_KEY
    call_command("audit", "reseal")
    out = capsys.readouterr().out
    assert "seals renewed" in out and "audit_chainhead" in out and "exchange_loghead" in out
    assert verify() == []
    made = AuditRecord.objects.filter(action="audit.chains.resealed").get()
    assert made.chain == "system" and made.actor == "wasl audit reseal"
    assert made.data["key"] == chains.key_fingerprint()
    assert made.data["previous_seals_checked"] is True
    heads = ChainHead.objects.count() + LogHead.objects.count()
    assert sum(made.data["seals"].values()) == heads + 2  # every head and both rosters
    # Once sealed under the key in use, nothing more to do, and nothing recorded.
    call_command("audit", "reseal")
    assert "already holds" in capsys.readouterr().out
    assert AuditRecord.objects.filter(action="audit.chains.resealed").count() == 1
    settings.WASL_CHAIN_KEY = OLD_KEY
    assert verify() != []


def test_without_the_previous_key_the_reseal_says_the_seals_were_not_checked(world, capsys):
    call_command("audit", "reseal")
    assert "previous seals were not" in capsys.readouterr().out
    assert verify() == []
    made = AuditRecord.objects.filter(action="audit.chains.resealed").get()
    assert made.data["previous_seals_checked"] is False


def blessed_by_reseal(world: World, previous_key: str) -> tuple[int, dict[str, list[str]]]:
    """Each case of the catalogue, then a re-seal: (cases tried, cases the re-seal sealed in)."""
    blessed = {}
    for name, case in CASES.items():
        try:
            with transaction.atomic():
                case(world)
                tampered = seals()
                try:
                    audit.reseal(previous_key=previous_key)
                except audit.ResealRefused as refused:
                    assert refused.problems
                    assert seals() == tampered, name  # nothing re-sealed
                else:
                    blessed[name] = verify()[:3]
                raise Rollback
        except Rollback:
            pass
    return len(CASES), blessed


def test_a_reseal_refuses_every_tampering_and_changes_nothing(world):
    untouched = seals()
    attempts, blessed = blessed_by_reseal(world, previous_key=OLD_KEY)
    assert seals() == untouched
    record("re-seal refuses tampering", attempts=attempts, undetected=len(blessed))
    assert blessed == {}
    assert attempts >= 40


def test_without_the_previous_key_only_what_a_seal_alone_proves_is_not_refused(world):
    attempts, blessed = blessed_by_reseal(world, previous_key="")
    assert set(blessed) == PROVEN_BY_SEALS_ONLY
    record("re-seal refuses tampering", attempts=attempts - len(PROVEN_BY_SEALS_ONLY))


def test_the_command_says_what_it_refused(world, capsys):
    CASES["audit_delete_the_system_chain"](world)
    with pytest.raises(CommandError, match="refused"):
        call_command("audit", "reseal")
    assert "system seq 0" in capsys.readouterr().err
    assert not AuditRecord.objects.filter(action="audit.chains.resealed").exists()
