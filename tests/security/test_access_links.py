"""What stands in for a transaction the reader may not see (issue 15, item 1), and one answer
for a hidden message and a missing one (item 2) — the cases the access matrix found, each
checked on its own so that a failure says which."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import Cast, make_transaction
from wasl.directory import services as directory
from wasl.exchange import delivery, members, ratelimit
from wasl.exchange import services as exchange
from wasl.exchange.models import IncomingMessage, OutgoingMessage
from wasl.registry import services as registry
from wasl.registry.presenters import HIDDEN_AR, HIDDEN_EN

STAND_IN = {"hidden": True, "label_ar": HIDDEN_AR, "label_en": HIDDEN_EN}


def hub_linked_to_secrets(cast: Cast) -> tuple[Any, Any, Any]:
    """A normal transaction of the rights administration (which the executive sees) linked by
    its head to a confidential and a top-secret one (which the executive does not)."""
    hub = make_transaction(cast, by=cast.rights_head, unit=cast.rights, subject="محور الربط")
    confidential = make_transaction(
        cast, by=cast.rights_clerk, unit=cast.rights, confidentiality="confidential"
    )
    top_secret = make_transaction(
        cast, by=cast.rights_clerk, unit=cast.rights, confidentiality="top_secret"
    )
    for target in (confidential, top_secret):
        registry.link(cast.rights_head.actor, hub.public_id, target.public_id)
    return hub, confidential, top_secret


def test_a_linked_event_names_a_hidden_target_as_the_stand_in(cast, api):
    hub, confidential, top_secret = hub_linked_to_secrets(cast)
    response = api(cast.executive).get(f"/transactions/{hub.public_id}")
    assert response.status_code == 200
    body = response.json()
    linked = [e["data"] for e in body["timeline"] if e["action"] == "linked"]
    assert len(linked) == 2
    for data in linked:
        assert data["target"] is None
        assert data["target_hidden"] == STAND_IN
    assert body["links"] == []
    assert body["hidden_links"] == STAND_IN
    for secret in (confidential, top_secret):
        assert secret.reference not in response.content.decode()


def test_whoever_may_see_the_targets_reads_them_by_their_numbers(cast, api):
    hub, confidential, top_secret = hub_linked_to_secrets(cast)
    body = api(cast.rights_head).get(f"/transactions/{hub.public_id}").json()
    targets = [e["data"]["target"] for e in body["timeline"] if e["action"] == "linked"]
    assert targets == [confidential.reference, top_secret.reference]
    assert {link["reference"] for link in body["links"]} == {
        confidential.reference,
        top_secret.reference,
    }
    assert body["hidden_links"] is None


def test_the_page_shows_hidden_links_once_without_number_or_count(cast, client):
    hub, confidential, top_secret = hub_linked_to_secrets(cast)
    client.force_login(cast.executive.user)
    page = client.get(f"/t/{hub.public_id}/").content.decode()
    assert page.count(HIDDEN_AR) == 1
    assert confidential.reference not in page and top_secret.reference not in page
    client.post("/language/", {"language": "en", "next": f"/t/{hub.public_id}/"})
    page = client.get(f"/t/{hub.public_id}/").content.decode()
    assert page.count(HIDDEN_EN) == 1


def test_a_letter_answered_is_named_only_to_who_may_see_it(cast, api):
    """The rights administration writes to the Amanah; the answer comes into the Emirate's
    registry, whose clerk may read the answer but not the rights administration's letter."""
    ratelimit.reset()
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.jed, cast.amanah):
        members.join(entity)
    sent = exchange.send_letter(
        cast.rights_clerk.actor, unit=cast.rights, to=["AMN-JED"], subject="طلب إزالة التعديات"
    )
    delivery.deliver_due()
    message = OutgoingMessage.objects.get(transaction=sent.transaction)
    copy = IncomingMessage.objects.get(message_id=message.message_id).transaction
    answer = exchange.send_letter(
        cast.outsider.actor,
        unit=cast.amanah_registry,
        to=[],
        subject="الرد",
        answers=copy.public_id,
    )
    delivery.deliver_due()
    answer_message = OutgoingMessage.objects.get(transaction=answer.transaction)
    came_in = IncomingMessage.objects.get(message_id=answer_message.message_id).transaction

    seen_by_clerk = api(cast.clerk).get(f"/exchange/transactions/{came_in.public_id}")
    assert seen_by_clerk.json()["origin"]["answers"] == STAND_IN
    assert sent.transaction.reference not in seen_by_clerk.content.decode()
    # The sender learns that an answer came, not its number nor how many.
    (item,) = (
        api(cast.rights_clerk)
        .get(f"/exchange/transactions/{sent.transaction.public_id}")
        .json()["deliveries"]
    )
    assert item["answered_by"] == []
    assert item["answered_hidden"] == STAND_IN
    # Whoever may see both reads the letter answered by its number.
    directory.grant(cast.head.user, cast.rights, "unit_head")
    seen_by_both = api(cast.head).get(f"/exchange/transactions/{came_in.public_id}").json()
    assert seen_by_both["origin"]["answers"]["reference"] == sent.transaction.reference


def test_a_proof_answers_a_hidden_message_as_a_missing_one(cast, api):
    ratelimit.reset()
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.amanah):
        members.join(entity)
    sent = exchange.send_letter(
        cast.rights_clerk.actor,
        unit=cast.rights,
        to=["AMN-JED"],
        subject="خطاب سري",
        restriction=exchange.Restriction("confidential", "نظام حماية الوثائق", None),
    )
    mid = OutgoingMessage.objects.get(transaction=sent.transaction).message_id
    assert api(cast.rights_clerk).get(f"/exchange/messages/{mid}/proof").status_code == 200
    hidden = api(cast.executive).get(f"/exchange/messages/{mid}/proof")
    missing = api(cast.executive).get(f"/exchange/messages/{uuid.uuid4()}/proof")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert hidden.json()["code"] == "message_not_found"
