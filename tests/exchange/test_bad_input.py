"""What arrives at /exchange/v1/ from outside: every bad envelope is refused with a clear
code, logged, and never registered; a repeat answers "duplicate" with the original receipt;
no request, however malformed, gives a 500."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from wasl.exchange import envelope, members, ratelimit
from wasl.exchange.models import IncomingMessage, LogEntry, OutgoingMessage
from wasl.registry.models import Transaction

from .conftest import post_envelope, send


def registered():
    return Transaction.objects.filter(direction="incoming").count()


def rejections(code=None):
    qs = LogEntry.objects.filter(what="rejected")
    return qs.filter(code=code).count() if code else qs.count()


def refused(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["message_ar"] and body["message_en"]
    assert isinstance(body["retryable"], bool)
    return body


def test_a_good_envelope_from_another_node_is_registered_with_a_receipt(foreign):
    r = post_envelope(foreign.sign(foreign.letter()))
    assert r.status_code == 200, r.content
    answer = r.json()
    assert answer["outcome"] == "accepted"
    receipt = envelope.parse_receipt(answer["receipt"])
    assert receipt.body["receiver"] == "POL-MKK" and receipt.body["sender"] == "AMN-JED"
    assert registered() == 1
    txn = Transaction.objects.get(direction="incoming")
    assert txn.external_reference == "POL-MKK-1448-000077"
    assert txn.correspondent.code == "POL-MKK"


def test_a_repeat_answers_duplicate_with_the_original_receipt_and_registers_nothing(foreign):
    text = foreign.sign(foreign.letter())
    first = post_envelope(text).json()
    again = post_envelope(text)
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["receipt"] == first["receipt"]
    # The same envelope with other whitespace is the same message.
    spaced = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    assert post_envelope(spaced).json()["outcome"] == "duplicate"
    assert registered() == 1
    assert IncomingMessage.objects.count() == 1


def test_a_replay_under_a_used_message_id_with_other_content_is_refused(foreign):
    body = foreign.letter()
    post_envelope(foreign.sign(body))
    body["letter"]["subject"] = "موضوع آخر تماماً"
    refused(post_envelope(foreign.sign(body)), 409, "message_id_conflict")
    assert registered() == 1
    assert rejections("message_id_conflict") == 1


def test_a_tampered_envelope_is_refused_logged_and_never_registered(foreign):
    text = foreign.sign(foreign.letter())
    tampered = text.replace("تم الوقوف على الموقع", "لم يتم الوقوف على الموقع")
    assert tampered != text
    refused(post_envelope(tampered), 403, "bad_signature")
    # Swapping the receiver (re-addressing a signed letter) is tampering too.
    swapped = json.loads(text)
    swapped["envelope"]["receiver"] = "GOV-JED"
    swapped["envelope"]["letter"]["to"] = ["GOV-JED"]
    refused(post_envelope(json.dumps(swapped)), 403, "bad_signature")
    assert registered() == 0
    assert rejections("bad_signature") == 2
    kept = LogEntry.objects.filter(what="rejected").first()
    assert "لم يتم الوقوف" in kept.payload and kept.chain == "AMN-JED"


def test_an_envelope_signed_with_another_private_key_is_refused(foreign):
    stranger = Ed25519PrivateKey.generate()
    refused(post_envelope(foreign.sign(foreign.letter(), private=stranger)), 403, "bad_signature")
    assert registered() == 0


def test_an_envelope_signed_with_another_members_key_is_refused(net, foreign):
    from wasl.exchange.models import Member

    emk_key = Member.objects.get(code="EMK").keys.get().key_id
    refused(post_envelope(foreign.sign(foreign.letter(), key_id=emk_key)), 403, "key_not_of_sender")


def test_an_envelope_signed_with_a_revoked_key_is_refused(foreign):
    members.revoke_key("POL-MKK", foreign.key_id, "سُرّب المفتاح")
    refused(post_envelope(foreign.sign(foreign.letter())), 403, "key_revoked")
    assert registered() == 0
    assert rejections("key_revoked") == 1


def test_an_envelope_signed_after_its_key_was_retired_is_refused(foreign):
    foreign.key.valid_until = timezone.now() - timedelta(minutes=5)
    foreign.key.save()
    refused(post_envelope(foreign.sign(foreign.letter())), 403, "key_not_valid_at_signing")


def test_an_envelope_from_an_unknown_member_is_refused(net):
    from .conftest import Foreign

    ghost = Foreign("GHOST")  # signs well, but claims to be a member nobody knows
    body = ghost.letter()
    body["sender"] = "NOT-A-MEMBER"
    refused(post_envelope(ghost.sign(body)), 403, "unknown_member")
    assert registered() == 0
    assert rejections("unknown_member") == 1


def test_an_envelope_from_a_revoked_member_is_refused(foreign):
    members.revoke_member("POL-MKK", "انتهت العضوية")
    refused(post_envelope(foreign.sign(foreign.letter())), 403, "member_revoked")


def test_an_envelope_with_an_unknown_key_is_refused_as_retryable(foreign):
    body = refused(
        post_envelope(foreign.sign(foreign.letter(), key_id="0" * 32)), 403, "unknown_key"
    )
    assert body["retryable"] is True  # the directory may not have the new key yet


def test_an_envelope_for_an_entity_not_hosted_here_is_refused(foreign):
    refused(post_envelope(foreign.sign(foreign.letter(to="POL-MKK-X"))), 404, "unknown_receiver")


def test_clock_skew_is_refused_and_retryable_and_stale_envelopes_for_good(foreign, settings):
    settings.WASL_EXCHANGE_MAX_SKEW_SECONDS = 60
    settings.WASL_EXCHANGE_MAX_AGE_SECONDS = 3600
    future = envelope.timestamp(timezone.now() + timedelta(minutes=10))
    body = refused(
        post_envelope(foreign.sign(foreign.letter(created_at=future))), 400, "clock_skew"
    )
    assert body["retryable"] is True
    past = envelope.timestamp(timezone.now() - timedelta(hours=2))
    body = refused(
        post_envelope(foreign.sign(foreign.letter(created_at=past))), 400, "envelope_expired"
    )
    assert body["retryable"] is False
    assert registered() == 0


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda m: m.pop("signature"), "missing_field"),
        (lambda m: m["envelope"].pop("message_id"), "missing_field"),
        (lambda m: m["envelope"].pop("sender"), "missing_field"),
        (lambda m: m["envelope"]["letter"].pop("subject"), "missing_field"),
        (lambda m: m["envelope"].update(extra=1), "invalid_field"),
        (lambda m: m["envelope"].update(v=2), "unsupported_version"),
        (lambda m: m["envelope"].update(type="parcel"), "invalid_field"),
        (lambda m: m["envelope"].update(message_id="42"), "invalid_field"),
        (lambda m: m["envelope"].update(created_at="yesterday"), "invalid_field"),
        (lambda m: m["envelope"].update(sender="emk"), "invalid_field"),
        (lambda m: m["envelope"]["letter"].update(subject=""), "invalid_field"),
        (lambda m: m["envelope"]["letter"].update(subject="x" * 501), "invalid_field"),
        (lambda m: m["envelope"]["letter"].update(to="AMN-JED"), "invalid_field"),
        (lambda m: m["envelope"]["letter"].update(attachments=[{"sha256": "x"}]), "missing_field"),
        (lambda m: m["envelope"]["letter"].update(date="١٤٤٨-٠١-٠١"), "invalid_field"),
        (lambda m: m["signature"].update(value="not base64!"), "bad_base64"),
        (lambda m: m["signature"].update(value=base64.b64encode(b"short").decode()), "bad_base64"),
        (lambda m: m["signature"].update(alg="RSA"), "invalid_field"),
        (lambda m: m["signature"].update(key_id="../../etc"), "invalid_field"),
    ],
)
def test_malformed_envelopes_get_a_clear_code(foreign, mutate, code):
    message = json.loads(foreign.sign(foreign.letter()))
    mutate(message)
    refused(post_envelope(json.dumps(message, ensure_ascii=False)), 400, code)
    assert registered() == 0
    assert rejections(code) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b'"a string"',
        b"\xff\xfe\x00",
        b'{"envelope": {}, "envelope": {}}',
        b'{"envelope": {"v": 1.5}}',
        b'{"envelope": NaN}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_bad_json_is_refused_without_a_500(net, raw):
    r = post_envelope(raw)
    assert r.status_code == 400, r.content
    assert r.json()["code"] in {"bad_json", "missing_field", "invalid_field"}
    assert r["Content-Type"] == "application/json"


def test_an_oversized_envelope_is_refused_before_it_is_read(net, settings):
    settings.WASL_EXCHANGE_MAX_ENVELOPE_BYTES = 10_000
    r = post_envelope(b"{" + b" " * 20_000 + b"}")
    refused(r, 413, "envelope_too_large")
    assert rejections() == 0  # nothing of it was parsed or kept


def test_a_flood_from_one_sender_is_rate_limited_and_nothing_is_lost(net, settings):
    settings.WASL_EXCHANGE_RATE_PER_SECOND = 0.001
    settings.WASL_EXCHANGE_RATE_BURST = 3
    for _ in range(6):
        send(net)
    from .conftest import move

    counts = move()
    assert (counts.delivered, counts.retrying) == (3, 3)
    waiting = OutgoingMessage.objects.filter(state="pending")
    assert {m.last_error_code for m in waiting} == {"rate_limited"}
    assert rejections("rate_limited") == 1  # logged once per sender per window, not per envelope
    # Later (the bucket refilled), the worker's retries get through: nothing lost, nothing twice.
    settings.WASL_EXCHANGE_RATE_PER_SECOND = 1000
    from wasl.exchange import delivery

    delivery.retry_now()
    assert move().delivered == 3
    assert registered() == 6


def test_a_flood_over_http_gets_429_with_retry_after(foreign, settings):
    settings.WASL_EXCHANGE_RATE_PER_SECOND = 0.001
    settings.WASL_EXCHANGE_RATE_BURST = 2
    codes = [post_envelope(foreign.sign(foreign.letter())).status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429]
    r = post_envelope(foreign.sign(foreign.letter()))
    assert int(r["Retry-After"]) >= 1
    assert r.json()["retryable"] is True
    assert registered() == 2


def test_a_flood_of_garbage_is_slowed_down_and_fills_neither_the_log_nor_memory(net, settings):
    settings.WASL_EXCHANGE_UNKNOWN_RATE_PER_SECOND = 0.001
    settings.WASL_EXCHANGE_UNKNOWN_RATE_BURST = 5
    codes = [post_envelope(b"garbage %d" % i).status_code for i in range(30)]
    assert codes == [400] * 5 + [429] * 25
    assert rejections("bad_json") == 5
    assert rejections("rate_limited") == 1  # once per window, not per request
    assert len(ratelimit._buckets) == 1


def test_a_flood_from_made_up_senders_shares_one_bucket(net, settings):
    from .conftest import Foreign

    settings.WASL_EXCHANGE_UNKNOWN_RATE_PER_SECOND = 0.001
    settings.WASL_EXCHANGE_UNKNOWN_RATE_BURST = 3
    stranger = Foreign("TST-STRANGER")
    letter = stranger.letter()
    answers = []
    for i in range(20):
        answers.append(post_envelope(stranger.sign({**letter, "sender": f"MADE-UP-{i}"})))
    assert [r.json()["code"] for r in answers] == ["unknown_member"] * 3 + ["rate_limited"] * 17
    assert len(ratelimit._buckets) == 1 and len(ratelimit._last_logged) == 1
    assert rejections() == 4
    assert registered() == 0


def test_stray_receipts_are_slowed_down_too(net, settings):
    settings.WASL_EXCHANGE_UNKNOWN_RATE_PER_SECOND = 0.001
    settings.WASL_EXCHANGE_UNKNOWN_RATE_BURST = 2
    post = Client().post
    codes = [
        post("/exchange/v1/receipts", b"{}", content_type="application/json").status_code
        for _ in range(5)
    ]
    assert codes == [400, 400, 429, 429, 429]


def test_a_receipt_for_an_unknown_message_is_refused(net, foreign):
    receipt = envelope.sign(
        foreign.private,
        foreign.key_id,
        "receipt",
        {
            "v": 1,
            "type": "receipt",
            "receipt_id": str(uuid.uuid4()),
            "message_id": str(uuid.uuid4()),
            "envelope_sha256": "a" * 64,
            "sender": "POL-MKK",
            "receiver": "EMK",
            "outcome": "registered",
            "reference": "POL-MKK-1448-000001",
            "registered_on": None,
            "at": envelope.timestamp(timezone.now()),
        },
    )
    r = Client().post("/exchange/v1/receipts", receipt.text, content_type="application/json")
    refused(r, 404, "unknown_message")
    assert rejections("unknown_message") == 1


def test_a_receipt_sent_on_its_own_completes_a_delivery(net, foreign):
    sent = send(net, to=["POL-MKK"])
    (row,) = OutgoingMessage.objects.all()
    body = {
        "v": 1,
        "type": "receipt",
        "receipt_id": str(uuid.uuid4()),
        "message_id": str(row.message_id),
        "envelope_sha256": row.envelope_sha256,
        "sender": "POL-MKK",
        "receiver": "EMK",
        "outcome": "registered",
        "reference": "POL-MKK-1448-000009",
        "registered_on": timezone.localdate().isoformat(),
        "at": envelope.timestamp(timezone.now()),
    }
    good = envelope.sign(foreign.private, foreign.key_id, "receipt", body).text
    forged = envelope.sign(Ed25519PrivateKey.generate(), foreign.key_id, "receipt", body).text
    post = Client().post
    refused(
        post("/exchange/v1/receipts", forged, content_type="application/json"),
        403,
        "receipt_not_valid",
    )
    r = post("/exchange/v1/receipts", good, content_type="application/json")
    assert r.json() == {"outcome": "recorded"}
    r = post("/exchange/v1/receipts", good, content_type="application/json")
    assert r.json() == {"outcome": "already"}
    row.refresh_from_db()
    assert (row.state, row.their_reference) == ("delivered", "POL-MKK-1448-000009")
    assert sent.transaction.pk == row.transaction_id


def test_a_batch_answers_each_message_on_its_own(foreign):
    good = foreign.sign(foreign.letter())
    bad = foreign.sign(foreign.letter()).replace("محضر", "مخضر")
    r = Client().post(
        "/exchange/v1/batch",
        json.dumps({"messages": [good, bad, 42, good]}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    results = r.json()["results"]
    assert results[0]["outcome"] == "accepted"
    assert results[1]["error"]["code"] == "bad_signature"
    assert results[2]["error"]["code"] == "invalid_field"
    assert results[3]["outcome"] == "duplicate"
    assert results[3]["receipt"] == results[0]["receipt"]
    assert registered() == 1


def _batch(texts):
    r = Client().post(
        "/exchange/v1/batch", json.dumps({"messages": texts}), content_type="application/json"
    )
    assert r.status_code == 200, r.content
    return r.json()["results"]


def test_a_batch_finds_messages_accepted_in_an_earlier_batch(foreign):
    first, second = foreign.sign(foreign.letter()), foreign.sign(foreign.letter())
    earlier = _batch([first])
    body = json.loads(second)["envelope"]
    conflicting = foreign.sign({**body, "message_id": json.loads(first)["envelope"]["message_id"]})
    results = _batch([second, first, conflicting])
    assert results[0]["outcome"] == "accepted"
    assert results[1]["outcome"] == "duplicate"
    assert results[1]["receipt"] == earlier[0]["receipt"]
    assert results[2]["error"]["code"] == "message_id_conflict"
    assert registered() == 2


def test_a_message_accepted_meanwhile_by_another_process_is_answered_as_a_repeat(
    foreign, monkeypatch
):
    # Another process accepts the message after this batch looked for repeats and before it
    # writes: the unique message id stops the second registration, which is undone, and the
    # answer is the other process's receipt.
    from wasl.exchange import receiving

    text = foreign.sign(foreign.letter())
    earlier = _batch([text])
    monkeypatch.setattr(receiving.Directory, "repeat", lambda self, signed: None)
    results = _batch([text, foreign.sign(foreign.letter())])
    assert results[0] == {**earlier[0], "outcome": "duplicate"}
    assert results[1]["outcome"] == "accepted"
    assert registered() == 2
    assert IncomingMessage.objects.count() == 2


def test_a_batch_reads_the_directory_once_not_once_per_envelope(foreign):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def directory_reads(count):
        texts = [foreign.sign(foreign.letter()) for _ in range(count)]
        with CaptureQueriesContext(connection) as seen:
            assert all(r["outcome"] == "accepted" for r in _batch(texts))
        sql = [q["sql"] for q in seen.captured_queries]
        reads = [q for q in sql if 'FROM "exchange_member' in q or 'FROM "directory_unit"' in q]
        return len(reads), len(sql)

    directory_reads(1)  # the first batch also sets up what is kept per process
    reads_of_2, statements_of_2 = directory_reads(2)
    reads_of_12, statements_of_12 = directory_reads(12)
    assert reads_of_12 == reads_of_2
    # And what each further envelope costs is bounded (the registration and its logs).
    assert (statements_of_12 - statements_of_2) / 10 <= 22


def test_a_refusal_while_writing_undoes_only_its_own_letter_in_a_group(foreign, settings):
    # Three letters written in one database transaction (a group). The middle one names a
    # file whose copy here does not hash to what it announces (a damaged disk): that is found
    # only after its letter was registered, so its savepoint must take the registration back,
    # and only it.
    from wasl.registry import attachments as registry_files

    settings.WASL_EXCHANGE_RECEIVE_GROUP = 10
    sha = "ab" * 32
    damaged = registry_files.blob_path(sha)
    damaged.parent.mkdir(parents=True, exist_ok=True)
    damaged.write_bytes(b"%PDF-1.4 not the announced file")
    named = {"sha256": sha, "size": 31, "filename": "x.pdf", "content_type": "application/pdf"}
    letters = [
        foreign.sign(foreign.letter()),
        foreign.sign(foreign.letter(letter={"attachments": [named]})),
        foreign.sign(foreign.letter()),
    ]
    r = Client().post(
        "/exchange/v1/batch", json.dumps({"messages": letters}), content_type="application/json"
    )
    results = r.json()["results"]
    assert [x.get("outcome") for x in results] == ["accepted", None, "accepted"]
    assert results[1]["error"]["code"] == "attachment_mismatch"
    assert registered() == 2
    assert IncomingMessage.objects.count() == 2
    refused = LogEntry.objects.filter(what=LogEntry.What.REJECTED, code="attachment_mismatch")
    assert refused.count() == 1
    # The receipts verify and name their own envelopes.
    for text, result in zip((letters[0], letters[2]), (results[0], results[2]), strict=True):
        assert result["receipt"]["receipt"]["envelope_sha256"] == envelope.sha256_hex(
            text.encode("utf-8")
        )


def test_a_database_error_in_a_group_is_answered_for_that_envelope_alone(
    foreign, settings, monkeypatch
):
    from django.db import DatabaseError

    from wasl.exchange import receiving

    settings.WASL_EXCHANGE_RECEIVE_GROUP = 2
    letters = [foreign.sign(foreign.letter()) for _ in range(4)]
    broken = json.loads(letters[2])["envelope"]["message_id"]
    write = receiving._write_verified

    def failing(signed, sender, receiver, directory):
        if signed.body["message_id"] == broken:
            raise DatabaseError("disk I/O error")
        return write(signed, sender, receiver, directory)

    monkeypatch.setattr(receiving, "_write_verified", failing)
    r = Client().post(
        "/exchange/v1/batch", json.dumps({"messages": letters}), content_type="application/json"
    )
    results = r.json()["results"]
    assert [x.get("outcome") for x in results] == ["accepted", "accepted", None, "accepted"]
    assert results[2] == {
        "message_id": broken,
        "error": {**results[2]["error"], "code": "internal_error", "retryable": True},
    }
    assert registered() == 3


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"messages": "x"}, 400, "missing_field"),
        ({"messages": [], "more": 1}, 400, "missing_field"),
        ({"messages": ["x"] * 600}, 413, "batch_too_large"),
    ],
)
def test_a_bad_batch_is_refused(net, payload, status, code):
    r = Client().post("/exchange/v1/batch", json.dumps(payload), content_type="application/json")
    refused(r, status, code)


def test_wrong_methods_and_unknown_endpoints_answer_json(net):
    client = Client()
    r = client.get("/exchange/v1/envelopes")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    r = client.post("/exchange/v1/nothing-here", "{}", content_type="application/json")
    assert r.status_code == 404 and r.json()["code"] == "no_such_endpoint"
    r = client.get("/exchange/v1/health")
    assert r.json()["node"] == "NODE-T"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.lists(st.sampled_from(["envelope", "letter", "signature", "status", "to"]), max_size=3),
    value=json_values,
)
def test_no_mutation_of_an_envelope_gives_a_500_or_registers_anything(foreign, path, value):
    message = json.loads(foreign.sign(foreign.letter()))
    target = message
    for key in path[:-1]:
        target = (
            target.get(key)
            if isinstance(target, dict) and isinstance(target.get(key), dict)
            else target
        )
    if path:
        target[path[-1]] = value
    else:
        message = value
    before = registered()
    r = post_envelope(json.dumps(message, ensure_ascii=False))
    assert r.status_code in (200, 400, 403, 404, 409), r.content
    if r.status_code != 200:
        assert registered() == before


def upload(foreign, data, *, sha=None, private=None, at=None, receiver="AMN-JED", size=None):
    import hashlib

    sha = sha or hashlib.sha256(data).hexdigest()
    at = at or envelope.timestamp(timezone.now())
    size = len(data) if size is None else size
    statement = envelope.blob_statement(sha, size, foreign.code, receiver, at)
    signature = envelope.b64encode((private or foreign.private).sign(statement))
    return Client().post(
        f"/exchange/v1/attachments/{sha}",
        data,
        content_type="application/octet-stream",
        HTTP_X_WASL_SENDER=foreign.code,
        HTTP_X_WASL_RECEIVER=receiver,
        HTTP_X_WASL_KEY=foreign.key_id,
        HTTP_X_WASL_TIME=at,
        HTTP_X_WASL_SIGNATURE=signature,
    )


def test_an_attachment_upload_is_kept_only_when_signed_and_its_hash_matches(net, foreign):
    import hashlib

    from wasl.registry.attachments import blob_path

    data = b"%PDF-1.4\n" + b"x" * 4000 + b"\n%%EOF\n"
    sha = hashlib.sha256(data).hexdigest()
    refused(upload(foreign, data, private=Ed25519PrivateKey.generate()), 403, "bad_signature")
    # A signed upload whose bytes are not the file announced: checked by hash, not kept.
    refused(upload(foreign, data[:-1] + b"!", sha=sha), 400, "attachment_mismatch")
    refused(upload(foreign, data, size=len(data) + 1), 403, "bad_signature")  # size signed
    stale = envelope.timestamp(timezone.now() - timedelta(hours=2))
    refused(upload(foreign, data, at=stale), 400, "clock_skew")
    refused(upload(foreign, data, receiver="EMK-NOPE"), 404, "unknown_receiver")
    assert not blob_path(sha).exists()
    r = upload(foreign, data)
    assert r.status_code == 200 and r.json() == {"sha256": sha, "stored": True}
    assert blob_path(sha).read_bytes() == data
    assert upload(foreign, data).json()["stored"] is False  # kept once


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01T09:30:15.123456Z",
        "2024-02-29T23:59:59.000000Z",  # a leap day
        "2026-02-29T09:30:15.123456Z",  # not a leap year
        "2026-02-30T09:30:15.123456Z",
        "2026-12-01T24:00:00.000000Z",
        "2026-12-01T09:60:00.000000Z",
        "2026-13-01T09:30:15.123456Z",
        "0000-12-01T09:30:15.123456Z",
        "2026-12-01T09:30:15.123Z",  # the pattern wants six digits
        "2026-12-01 09:30:15.123456Z",
        "٢٠٢٦-12-01T09:30:15.123456Z",  # Arabic-Indic digits are not the wire format
    ],
)
def test_a_timestamp_is_read_as_strptime_reads_the_wire_format(text):
    import re

    wire = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z", text)
    try:
        expected = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        expected = None
    if not wire:
        expected = None
    try:
        got = envelope.parse_timestamp(text, "at")
    except envelope.EnvelopeError as error:
        assert error.code == "invalid_field"
        got = None
    assert got == expected
