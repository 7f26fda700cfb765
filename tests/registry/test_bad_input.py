"""Bad input gets a clear error, in Arabic and English, and leaves no partial data."""

from __future__ import annotations

import json

import pytest

from wasl.audit.models import AuditRecord
from wasl.registry.models import Event, NumberSequence, Referral, Transaction

from ..conftest import make_transaction
from .test_lifecycle import register_payload


def nothing_written():
    return (
        Transaction.objects.count() == 0
        and Event.objects.count() == 0
        and not NumberSequence.objects.filter(last_value__gt=0).exists()
        and not AuditRecord.objects.filter(action__startswith="registry.").exists()
    )


def assert_error(r, status, code=None):
    assert r.status_code == status, r.content
    body = r.json()
    assert set(body) >= {"code", "message_ar", "message_en"}
    assert body["message_ar"] and body["message_en"]
    if code:
        assert body["code"] == code
    return body


@pytest.mark.parametrize(
    "raw",
    ['{"unit": ', "not json", "[]", '"just a string"', '{"subject": "\\ud800"}', "\x00\x01"],
)
def test_malformed_json_is_refused(cast, api, raw):
    r = api(cast.clerk).post("/transactions", raw=raw)
    assert r.status_code in (400, 422)
    assert_error(r, r.status_code)
    assert nothing_written()


def test_unknown_fields_are_refused(cast, api):
    body = assert_error(
        api(cast.clerk).post("/transactions", register_payload(cast, colour="blue")),
        422,
        "validation_error",
    )
    assert "colour" in body["message_en"]
    assert nothing_written()


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": 42},
        {"subject": None},
        {"unit": "not-a-uuid"},
        {"urgency": "extremely"},
        {"direction": ["incoming"]},
        {"party": "citizen"},
        {"party": {"type": "citizen", "name": "سعد", "id_number": "1058529940", "extra": 1}},
    ],
)
def test_wrong_types_are_refused(cast, api, overrides):
    assert_error(api(cast.clerk).post("/transactions", register_payload(cast, **overrides)), 422)
    assert nothing_written()


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("موضوع \u202eمعكوس", "text_bidi_override"),
        ("Invoice \u2066hidden\u2069", "text_bidi_override"),
        ("سطر\x00مخفي", "text_control_chars"),
        ("bell\x07", "text_control_chars"),
        ("   ", "text_required"),
        ("سطر أول\nسطر ثان", "text_control_chars"),
    ],
)
def test_text_with_control_or_bidi_override_characters_is_refused(cast, api, subject, code):
    r = api(cast.clerk).post("/transactions", register_payload(cast, subject=subject))
    body = assert_error(r, 400, code)
    assert body.get("field") == "subject"
    assert nothing_written()


def test_a_10_mb_subject_is_refused_before_it_is_read(cast, api):
    r = api(cast.clerk).post("/transactions", register_payload(cast, subject="م" * 10_000_000))
    assert_error(r, 413, "request_too_large")
    assert nothing_written()


def test_a_subject_just_over_the_limit_is_refused(cast, api):
    r = api(cast.clerk).post("/transactions", register_payload(cast, subject="م" * 501))
    assert_error(r, 422)
    assert nothing_written()


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("1000000000", "invalid_national_id"),
        ("105852994", "invalid_national_id"),
        ("3058529940", "invalid_national_id"),
        ("abcdefghij", "invalid_national_id"),
        ("2000000006", "id_kind_mismatch"),
    ],
)
def test_invalid_national_ids_are_refused(cast, api, id_number, code):
    party = {"type": "citizen", "name": "سعد", "id_number": id_number}
    body = assert_error(
        api(cast.clerk).post("/transactions", register_payload(cast, party=party)), 400, code
    )
    assert body["message_ar"]
    assert nothing_written()


@pytest.mark.parametrize("phone", ["0521234567", "12345", "+966 55 123", "05" + "1" * 40])
def test_invalid_phone_numbers_are_refused(cast, api, phone):
    party = {"type": "citizen", "name": "سعد", "id_number": "1058529940", "phone": phone}
    r = api(cast.clerk).post("/transactions", register_payload(cast, party=party))
    assert r.status_code in (400, 422)
    assert_error(r, r.status_code)
    assert nothing_written()


@pytest.mark.parametrize(
    "due", ["2026-02-30", "1448/13/01هـ", "yesterday", "0000-01-01", "2000-01-01", "9999-12-31"]
)
def test_invalid_or_past_dates_are_refused(cast, api, due):
    r = api(cast.clerk).post("/transactions", register_payload(cast, due_date=due))
    body = assert_error(r, 400)
    assert body["code"] in {"invalid_date", "due_date_in_past"}
    assert nothing_written()


def test_hijri_and_arabic_digit_dates_are_understood(cast, api):
    r = api(cast.clerk).post("/transactions", register_payload(cast, due_date="١٤٥٠/٠١/٠١هـ"))
    assert r.status_code == 201, r.content
    assert r.json()["due_date"]["hijri"].startswith("1450/01/01")


def test_referring_to_another_entitys_unit_is_refused(cast, api):
    txn = make_transaction(cast)
    r = api(cast.clerk).post(
        f"/transactions/{txn.public_id}/referrals",
        {"to_units": [str(cast.amanah_registry.public_id)], "instruction": "للإفادة"},
    )
    assert_error(r, 400, "unit_outside_entity")
    assert not Referral.objects.exists()
    assert Transaction.objects.get(pk=txn.pk).state == "registered"


def test_a_failure_inside_a_step_rolls_the_whole_step_back(cast, monkeypatch):
    from wasl.registry import services

    txn = make_transaction(cast)
    before = (Event.objects.count(), AuditRecord.objects.count())

    def broken_record(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.audit, "record", broken_record)
    with pytest.raises(RuntimeError):
        services.refer(
            cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة"
        )
    assert (Event.objects.count(), AuditRecord.objects.count()) == before
    assert not Referral.objects.exists()
    assert Transaction.objects.get(pk=txn.pk).state == "registered"


def test_errors_are_json_with_both_languages_for_unknown_routes_too(cast, api):
    r = api(cast.clerk).get("/no-such-thing")
    assert r.status_code == 404
    json.loads(r.content)


def test_a_correspondent_must_be_an_active_entity(cast):
    from wasl.core.errors import InvalidInput

    cast.amanah.is_active = False
    cast.amanah.save(update_fields=["is_active"])
    with pytest.raises(InvalidInput) as refused:
        make_transaction(cast, correspondent_code=cast.amanah.code, party=None)
    assert refused.value.code == "unknown_entity" and refused.value.field == "correspondent"
    assert nothing_written()
    txn = make_transaction(cast, correspondent_code=cast.jed.code, party=None)
    assert txn.correspondent_id == cast.jed.pk
