"""The outbox: written with the step, in the visitor's language, mandatory or optional."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.conftest import make_transaction
from wasl.notifications import outbox, services
from wasl.notifications.models import Contact, Notification
from wasl.registry import services as registry

from .conftest import PHONE, citizen, make_visitor_transaction


def sent(txn):
    return list(Notification.objects.filter(transaction_id=txn.pk).order_by("id"))


def test_registering_a_visitors_matter_queues_the_reference_by_sms_in_arabic(cast):
    txn = make_visitor_transaction(cast)
    (n,) = sent(txn)
    assert (n.step, n.channel, n.to, n.language, n.status) == (
        "registered",
        "sms",
        PHONE,
        "ar",
        "queued",
    )
    assert txn.reference in n.body
    assert "إمارة منطقة مكة المكرمة" in n.body
    assert n.mandatory
    assert n.encoding == "ucs2"
    assert n.parts == 2
    assert not Contact.objects.exists()  # the party's number, until someone changes it


def test_the_notification_is_rolled_back_with_the_step(cast):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_visitor_transaction(cast)
        assert Notification.objects.count() == 1
        raise RuntimeError("the step fails after it wrote")
    assert Notification.objects.count() == 0


def test_no_visitor_or_no_phone_means_no_message(cast):
    make_transaction(cast)  # a citizen without a phone
    make_transaction(cast, party=registry.Party(), correspondent_code="GOV-JED")
    assert Notification.objects.count() == 0


def test_the_visitor_hears_of_the_referral_the_answer_and_the_closing(cast):
    txn = make_visitor_transaction(cast)
    (ref,) = registry.refer(
        cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة"
    )
    # adding a unit to a referred matter is no news for the visitor
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.security], instruction="أيضا")
    registry.acknowledge(cast.rights_clerk.actor, ref.public_id)
    registry.answer(cast.rights_clerk.actor, ref.public_id, text="تمت الدراسة")
    assert [n.step for n in sent(txn)] == ["registered", "referred"]  # one referral still open
    security_ref = txn_referral(txn, cast.security)
    registry.answer(cast.security_clerk.actor, security_ref.public_id, text="لا مانع")
    registry.close(cast.clerk.actor, txn.public_id, reason="انتهت")
    assert [n.step for n in sent(txn)] == ["registered", "referred", "answered", "closed"]
    assert all(not n.mandatory for n in sent(txn)[1:])


def txn_referral(txn, unit):
    from wasl.registry.models import Referral

    return Referral.objects.get(transaction_id=txn.pk, to_unit=unit)


def test_a_confidential_matter_tells_only_its_reference(cast):
    txn = make_visitor_transaction(cast, confidentiality="confidential")
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    assert [n.step for n in sent(txn)] == ["registered"]
    assert txn.subject not in sent(txn)[0].body


def test_optional_messages_can_be_switched_off_the_mandatory_cannot(cast):
    txn = make_visitor_transaction(cast)
    services.set_contact(
        cast.clerk.actor,
        txn.public_id,
        phone="0501234567",
        language="en",
        sms=False,
        optional=False,
    )
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    assert [n.step for n in sent(txn)] == ["registered"]
    # a mandatory message goes even with SMS switched off (it is the only channel today)
    second = make_visitor_transaction(cast)
    assert [n.step for n in sent(second)] == ["registered"]


def test_the_visitors_language_is_used(cast):
    txn = make_visitor_transaction(cast)
    services.set_contact(
        cast.clerk.actor, txn.public_id, phone="0501234567", language="en", sms=True, optional=True
    )
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    referred = sent(txn)[-1]
    assert (referred.step, referred.language, referred.encoding) == ("referred", "en", "gsm7")
    assert referred.body.startswith("Wasl: your matter ")


def test_choices_are_checked_and_kept_by_the_holder_only(cast):
    from wasl.core.errors import InvalidInput, NotFound

    txn = make_visitor_transaction(cast)
    with pytest.raises(InvalidInput) as bad_phone:
        services.set_contact(
            cast.clerk.actor, txn.public_id, phone="0123", language="ar", sms=True, optional=True
        )
    assert bad_phone.value.code == "invalid_phone"
    with pytest.raises(InvalidInput):
        services.set_contact(
            cast.clerk.actor, txn.public_id, phone="", language="fr", sms=True, optional=True
        )
    with pytest.raises(NotFound):
        services.set_contact(
            cast.outsider.actor, txn.public_id, phone="", language="ar", sms=True, optional=True
        )
    services.set_contact(
        cast.clerk.actor, txn.public_id, phone="٠٥٥٥١٢٣٤٥٦", language="ar", sms=True, optional=True
    )
    assert Contact.objects.get(transaction_id=txn.pk).phone == "+966555123456"


def test_a_message_over_the_parts_cap_is_not_sent(cast, settings):
    settings.WASL_SMS_MAX_PARTS = 1
    txn = make_visitor_transaction(cast)
    (n,) = sent(txn)
    assert n.status == "technical_failure"
    assert n.error.startswith("too_many_parts")
    assert n.next_attempt_at is None


def test_the_same_event_twice_writes_one_message(cast):
    from wasl.registry.events import Published
    from wasl.registry.models import Event

    txn = make_visitor_transaction(cast)
    event = Event.objects.get(transaction_id=txn.pk, action="registered")
    outbox.on_event(Published(event, txn))
    assert len(sent(txn)) == 1


def test_an_entitys_own_template_wins(cast):
    from wasl.notifications.models import Template

    Template.objects.create(
        entity=cast.emk, step="registered", channel="sms", language="ar", body="رقمكم {reference}"
    )
    txn = make_visitor_transaction(cast)
    assert sent(txn)[0].body == f"رقمكم {txn.reference}"


def test_a_party_phone_is_stored_normalised(cast):
    txn = make_transaction(cast, party=citizen("+966 50 123 4567"))
    assert sent(txn)[0].to == PHONE


def test_without_template_rows_the_defaults_in_code_are_sent(cast):
    from wasl.notifications.defaults import SMS
    from wasl.notifications.models import Template

    Template.objects.all().delete()
    txn = make_visitor_transaction(cast)
    expected = SMS["registered"][0].format(reference=txn.reference, entity=cast.emk.name_ar)
    assert sent(txn)[0].body == expected
