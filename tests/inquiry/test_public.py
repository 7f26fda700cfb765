"""The public inquiry: reference + ID number → where the transaction stands, nothing
personal or internal; a wrong pair answers like a missing one; attempts are throttled."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_transaction
from wasl.inquiry import throttle
from wasl.registry import services as registry

ID = "1058529940"


@pytest.fixture(autouse=True)
def generous_limits(settings: Any) -> None:
    settings.WASL_INQUIRY_THROTTLE_PER_CLIENT = 1000
    settings.WASL_INQUIRY_THROTTLE_PER_REFERENCE = 1000


def ask(reference: str, id_number: str = ID, client: Any = None, **extra: Any) -> Any:
    client = client or Client()
    return client.get(
        "/api/v1/public/inquiry", {"reference": reference, "id_number": id_number}, **extra
    )


def test_the_person_concerned_learns_where_their_transaction_stands(cast: Any) -> None:
    txn = make_transaction(cast)
    registry.refer(
        cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة بسرعة"
    )
    response = ask(txn.reference)
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "referred" and body["state_ar"] == "محالة"
    assert body["held_by"]["units_ar"] == ["الإدارة العامة للحقوق"]
    assert body["held_by"]["entity_ar"] == "إمارة منطقة مكة المكرمة"
    assert body["expected"]["hijri"].endswith("هـ")
    assert body["last_update"]["gregorian"]


def test_it_shows_nothing_personal_or_internal(cast: Any) -> None:
    txn = make_transaction(cast, due_date=None)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="سري")
    text = ask(txn.reference).content.decode()
    for secret in (txn.subject, txn.body, "محمد", ID, "سري", str(txn.public_id), "clerk"):
        assert secret not in text


def test_it_accepts_the_numbers_however_they_are_typed(cast: Any) -> None:
    txn = make_transaction(cast)
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    assert ask(txn.reference.lower().replace("-", "")).status_code == 200
    assert ask(txn.reference.translate(arabic), ID.translate(arabic)).status_code == 200


def test_a_wrong_pair_answers_exactly_like_a_missing_reference(cast: Any) -> None:
    txn = make_transaction(cast)
    wrong_person = ask(txn.reference, "1001244019")
    missing = ask("EMK-1448-999999", "1001244019")
    nonsense = ask("no such thing", "1001244019")
    assert wrong_person.status_code == missing.status_code == nonsense.status_code == 404
    assert wrong_person.content == missing.content == nonsense.content
    assert json.loads(missing.content)["code"] == "inquiry_not_found"


def test_a_transaction_without_a_person_cannot_be_asked_about(cast: Any) -> None:
    from wasl.registry.services import Party

    txn = make_transaction(cast, party=Party(type="none"), correspondent_code="GOV-JED")
    assert ask(txn.reference, ID).status_code == 404


def test_a_confidential_transaction_names_only_the_entity(cast: Any) -> None:
    txn = make_transaction(
        cast, by=cast.rights_clerk, unit=cast.rights, confidentiality="confidential"
    )
    body = ask(txn.reference).json()
    assert body["held_by"]["units_ar"] == []
    assert body["held_by"]["entity_ar"] == "إمارة منطقة مكة المكرمة"


def test_a_closed_transaction_has_no_expected_date(cast: Any) -> None:
    txn = make_transaction(cast)
    registry.close(cast.clerk.actor, txn.public_id, reason="تم")
    body = ask(txn.reference).json()
    assert body["state"] == "closed" and body["expected"] is None


@pytest.mark.parametrize(
    ("reference", "id_number", "code"),
    [
        ("", ID, "invalid_reference"),
        ("x" * 100, ID, "invalid_reference"),
        ("EMK-1448-000001", "123", "invalid_national_id"),
        ("EMK-1448-000001", "1058529941", "invalid_national_id"),
        ("EMK-1448-000001", "", "invalid_national_id"),
    ],
)
def test_malformed_input_is_a_clear_error(
    cast: Any, reference: str, id_number: str, code: str
) -> None:
    response = ask(reference, id_number)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_it_throttles_per_client(cast: Any, settings: Any) -> None:
    settings.WASL_INQUIRY_THROTTLE_PER_CLIENT = 3
    txn = make_transaction(cast)
    for i in range(3):
        assert ask(f"EMK-1448-00000{i + 5}").status_code == 404
    response = ask(txn.reference)  # even a right pair, once over the limit
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert int(response["Retry-After"]) >= 1
    assert ask(txn.reference, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_failures_about_one_reference_throttle_that_address_not_the_owner(
    cast: Any, settings: Any
) -> None:
    settings.WASL_INQUIRY_THROTTLE_PER_REFERENCE = 2
    txn = make_transaction(cast)
    for wrong in ("1001244019", "1000000008"):
        assert ask(txn.reference, wrong, REMOTE_ADDR="10.0.1.1").status_code == 404
    assert ask(txn.reference, "1001244019", REMOTE_ADDR="10.0.1.1").status_code == 429
    # However the reference is typed, it is the same reference.
    typed = txn.reference.lower().replace("-", "")
    assert ask(typed, REMOTE_ADDR="10.0.1.1").status_code == 429
    # The owner, from their own address, is not stopped by someone else's failures.
    assert ask(txn.reference, REMOTE_ADDR="10.0.1.9").status_code == 200
    # Nor does that address stop asking about other references.
    assert ask("EMK-1448-000999", REMOTE_ADDR="10.0.1.1").status_code == 404


def test_the_window_is_configurable_and_counts_start_again_after_it(
    cast: Any, settings: Any
) -> None:
    settings.WASL_INQUIRY_THROTTLE_WINDOW = 10
    settings.WASL_INQUIRY_THROTTLE_PER_CLIENT = 2
    throttle.check("client-a", "R", now=1000.0)
    throttle.check("client-a", "R", now=1001.0)
    with pytest.raises(throttle.Throttled) as refused:
        throttle.check("client-a", "R", now=1005.0)
    assert refused.value.retry_after == 5
    throttle.check("client-a", "R", now=1010.0)  # a new window


def test_the_limiter_stores_no_address_or_reference(cast: Any) -> None:
    from wasl.inquiry.models import AttemptCounter

    throttle.check("192.0.2.7", "EMK-1448-000001")
    keys = " ".join(AttemptCounter.objects.values_list("key", flat=True))
    assert "192.0.2.7" not in keys and "EMK" not in keys


def test_the_public_page_asks_and_answers_without_sign_in(cast: Any) -> None:
    txn = make_transaction(cast)
    client = Client(enforce_csrf_checks=True)
    page = client.get("/inquiry/public/")
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/inquiry/public/",
        {"reference": txn.reference, "id_number": ID, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "مسجلة" in text and txn.subject not in text
    assert response["Cache-Control"] == "no-store"
    wrong = client.post(
        "/inquiry/public/",
        {"reference": txn.reference, "id_number": "1001244019", "csrfmiddlewaretoken": token},
    )
    assert wrong.status_code == 404
    assert "لم نجد معاملة" in wrong.content.decode()


def test_the_kiosk_has_a_digit_pad_and_no_links_out(cast: Any) -> None:
    response = Client().get("/kiosk/?entities=EMK,GOV-JED")
    text = response.content.decode()
    assert response.status_code == 200
    assert "<a " not in text and "http" not in text.replace("http-equiv", "")
    for digit in "٠١٢٣٤٥٦٧٨٩0123456789":
        assert f">{digit}<" in text
    assert 'data-key="EMK-"' in text and 'data-key="GOV-JED-"' in text
    assert 'data-idle-seconds="60"' in text


def test_the_kiosk_answers_and_offers_a_new_inquiry(cast: Any) -> None:
    txn = make_transaction(cast)
    response = Client().post("/kiosk/", {"reference": txn.reference, "id_number": ID})
    text = response.content.decode()
    assert response.status_code == 200 and "مسجلة" in text
    assert "<a " not in text
    assert '<form method="get" action="/kiosk/">' in text


def test_the_kiosk_keeps_its_entities_on_every_screen(cast: Any) -> None:
    txn = make_transaction(cast)
    response = Client().post(
        "/kiosk/?entities=EMK", {"reference": txn.reference, "id_number": "1001244019"}
    )
    text = response.content.decode()
    assert response.status_code == 404 and "لم نجد معاملة" in text
    assert 'data-start="/kiosk/?entities=EMK"' in text
    assert '<input type="hidden" name="entities" value="EMK">' in text


def test_the_kiosk_s_first_address_leads_to_kiosk(cast: Any) -> None:
    response = Client().get("/inquiry/kiosk/?entities=EMK")
    assert response.status_code == 302
    assert response["Location"] == "/kiosk/?entities=EMK"


HOSTILE = [
    "",
    '"',
    "EMK-1448-*",
    "NEAR(EMK 1448)",
    "EMK:1448:000001",
    "'; DROP TABLE registry_transaction; --",
    "1' OR '1'='1",
    "EMK-1448-000001' OR 1=1 --",
    "\u202eEMK-1448-000001\u202c",
    "EMK\u200f-\u200e1448-000001",
    "\x00\x01",
    "%_\\",
    "ﷺ ﻻ ﷲ",
    "٠" * 10_000,
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_input_is_a_clear_answer_everywhere(cast: Any, hostile: str) -> None:
    txn = make_transaction(cast)
    bidi_wrapped = "\u202e" in hostile or "\u200f" in hostile
    for reference, id_number in ((hostile, ID), (txn.reference, hostile)):
        api = ask(reference, id_number)
        page = Client().post("/inquiry/public/", {"reference": reference, "id_number": id_number})
        kiosk = Client().post("/kiosk/", {"reference": reference, "id_number": id_number})
        for response in (api, page, kiosk):
            assert response.status_code in (200, 400, 404), response.content[:300]
        # Only the right pair, however wrapped in direction marks, finds the transaction.
        assert (api.status_code == 200) == (bidi_wrapped and id_number == ID), api.content
        assert api.status_code == page.status_code == kiosk.status_code
        if api.status_code == 400:
            assert api.json()["code"] in ("invalid_reference", "invalid_national_id")


def test_the_answer_is_in_the_language_the_person_chose(cast: Any) -> None:
    """State, explanation, the entity and units holding it, dates and errors: all in English
    when English is chosen, all in Arabic otherwise."""
    txn = make_transaction(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    english = Client()
    english.post("/language/", {"language": "en"})
    text = english.post(
        "/inquiry/public/", {"reference": txn.reference, "id_number": ID}
    ).content.decode()
    assert "Referred" in text and "Emirate" in text and "Rights" in text
    assert " AH" in text  # the Hijri date, in English
    for arabic in ("محالة", "إمارة منطقة مكة المكرمة", "الإدارة العامة للحقوق", "هـ"):
        assert arabic not in text, arabic
    wrong = english.post(
        "/inquiry/public/", {"reference": txn.reference, "id_number": "1001244019"}
    )
    assert wrong.status_code == 404 and "لم نجد" not in wrong.content.decode()
    arabic_text = (
        Client()
        .post("/inquiry/public/", {"reference": txn.reference, "id_number": ID})
        .content.decode()
    )
    assert "محالة" in arabic_text and "الإدارة العامة للحقوق" in arabic_text and "هـ" in arabic_text
