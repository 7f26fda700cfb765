"""Members and keys: rotation keeps old signatures verifiable, revocation refuses, the
directory moves between nodes as public descriptors — and a private key never shows."""

from __future__ import annotations

import io
import json
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.test import Client

from wasl.audit.models import AuditRecord
from wasl.core.errors import WaslError
from wasl.exchange import envelope, keys, log, members
from wasl.exchange.models import Member, MemberKey, OutgoingMessage
from wasl.registry.models import Transaction

from .conftest import Foreign, move, post_envelope, send


def private_forms(key: MemberKey) -> list[str]:
    """Every way the private key could leak: raw base64, hex, PEM, and its sealed form."""
    raw = keys.unseal(key.sealed_private_key, key.key_id)
    pem = (
        keys.Ed25519PrivateKey.from_private_bytes(raw)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    body = pem.splitlines()[1]
    return [envelope.b64encode(raw), raw.hex(), body, key.sealed_private_key[8:40]]


def test_every_member_hosted_here_has_a_sealed_key_pair(net):
    for code in ("EMK", "GOV-JED", "AMN-JED"):
        key = MemberKey.objects.get(member__code=code)
        assert key.sealed_private_key.startswith("aesgcm1:")
        assert len(envelope.b64decode(key.public_key, "k", 32)) == 32
        assert key.key_id == envelope.key_id_for(envelope.b64decode(key.public_key, "k", 32))
    assert AuditRecord.objects.filter(action="exchange.member.joined").count() == 3


def test_a_sealed_key_opens_only_with_this_nodes_secret_and_its_own_key_id(net, settings):
    key = MemberKey.objects.get(member__code="EMK")
    assert len(keys.unseal(key.sealed_private_key, key.key_id)) == 32
    with pytest.raises(keys.KeyUnavailable):
        keys.unseal(key.sealed_private_key, "0" * 32)
    settings.WASL_EXCHANGE_KEY_SECRET = "another node's secret"
    with pytest.raises(keys.KeyUnavailable):
        keys.unseal(key.sealed_private_key, key.key_id)


def test_private_keys_never_appear_in_api_answers_command_output_or_logs(net, api, caplog):
    caplog.set_level(logging.DEBUG)
    forms = [f for k in MemberKey.objects.all() for f in private_forms(k)]
    sent = send(net, cc=["GOV-JED"])
    move()
    answers = [
        api(net.clerk).get(f"/exchange/transactions/{sent.transaction.public_id}").content,
        api(net.clerk).get("/exchange/members").content,
        api(net.clerk).get(f"/exchange/messages/{sent.messages[0].message_id}/proof").content,
        api(net.clerk).get(f"/transactions/{sent.transaction.public_id}").content,
        Client().get("/exchange/v1/members").content,
        post_envelope(b"{}").content,
    ]
    out = io.StringIO()
    for args in (
        ("keys", "list"),
        ("keys", "export"),
        ("members", "list"),
        ("nodes", "list"),
        ("status",),
        ("verify",),
        ("keys", "rotate", "EMK"),
        ("export-proof", str(sent.messages[0].message_id), "-o", "/dev/null"),
    ):
        call_command("exchange", *args, stdout=out, stderr=out)
    text = "\n".join(a.decode("utf-8") for a in answers) + out.getvalue() + caplog.text
    text += repr(list(MemberKey.objects.all())) + "".join(str(k) for k in MemberKey.objects.all())
    text += json.dumps(list(AuditRecord.objects.values_list("data", flat=True)), ensure_ascii=False)
    assert "aesgcm1:" not in text
    for form in forms:
        assert form not in text


def test_after_a_rotation_new_letters_use_the_new_key_and_old_ones_still_verify(net):
    before = send(net)
    old = MemberKey.objects.get(member__code="EMK")
    new = members.rotate_key("EMK")
    old.refresh_from_db()
    assert old.valid_until is not None and old.revoked_at is None
    after = send(net)
    signed_before = envelope.parse_envelope(before.messages[0].envelope)
    signed_after = envelope.parse_envelope(after.messages[0].envelope)
    assert (signed_before.key_id, signed_after.key_id) == (old.key_id, new.key_id)
    # The letter signed before the rotation is still delivered and verifies afterwards.
    assert move().delivered == 2
    report = log.verify_all()
    assert report.ok, report.problems


def test_a_revoked_key_no_longer_signs_and_the_member_gets_a_new_one(net):
    old = MemberKey.objects.get(member__code="EMK")
    members.revoke_key("EMK", old.key_id, "فقد الجهاز")
    current = MemberKey.objects.get(member__code="EMK", revoked_at__isnull=True)
    assert current.key_id != old.key_id
    sent = send(net)
    assert envelope.parse_envelope(sent.messages[0].envelope).key_id == current.key_id
    assert move().delivered == 1


def test_a_letter_signed_before_its_key_was_revoked_is_refused_by_the_receiver(net):
    send(net)
    old = MemberKey.objects.get(member__code="EMK")
    members.revoke_key("EMK", old.key_id, "سُرّب المفتاح")
    counts = move()
    assert counts.failed == 1
    (row,) = OutgoingMessage.objects.all()
    assert (row.state, row.last_error_code) == ("failed", "key_revoked")
    assert not Transaction.objects.filter(direction="incoming").exists()


def test_a_descriptor_carries_public_keys_only_and_imports_on_another_node(net):
    data = members.export_descriptor()
    assert data["node"]["code"] == "NODE-T"
    assert [m["entity"] for m in data["members"]] == ["AMN-JED", "EMK", "GOV-JED"]
    assert "sealed" not in json.dumps(data) and "private" not in json.dumps(data)
    # Another node's descriptor, imported here.
    other = Foreign("POL-MKK", node_code="NODE-P")
    descriptor = {
        "format": "wasl-members-v1",
        "node": {"code": "NODE-P", "url": "https://wasl.police.example"},
        "members": [
            {
                "entity": "POL-MKK",
                "kind": "police",
                "name_ar": "شرطة منطقة مكة المكرمة",
                "name_en": "Makkah Police",
                "active": True,
                "revoked_at": None,
                "keys": [
                    {
                        "key_id": other.key_id,
                        "algorithm": "Ed25519",
                        "public_key": other.key.public_key,
                        "valid_from": envelope.timestamp(other.key.valid_from),
                        "valid_until": None,
                        "revoked_at": None,
                    }
                ],
            }
        ],
    }
    counts = members.import_descriptor(descriptor)
    assert counts["members"] == 1 and counts["keys_added"] == 0  # already known, unchanged
    # A later descriptor revokes the key; a still later one cannot un-revoke it.
    descriptor["members"][0]["keys"][0]["revoked_at"] = envelope.timestamp(other.key.valid_from)
    assert members.import_descriptor(descriptor)["keys_revoked"] == 1
    descriptor["members"][0]["keys"][0]["revoked_at"] = None
    members.import_descriptor(descriptor)
    other.key.refresh_from_db()
    assert other.key.revoked_at is not None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format="x"),
        lambda d: d["node"].update(code="node with spaces"),
        lambda d: d["members"][0]["keys"][0].update(key_id="0" * 32),
        lambda d: d["members"][0]["keys"][0].update(public_key="AAAA"),
        lambda d: d["members"][0].update(entity="EMK"),  # a member hosted here
    ],
)
def test_a_bad_descriptor_is_refused_and_changes_nothing(net, mutate):
    other_key = keys.generate()
    descriptor = {
        "format": "wasl-members-v1",
        "node": {"code": "NODE-Q", "url": "https://q.example"},
        "members": [
            {
                "entity": "MUN-QQ",
                "kind": "municipality",
                "name_ar": "بلدية",
                "name_en": "Municipality",
                "active": True,
                "keys": [
                    {
                        "key_id": other_key.key_id,
                        "algorithm": "Ed25519",
                        "public_key": other_key.public_b64,
                        "valid_from": "2025-01-01T00:00:00.000000Z",
                        "valid_until": None,
                        "revoked_at": None,
                    }
                ],
            }
        ],
    }
    mutate(descriptor)
    with pytest.raises(WaslError):
        members.import_descriptor(descriptor)
    assert not Member.objects.filter(code="MUN-QQ").exists()
    assert not MemberKey.objects.filter(key_id=other_key.key_id).exists()


def test_the_keys_commands_rotate_revoke_export_and_import(net, tmp_path):
    out = io.StringIO()
    call_command("exchange", "keys", "rotate", "--all", stdout=out)
    assert out.getvalue().count("new key") == 3
    target = tmp_path / "node.json"
    call_command("exchange", "keys", "export", "-o", str(target))
    data = json.loads(target.read_text())
    assert len(data["members"]) == 3
    key_id = (
        MemberKey.objects.filter(member__code="GOV-JED", revoked_at__isnull=True).first().key_id
    )
    call_command("exchange", "keys", "revoke", "GOV-JED", key_id, "--reason", "تجربة", stdout=out)
    assert MemberKey.objects.get(key_id=key_id).revoked_at is not None
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("exchange", "keys", "import", str(target), stdout=out)  # its own descriptor
