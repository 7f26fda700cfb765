"""The entity administrator's templates: listed and edited per step and channel, in Arabic and
English, previewed with a sample transaction, checked (placeholders, the cap on parts, size)
before anything is saved, audited, and used by the outbox; the mandatory message cannot be
switched off; another entity's administrator and everyone else get a missing page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from wasl.audit.models import AuditRecord
from wasl.core.errors import NotFound
from wasl.directory import services as directory
from wasl.directory.actors import actor_for
from wasl.notifications import defaults, queries, services, sms
from wasl.notifications.models import Notification, Template
from wasl.registry import services as registry

from .conftest import make_visitor_transaction

pytestmark = pytest.mark.django_db

LIST = "/notifications/administration/EMK/templates/"
REGISTERED = "/notifications/administration/EMK/templates/sms/registered/"
CLOSED = "/notifications/administration/EMK/templates/sms/closed/"
RECEIVED = "/notifications/administration/EMK/templates/email/received/"
AR = "وصل: سجلنا معاملتكم {reference} لدى {entity}."
EN = "Wasl: we registered your matter {reference} with {entity}."


def signed_in(user: Any, language: str = "ar") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def amanah_admin() -> Any:
    user, _ = directory.ensure_person(
        username="amn_admin", first_name="عبير", last_name="الحربي", password=PASSWORD
    )
    return user


@pytest.fixture
def other_admin(cast: Any) -> Any:
    user = amanah_admin()
    directory.grant(user, cast.amanah_registry, "entity_admin")
    return user


def audits(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("seq"))


def save(client: Client, path: str, **data: str) -> Any:
    return client.post(path, {"action": "save", **data})


def test_the_administrator_lists_every_text_of_the_entity_with_a_link_from_administration(
    cast: Any, django_assert_num_queries: Any
) -> None:
    client = signed_in(cast.admin.user, "en")
    client.get(LIST)  # warm caches (the session, translations)
    with django_assert_num_queries(6):
        page = client.get(LIST)
    html = page.content.decode()
    assert page.status_code == 200
    for step in defaults.SMS:
        assert f'href="/notifications/administration/EMK/templates/sms/{step}/"' in html
    for step in defaults.EMAIL:
        assert f'href="/notifications/administration/EMK/templates/email/{step}/"' in html
    assert "Wasl: your matter was registered with" in html
    assert "Mandatory" in html
    admin_page = client.get("/administration/EMK/").content.decode()
    assert f'href="{LIST}"' in admin_page


def test_the_edit_page_previews_both_languages_with_a_sample_transaction(cast: Any) -> None:
    client = signed_in(cast.admin.user)
    html = client.get(REGISTERED).content.decode()
    sample = queries.sample_reference(cast.emk)
    assert sample.startswith("EMK-")
    expected_ar = queries.preview(cast.emk, defaults.SMS["registered"][0], "ar", "registered")
    expected_en = queries.preview(cast.emk, defaults.SMS["registered"][1], "en", "registered")
    assert cast.emk.name_ar in expected_ar and sample in expected_ar
    assert cast.emk.name_en in expected_en
    assert expected_ar in html and expected_en in html
    # The count the page shows first is sms.py's, for the rendered text.
    counted = sms.count(expected_ar, "ar")
    assert f'data-parts="{counted.parts}"' in html and f'data-units="{counted.units}"' in html
    # A preview of posted texts saves nothing.
    page = client.post(REGISTERED, {"action": "preview", "body_ar": AR, "body_en": EN})
    assert page.status_code == 200
    assert queries.preview(cast.emk, EN, "en", "registered") in page.content.decode()
    assert not Template.objects.exists()


def test_saving_writes_both_languages_and_one_audit_record_and_the_outbox_uses_them(
    cast: Any,
) -> None:
    client = signed_in(cast.admin.user)
    response = save(client, REGISTERED, body_ar=AR + "\r\nشكرًا", body_en=EN, enabled="1")
    assert response.status_code == 302
    rows = {t.language: t for t in Template.objects.filter(entity=cast.emk)}
    assert rows["ar"].body == AR + "\nشكرًا"  # line ends as the browser counts them
    assert rows["en"].body == EN
    (record,) = audits("notifications.template.changed")
    assert record.chain == "EMK"
    assert record.data["old"] is None and record.data["new"]["en"] == EN
    assert "حُفظ النص." in client.get(response.url).content.decode()
    # Saving the same again changes nothing and records nothing.
    again = save(client, REGISTERED, body_ar=AR + "\nشكرًا", body_en=EN, enabled="1")
    assert "لم يتغيّر شيء." in client.get(again.url).content.decode()
    assert len(audits("notifications.template.changed")) == 1
    txn = make_visitor_transaction(cast)
    (sent,) = Notification.objects.filter(transaction_id=txn.pk)
    assert sent.body.startswith(f"وصل: سجلنا معاملتكم {txn.reference} لدى {cast.emk.name_ar}")


def test_another_entitys_transactions_keep_the_default(cast: Any, other_admin: Any) -> None:
    save(signed_in(cast.admin.user), REGISTERED, body_ar=AR, body_en=EN, enabled="1")
    client = signed_in(other_admin)
    assert client.get("/notifications/administration/AMN-JED/templates/").status_code == 200
    text = client.get(
        "/notifications/administration/AMN-JED/templates/sms/registered/"
    ).content.decode()
    assert "سجلنا معاملتكم" not in text


def test_an_optional_message_can_be_switched_off_and_is_then_not_sent(cast: Any) -> None:
    client = signed_in(cast.admin.user)
    ar, en = defaults.SMS["closed"]
    assert save(client, CLOSED, body_ar=ar, body_en=en).status_code == 302  # no "enabled"
    assert not Template.objects.get(entity=cast.emk, step="closed", language="ar").enabled
    assert "Switched off" in signed_in(cast.admin.user, "en").get(LIST).content.decode()
    txn = make_visitor_transaction(cast)
    registry.close(cast.clerk.actor, txn.public_id, reason="تمت الإفادة")
    steps = set(Notification.objects.filter(transaction_id=txn.pk).values_list("step", flat=True))
    assert steps == {"registered"}
    # Back to the default: sent again, and recorded.
    assert client.post(CLOSED, {"action": "reset"}).status_code == 302
    assert not Template.objects.filter(entity=cast.emk).exists()
    (reset,) = audits("notifications.template.reset")
    assert reset.data["old"]["enabled"] is False


def test_the_mandatory_message_cannot_be_switched_off(cast: Any) -> None:
    ar, en = defaults.SMS["registered"]
    with pytest.raises(services.InvalidTemplates) as refused:
        services.save_templates(
            cast.admin.actor, "EMK", "registered", "sms", body_ar=ar, body_en=en, enabled=False
        )
    assert refused.value.errors[0].code == "mandatory"
    # The page never offers it (a hidden "on"), and a forged post without it still sends it.
    html = signed_in(cast.admin.user, "en").get(REGISTERED).content.decode()
    assert 'name="enabled" value="1" type="hidden"' in html or (
        'type="hidden" name="enabled" value="1"' in html
    )
    save(signed_in(cast.admin.user), REGISTERED, body_ar=AR, body_en=EN)
    assert Template.objects.get(entity=cast.emk, language="ar").enabled


@pytest.mark.parametrize(
    ("data", "field", "ar_words", "en_words"),
    [
        ({"body_ar": AR + " {name}"}, "body_ar", "متغيّر غير معروف", "unknown placeholder: {name}"),
        ({"body_en": "Wasl: {reference} { entity }"}, "body_en", "{ entity }", "{ entity }"),
        ({"body_ar": "وصل: سجلت معاملتكم."}, "body_ar", "{reference}", "{reference}"),
        ({"body_en": "Wasl {reference} " + "x" * 700}, "body_en", "5 أجزاء", "5 parts"),
        ({"body_ar": "{reference} " + "م" * 300}, "body_ar", "5 أجزاء", "5 parts"),
        ({"body_ar": "   "}, "body_ar", "اكتب النص العربي", "Write the Arabic text"),
        ({"body_en": "{reference}" + "x" * 5000}, "body_en", "أطول من المسموح", "too long"),
    ],
)
def test_bad_texts_are_refused_beside_their_field_in_the_persons_language_nothing_saved(
    cast: Any, data: dict[str, str], field: str, ar_words: str, en_words: str
) -> None:
    before = AuditRecord.objects.count()
    posted = {"body_ar": AR, "body_en": EN, "enabled": "1", **data}
    for language, words in (("ar", ar_words), ("en", en_words)):
        response = save(signed_in(cast.admin.user, language), REGISTERED, **posted)
        assert response.status_code == 400
        html = response.content.decode()
        assert f'id="id_{field}_error"' in html
        assert words in html, (language, words)
    assert not Template.objects.exists()
    assert AuditRecord.objects.count() == before


def test_an_sms_at_the_cap_saves_and_one_part_over_does_not(cast: Any, settings: Any) -> None:
    settings.WASL_SMS_MAX_PARTS = 2
    client = signed_in(cast.admin.user)
    fixed = len(queries.preview(cast.emk, "{reference} ", "en", "registered"))
    fits = "{reference} " + "x" * (2 * 153 - fixed)
    assert sms.count(queries.preview(cast.emk, fits, "en", "registered"), "en").parts == 2
    assert save(client, REGISTERED, body_ar=AR, body_en=fits).status_code == 302
    over = fits + "x"
    assert save(client, REGISTERED, body_ar=AR, body_en=over).status_code == 400
    assert Template.objects.get(entity=cast.emk, language="en").body == fits


def test_a_megabyte_of_text_is_refused_in_the_persons_language(cast: Any) -> None:
    before = AuditRecord.objects.count()
    for language, words in (("ar", "أكبر من المسموح"), ("en", "too large")):
        client = signed_in(cast.admin.user, language)
        client.get(REGISTERED)
        response = save(client, REGISTERED, body_ar="م" * 1_048_576, body_en=EN)
        assert response.status_code == 413
        assert words in response.content.decode()
    assert not Template.objects.exists() and AuditRecord.objects.count() == before


@pytest.mark.parametrize("who", ["clerk", "outsider", "other_admin"])
def test_others_get_a_missing_page_and_change_nothing(
    cast: Any, other_admin: Any, who: str
) -> None:
    user = other_admin if who == "other_admin" else getattr(cast, who).user
    client = signed_in(user)
    for path in (LIST, REGISTERED, RECEIVED):
        assert client.get(path).status_code == 404, path
    assert save(client, REGISTERED, body_ar=AR, body_en=EN).status_code == 404
    assert client.post(CLOSED, {"action": "reset"}).status_code == 404
    with pytest.raises(NotFound):
        services.save_templates(
            actor_for(user),
            "EMK",
            "registered",
            "sms",
            body_ar=AR,
            body_en=EN,
            enabled=True,
        )
    assert not Template.objects.exists()


def test_a_step_or_channel_without_a_text_is_missing(cast: Any) -> None:
    client = signed_in(cast.admin.user)
    for path in (
        "/notifications/administration/EMK/templates/sms/received/",
        "/notifications/administration/EMK/templates/sms/reply/",
        "/notifications/administration/EMK/templates/fax/registered/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_stranger_is_sent_to_sign_in(cast: Any) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302 and "signin" in response.url


def test_an_email_text_is_edited_and_previewed_with_its_subject(cast: Any) -> None:
    client = signed_in(cast.admin.user, "en")
    html = client.get(RECEIVED).content.decode()
    assert queries.preview_subject(cast.emk, "received", "en") in html
    assert "sms-count" not in html
    ar = "وصلت رسالتكم عن {reference}."
    en = "We received your e-mail about {reference}."
    assert save(client, RECEIVED, body_ar=ar, body_en=en, enabled="1").status_code == 302
    assert Template.objects.filter(entity=cast.emk, channel="email").count() == 2


CLOSED_EMAIL = "/notifications/administration/EMK/templates/email/closed/"


def test_an_emails_subject_is_the_entitys_own_after_the_reference(cast: Any) -> None:
    client = signed_in(cast.admin.user)
    page = client.get(CLOSED_EMAIL).content.decode()
    assert 'name="subject_ar"' in page and defaults.SUBJECT["closed"][0] in page
    body_ar, body_en = defaults.EMAIL["closed"]
    saved = save(
        client,
        CLOSED_EMAIL,
        body_ar=body_ar,
        body_en=body_en,
        subject_ar="انتهت معاملتكم لدينا",
        subject_en=defaults.SUBJECT["closed"][1],  # the default: kept as the default
        enabled="1",
    )
    assert saved.status_code == 302
    rows = {t.language: t for t in Template.objects.filter(entity=cast.emk, channel="email")}
    assert (rows["ar"].subject, rows["en"].subject) == ("انتهت معاملتكم لدينا", "")
    (record,) = audits("notifications.template.changed")
    assert record.data["new"]["subject_ar"] == "انتهت معاملتكم لدينا"
    txn = make_visitor_transaction(cast)
    services.set_contact(
        cast.clerk.actor,
        txn.public_id,
        phone="0501234567",
        language="ar",
        sms=True,
        optional=True,
        email="visitor@example.com",
    )
    registry.close(cast.clerk.actor, txn.public_id, reason="انتهت")
    mail = Notification.objects.get(transaction=txn, channel="email", step="closed")
    assert mail.subject == f"{txn.reference} — انتهت معاملتكم لدينا"
    # back to the default: the default subject again
    client.post(CLOSED_EMAIL, {"action": "reset"})
    assert (
        queries.entity_template(cast.emk, "closed", "email").subject_ar
        == (defaults.SUBJECT["closed"][0])
    )


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("سطر\nثان", "text_control_chars"),
        ("م" * 121, "text_too_long"),
        ("رقم {reference}", "unknown_placeholder"),
    ],
)
def test_a_bad_subject_is_refused_beside_its_field_nothing_saved(
    cast: Any, subject: str, code: str
) -> None:
    client = signed_in(cast.admin.user, "en")
    body_ar, body_en = defaults.EMAIL["closed"]
    page = save(
        client,
        CLOSED_EMAIL,
        body_ar=body_ar,
        body_en=body_en,
        subject_ar=subject,
        subject_en="Closed",
        enabled="1",
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="id_subject_ar_error"' in html and 'aria-invalid="true"' in html
    assert not Template.objects.exists()
    with pytest.raises(services.InvalidTemplates) as refused:
        services.save_templates(
            actor_for(cast.admin.user),
            "EMK",
            "closed",
            "email",
            body_ar=body_ar,
            body_en=body_en,
            enabled=True,
            subject_ar=subject,
        )
    assert refused.value.errors[0].code == code
