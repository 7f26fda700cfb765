"""The transaction page shows what was sent to the visitor; the holder keeps their choices;
the demo page lists what the fake provider received (DEBUG or WASL_DEMO only)."""

from __future__ import annotations

from django.test import Client

from wasl.notifications.models import Contact, Notification

from .conftest import PHONE, make_visitor_transaction


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def test_the_transaction_page_shows_what_was_sent_to_whom_and_how_it_went(cast):
    txn = make_visitor_transaction(cast)
    Notification.objects.filter(transaction_id=txn.pk).update(status="delivered")
    client = signed_in(cast.clerk)
    html = client.get(f"/t/{txn.public_id}/").content.decode()
    assert "الإشعارات إلى صاحب المعاملة" in html
    assert PHONE in html
    assert ">وصلت<" in html
    assert "جزآن" in html  # the registration's Arabic text takes two parts
    assert 'action="/notifications/t/' in html  # the holder may change the choices
    client.post("/language/", {"language": "en"})
    html = client.get(f"/t/{txn.public_id}/").content.decode()
    assert "Notifications to the visitor" in html
    assert ">Delivered<" in html
    assert "2 parts" in html


def test_a_reader_who_does_not_hold_it_sees_the_choices_without_the_form(cast):
    from wasl.registry import services as registry

    txn = make_visitor_transaction(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    html = signed_in(cast.rights_clerk).get(f"/t/{txn.public_id}/").content.decode()
    assert 'id="notifications-title"' in html
    assert 'action="/notifications/t/' not in html


def test_the_holder_changes_the_visitors_choices(cast):
    txn = make_visitor_transaction(cast)
    answer = signed_in(cast.clerk).post(
        f"/notifications/t/{txn.public_id}/contact",
        {"phone": "0555123456", "language": "en", "sms": "1"},
    )
    assert answer.status_code == 302
    contact = Contact.objects.get(transaction_id=txn.pk)
    assert (contact.phone, contact.language, contact.sms, contact.optional) == (
        "+966555123456",
        "en",
        True,
        False,
    )


def test_a_wrong_number_is_refused_and_nothing_changes(cast):
    txn = make_visitor_transaction(cast)
    client = signed_in(cast.clerk)
    answer = client.post(
        f"/notifications/t/{txn.public_id}/contact",
        {"phone": "0123", "language": "ar", "sms": "1"},
        follow=True,
    )
    assert "رقم الجوال غير صحيح" in answer.content.decode()
    assert not Contact.objects.exists()


def test_an_outsider_gets_the_same_404_as_for_nothing(cast):
    txn = make_visitor_transaction(cast)
    client = signed_in(cast.outsider)
    seen = client.post(f"/notifications/t/{txn.public_id}/contact", {"language": "ar"})
    missing = client.post(
        "/notifications/t/00000000-0000-4000-8000-000000000000/contact", {"language": "ar"}
    )
    assert seen.status_code == missing.status_code == 404


def test_the_demo_page_is_only_there_in_the_demo(cast, settings):
    client = signed_in(cast.clerk)
    settings.WASL_DEMO = False
    assert client.get("/notifications/demo/sms").status_code == 404
    settings.WASL_DEMO = True
    assert Client().get("/notifications/demo/sms").status_code == 302  # sign in first
    settings.WASL_SMS_URL = "http://127.0.0.1:9"  # nothing listens
    html = client.get("/notifications/demo/sms").content.decode()
    assert '<p class="empty card">' in html  # says the provider cannot be reached
    assert "http://127.0.0.1:9" in html


def test_the_demo_page_lists_what_the_fake_provider_received(cast, settings, fake_sms):
    settings.WASL_DEMO = True
    settings.WASL_SMS_PROVIDER = "http"
    settings.WASL_SMS_URL = fake_sms.url
    from wasl.notifications import sending

    txn = make_visitor_transaction(cast)
    counts = sending.send_due()
    assert counts.sent == 1
    html = signed_in(cast.clerk).get("/notifications/demo/sms").content.decode()
    assert txn.reference in html
    assert PHONE in html


def test_a_transaction_with_no_visitor_has_no_notifications_section(cast):
    from tests.conftest import make_transaction
    from wasl.registry import services as registry

    txn = make_transaction(cast, party=registry.Party(), correspondent_code="GOV-JED")
    html = signed_in(cast.clerk).get(f"/t/{txn.public_id}/").content.decode()
    assert txn.reference in html
    assert 'id="notifications-title"' not in html
