"""The visitor's e-mail address given at registration (issue 17: the registered message by
e-mail): the reference goes by e-mail at once, with the SMS when there is a number; the address
is the visitor's for what follows, and mail from it joins the matter."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast, make_transaction
from tests.web.conftest import signed_in
from wasl.core.errors import InvalidInput
from wasl.notifications import services as notify
from wasl.notifications.models import Notification
from wasl.registry import services as registry
from wasl.registry.models import Transaction

from .conftest import VISITOR, mail_from_visitor, receive


def citizen(**fields: Any) -> registry.Party:
    return registry.Party(
        type="citizen", name="محمد بن علي الحربي", id_number="1058529940", **fields
    )


def test_an_address_given_at_registration_gets_the_reference_by_email(cast: Cast) -> None:
    txn = make_transaction(cast, party=citizen(phone="0501234567", email=" Visitor@Example.SA "))
    assert txn.party_email == "Visitor@example.sa"  # trimmed, the domain in lower case
    sent = {n.channel: n for n in Notification.objects.filter(transaction=txn)}
    assert set(sent) == {"sms", "email"}
    mail = sent["email"]
    assert (mail.step, mail.to, mail.mandatory) == ("registered", "Visitor@example.sa", True)
    assert mail.subject.startswith(txn.reference) and txn.reference in mail.body


def test_an_address_alone_is_enough(cast: Cast) -> None:
    txn = make_transaction(cast, party=citizen(email=VISITOR))
    assert [(n.channel, n.step) for n in Notification.objects.filter(transaction=txn)] == [
        ("email", "registered")
    ]
    # the later steps go to it as well, and the visitor's choices start from it
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    assert Notification.objects.filter(transaction=txn, channel="email", step="referred").exists()
    assert notify.contact_of(txn).email == VISITOR
    kept = notify.set_contact(
        cast.clerk.actor, txn.public_id, phone="", language="en", sms=False, optional=True
    )
    assert kept.email == VISITOR  # unchanged when not given


def test_mail_from_the_registered_address_joins_the_matter(cast: Cast) -> None:
    txn = make_transaction(cast, party=citizen(email=VISITOR))
    row = receive(mail_from_visitor(f"بخصوص {txn.reference}"))
    assert (row.outcome, row.transaction_id) == ("added", txn.pk)
    stranger = receive(mail_from_visitor(f"بخصوص {txn.reference}", sender="x@example.com"))
    assert stranger.outcome == "untrusted"


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "x" * 250 + "@example.sa"])
def test_a_bad_address_is_refused_and_nothing_registered(cast: Cast, address: str) -> None:
    before = Transaction.objects.count()
    with pytest.raises(InvalidInput) as refused:
        make_transaction(cast, party=citizen(email=address))
    assert (refused.value.code, refused.value.field) == ("invalid_email", "party.email")
    assert Transaction.objects.count() == before


def test_the_api_and_the_page_take_the_address(cast: Cast, api: Any) -> None:
    from tests.registry.test_lifecycle import register_payload

    payload = register_payload(cast)
    payload["party"] = {**payload["party"], "email": VISITOR}
    r = api(cast.clerk).post("/transactions", payload)
    assert r.status_code == 201, r.content
    detail = api(cast.clerk).get(f"/transactions/{r.json()['id']}").json()
    assert detail["party"]["email"] == VISITOR
    payload["party"]["email"] = "nobody"
    bad = api(cast.clerk).post("/transactions", payload)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_email"
    page = signed_in(cast.clerk).get("/register/").content.decode()
    assert 'name="party_email"' in page and 'inputmode="email"' in page
