"""The message log: every envelope and receipt in and out, hash-chained; `wasl exchange
verify` checks the chains and every signature; a proof bundle verifies with public keys
only, outside Wasl."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wasl.exchange import log, members
from wasl.exchange.models import LogEntry, OutgoingMessage

from .conftest import move, post_envelope, send

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_proof.py"


def traffic(net):
    sent = send(net, cc=["GOV-JED"])
    move()
    post_envelope(b'{"not": "an envelope"}')
    return sent


def test_the_log_keeps_every_envelope_and_receipt_in_and_out(net):
    sent = traffic(net)
    kinds = sorted(LogEntry.objects.values_list("chain", "direction", "what"))
    assert kinds == sorted(
        [
            ("EMK", "out", "envelope"),
            ("EMK", "out", "envelope"),
            ("EMK", "in", "receipt"),
            ("EMK", "in", "receipt"),
            ("AMN-JED", "in", "envelope"),
            ("AMN-JED", "out", "receipt"),
            ("GOV-JED", "in", "envelope"),
            ("GOV-JED", "out", "receipt"),
            ("node", "in", "rejected"),
        ]
    )
    for message in sent.messages:
        message.refresh_from_db()
        assert LogEntry.objects.filter(payload=message.envelope).count() == 2  # out and in
        assert LogEntry.objects.filter(payload=message.receipt).count() == 2


def test_the_log_cannot_be_changed_through_the_orm(net):
    traffic(net)
    entry = LogEntry.objects.first()
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_verify_passes_on_an_untouched_log(net):
    traffic(net)
    out = io.StringIO()
    call_command("exchange", "verify", stdout=out)
    assert "exchange log OK: 9 records" in out.getvalue()
    assert "signatures verified" in out.getvalue()


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (
            lambda e: raw(
                "UPDATE exchange_logentry SET payload = REPLACE(payload, 'التعديات', 'المخالفات') "
                "WHERE id = %s",
                [e.pk],
            ),
            "stored message was altered",
        ),
        (
            lambda e: raw(
                "UPDATE exchange_logentry SET code = 'other' WHERE id = %s",
                [e.pk],
            ),
            "record was altered",
        ),
        (
            lambda e: raw("DELETE FROM exchange_logentry WHERE id = %s", [e.pk]),
            "is missing",
        ),
    ],
)
def test_verify_finds_a_record_that_was_altered_or_removed(net, tamper, expected):
    traffic(net)
    first = LogEntry.objects.filter(chain="EMK").order_by("seq").first()
    tamper(first)
    report = log.verify_all()
    assert not report.ok
    assert any(expected in p.reason for p in report.problems), report.problems
    with pytest.raises(CommandError):
        call_command("exchange", "verify", stdout=io.StringIO(), stderr=io.StringIO())


def test_verify_finds_a_record_removed_from_the_end(net):
    traffic(net)
    last = LogEntry.objects.filter(chain="EMK").order_by("-seq").first()
    raw("DELETE FROM exchange_logentry WHERE id = %s", [last.pk])
    assert any("head differs" in p.reason for p in log.verify_all().problems)


def test_verify_checks_every_signature_even_in_a_consistent_chain(net):
    """An attacker who rewrites a message and recomputes the whole chain is still caught:
    the signature no longer verifies."""
    traffic(net)
    entries = list(LogEntry.objects.filter(chain="AMN-JED").order_by("seq"))
    prev = log.GENESIS
    for entry in entries:
        payload = entry.payload.replace("التعديات", "المخالفات")
        import hashlib

        sha = hashlib.sha256(payload.encode()).hexdigest()
        digest = log.entry_hash(
            prev,
            entry.chain,
            entry.seq,
            entry.at,
            entry.direction,
            entry.what,
            entry.message_id,
            entry.counterpart,
            entry.code,
            sha,
            entry.note,
        )
        raw(
            "UPDATE exchange_logentry SET payload = %s, payload_sha256 = %s, prev_hash = %s, "
            "hash = %s WHERE id = %s",
            [payload, sha, prev, digest, entry.pk],
        )
        prev = digest
    raw("UPDATE exchange_loghead SET last_hash = %s WHERE chain = 'AMN-JED'", [prev])
    problems = log.verify_all().problems
    assert any("signature does not verify" in p.reason for p in problems), problems


def test_verify_finds_an_altered_envelope_in_the_outbox(net):
    traffic(net)
    row = OutgoingMessage.objects.first()
    raw(
        "UPDATE exchange_outgoingmessage SET envelope = REPLACE(envelope, 'التعديات', 'x') "
        "WHERE id = %s",
        [row.pk],
    )
    assert any("altered" in p.reason for p in log.verify_all().problems)


def test_verify_notes_a_key_revoked_after_it_signed_but_still_passes(net):
    traffic(net)
    key = members.Member.objects.get(code="GOV-JED").keys.get()
    members.revoke_key("GOV-JED", key.key_id, "تجربة")
    report = log.verify_all()
    assert report.ok, report.problems
    assert any("revoked after it signed" in n for n in report.notes)


def run_verifier(*args):
    return subprocess.run(  # noqa: S603 — our own script, with our own arguments
        [sys.executable, "-I", str(VERIFIER), *args], capture_output=True, text=True, check=False
    )


def test_a_proof_bundle_verifies_with_public_keys_only_outside_wasl(net, tmp_path, api):
    sent = traffic(net)
    message_id = str(sent.messages[0].message_id)
    bundle = tmp_path / "proof.json"
    call_command("exchange", "export-proof", message_id, "-o", str(bundle), stdout=io.StringIO())
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps(members.export_descriptor()))
    result = run_verifier(str(bundle), "--keys", str(directory))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"OK: letter {message_id} from EMK to AMN-JED" in result.stdout
    # Without the directory it still checks, and says the keys came from the bundle.
    result = run_verifier(str(bundle))
    assert result.returncode == 0 and "identity not" in result.stdout
    # The same bundle through the API, for a person who can see the transaction.
    r = api(net.clerk).get(f"/exchange/messages/{message_id}/proof")
    assert r.json()["message"] == json.loads(bundle.read_text())["message"]
    assert {e["chain"] for e in r.json()["log"]} == {"EMK"}
    # The receiver's clerk gets the copy its own entity holds (the same letter received), with
    # its own chain's entries only; a person of neither entity gets nothing.
    theirs = api(net.outsider).get(f"/exchange/messages/{message_id}/proof").json()
    assert theirs["message"] == r.json()["message"]
    assert {e["chain"] for e in theirs["log"]} == {"AMN-JED"}
    assert api(net.security_clerk).get(f"/exchange/messages/{message_id}/proof").status_code == 404


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (lambda b: b["message"]["envelope"]["letter"].update(subject="موضوع آخر"), "envelope"),
        (lambda b: b["receipt"]["receipt"].update(reference="AMN-JED-1448-999999"), "receipt"),
        (
            lambda b: b["receipt"]["receipt"].update(
                message_id=b["receipt"]["receipt"]["receipt_id"]
            ),
            "receipt",
        ),
        (lambda b: b.update(receipt=None), "no receipt"),
    ],
)
def test_a_tampered_proof_bundle_fails_verification(net, tmp_path, tamper, expected):
    sent = traffic(net)
    bundle = tmp_path / "proof.json"
    call_command(
        "exchange",
        "export-proof",
        str(sent.messages[0].message_id),
        "-o",
        str(bundle),
        stdout=io.StringIO(),
    )
    data = json.loads(bundle.read_text())
    tamper(data)
    bundle.write_text(json.dumps(data, ensure_ascii=False))
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps(members.export_descriptor()))
    result = run_verifier(str(bundle), "--keys", str(directory))
    assert result.returncode == 1
    assert "FAILED" in result.stdout and expected in result.stdout


def test_a_bundle_whose_keys_are_not_the_directorys_is_flagged(net, tmp_path):
    sent = traffic(net)
    bundle = tmp_path / "proof.json"
    call_command(
        "exchange",
        "export-proof",
        str(sent.messages[0].message_id),
        "-o",
        str(bundle),
        stdout=io.StringIO(),
    )
    stranger = tmp_path / "other.json"
    stranger.write_text(json.dumps({"format": "wasl-members-v1", "node": {}, "members": []}))
    result = run_verifier(str(bundle), "--keys", str(stranger))
    assert result.returncode == 1
    assert "unknown" in result.stdout
