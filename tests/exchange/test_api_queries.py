"""The exchange's staff API at several sizes (1, 2 and 5 receivers; 3 and 8 members): the
number of queries a call runs must not grow with them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wasl.directory import services as directory
from wasl.exchange import conf, delivery, envelope, log, members
from wasl.exchange.models import OutgoingMessage
from wasl.registry.models import Transaction

from ..conftest import is_postgres
from .conftest import send
from .test_sending import letter


def queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code in (200, 201), response.content
    return len(ctx)


# Registering a letter (the registry's part of sending and of receiving): 13 statements, one
# fewer on PostgreSQL, which indexes the text for the inquiry without a separate FTS5 table.
REGISTERING = 12 if is_postgres() else 13


def join_entities(count: int) -> list[str]:
    """`count` more entities, each a member hosted here with a registry unit; their codes."""
    codes = []
    for i in range(count):
        entity, _ = directory.ensure_entity(
            code=f"ENT-{i}", kind="other", name_ar=f"جهة رقم {i}", name_en=f"Entity {i}"
        )
        directory.ensure_unit(
            entity=entity, code="REG", name_ar="الاتصالات", name_en="Registry", is_registry=True
        )
        members.join(entity)
        codes.append(entity.code)
    return codes


def test_sending_a_letter_does_not_grow_with_its_receivers(net, api):
    more = join_entities(3)
    api(net.clerk).post("/exchange/letters", letter(net))  # keys and caches read once
    counts = [
        queries(lambda cc=cc: api(net.clerk).post("/exchange/letters", letter(net, cc=cc)))
        for cc in ([], ["GOV-JED"], ["GOV-JED", *more])
    ]
    # To 1, 2 and 5 receivers: the outbox in one INSERT, the sender's log in one run (3).
    assert counts == [REGISTERING + 20] * 3
    assert OutgoingMessage.objects.count() == 2 + 1 + 2 + 5
    assert log.verify_all().ok


def test_the_deliveries_of_a_letter_do_not_grow_with_its_receivers(net, api):
    to_one = send(net).transaction
    to_two = send(net, cc=["GOV-JED"]).transaction
    one = queries(lambda: api(net.clerk).get(f"/exchange/transactions/{to_one.public_id}"))
    two = queries(lambda: api(net.clerk).get(f"/exchange/transactions/{to_two.public_id}"))
    assert one == two == 5


def test_the_member_directory_does_not_grow_with_the_members(net, api):
    three = queries(lambda: api(net.clerk).get("/exchange/members"))
    join_entities(5)
    eight = queries(lambda: api(net.clerk).get("/exchange/members"))
    assert three == eight == 3


def test_a_proof_does_not_grow_with_the_receivers(net, api):
    one = send(net).messages[0].message_id
    two = send(net, cc=["GOV-JED"]).messages[0].message_id
    a = queries(lambda: api(net.clerk).get(f"/exchange/messages/{one}/proof"))
    b = queries(lambda: api(net.clerk).get(f"/exchange/messages/{two}/proof"))
    assert a == b


def receive_batch(texts: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """(queries, results) of one POST of these envelopes to /exchange/v1/batch."""
    body = json.dumps({"messages": texts})
    with CaptureQueriesContext(connection) as ctx:
        r = Client().post("/exchange/v1/batch", body, content_type="application/json")
    assert r.status_code == 200, r.content
    return len(ctx), r.json()["results"]


def test_receiving_a_batch_costs_a_fixed_number_per_batch_and_per_envelope(foreign):
    # Per batch (one group of the receiver's, one receiver): 11 — the repeats looked for in
    # one read, the directory read once, the group's transaction and the receiver's log in
    # one run (3). Per envelope: 15 — its savepoint (2), the inbox row (1) and the registration
    # of the incoming letter (12, the registry's; 11 on PostgreSQL). Signatures are each
    # checked in memory.
    per_envelope = 3 + REGISTERING
    assert conf.get("WASL_EXCHANGE_RECEIVE_GROUP") >= 6  # both sizes in one group
    receive_batch([foreign.sign(foreign.letter())])  # keys and caches read once
    two = [foreign.sign(foreign.letter()) for _ in range(2)]
    six = [foreign.sign(foreign.letter()) for _ in range(6)]
    (of_two, first_two), (of_six, first_six) = receive_batch(two), receive_batch(six)
    assert (of_two, of_six) == (11 + 2 * per_envelope, 11 + 6 * per_envelope)
    assert [r["outcome"] for r in first_two + first_six] == ["accepted"] * 8
    # Exactly once: the same envelopes again are answered with their first receipts from one
    # read of the inbox, and registered nothing.
    registered = Transaction.objects.count()
    queries_again, again = receive_batch(two + six)
    assert [r["receipt"] for r in again] == [r["receipt"] for r in first_two + first_six]
    assert {r["outcome"] for r in again} == {"duplicate"}
    assert Transaction.objects.count() == registered
    assert queries_again == 1
    report = log.verify_all()
    # The log's envelopes and receipts; the inbox rows are checked against them by hash.
    assert report.ok and report.signatures == 2 * 9


class ForeignNode(delivery.Transport):
    """Another node whose member `foreign` receives every envelope and signs its receipt."""

    def __init__(self, foreign: Any) -> None:
        super().__init__()
        self.foreign, self.received = foreign, 0

    def post(self, base_url, path, body, headers):
        results = []
        for text in json.loads(body)["messages"]:
            signed = envelope.parse_envelope(text)
            self.received += 1
            receipt = envelope.sign(
                self.foreign.private,
                self.foreign.key_id,
                "receipt",
                {
                    "v": envelope.VERSION,
                    "type": "receipt",
                    "receipt_id": str(uuid.uuid4()),
                    "message_id": signed.body["message_id"],
                    "envelope_sha256": signed.sha256,
                    "sender": self.foreign.code,
                    "receiver": signed.body["sender"],
                    "at": envelope.timestamp(timezone.now()),
                    "outcome": "registered",
                    "reference": f"POL-MKK-1448-{self.received:06d}",
                    "registered_on": timezone.localdate().isoformat(),
                },
            )
            head = json.dumps({"message_id": signed.body["message_id"], "outcome": "accepted"})
            results.append(head[:-1] + ',"receipt":' + receipt.text + "}")
        return 200, {}, ('{"results":[' + ",".join(results) + "]}").encode("utf-8")


def deliver_queries(transport: delivery.Transport) -> tuple[int, delivery.Counts]:
    with CaptureQueriesContext(connection) as ctx:
        counts = delivery.deliver_due(transport=transport)
    return len(ctx), counts


def test_delivering_to_another_node_costs_a_fixed_number_of_queries_per_batch(net, foreign):
    # Claim (5: look, the lease's UPDATE in its transaction, read), the receivers' keys (1),
    # and the settling transaction (9: the rows still to mark, read under lock; one UPDATE
    # of them all; the sender's log in one run of 3; the transactions the letters were sent
    # about, none here) — the same for one letter or five.
    # (In a test, a transaction is a savepoint: 2 statements each.)
    node = ForeignNode(foreign)
    send(net, to=["POL-MKK"])
    deliver_queries(node)  # keys and caches read once
    costs = []
    for letters in (1, 5):
        for _ in range(letters):
            send(net, to=["POL-MKK"])
        cost, counts = deliver_queries(node)
        assert counts.delivered == letters
        costs.append(cost)
    assert costs == [14, 14]
    sent = OutgoingMessage.objects.order_by("id")
    assert {m.state for m in sent} == {"delivered"}
    assert sorted(m.their_reference for m in sent) == [f"POL-MKK-1448-{n:06d}" for n in range(1, 8)]
    # Exactly once: another pass finds nothing due and asks nothing of the other node.
    again, counts = deliver_queries(node)
    assert counts.claimed == 0 and node.received == 7 and again == 1
    assert log.verify_all().ok


def test_delivering_on_this_node_costs_per_letter_only_what_receiving_costs(net):
    # Entities hosted here get their letters in-process (`receiving.accept_many`): a letter
    # costs what receiving it costs (see above); the delivery's own part is per batch.
    per_letter = 3 + REGISTERING
    send(net)
    deliver_queries(delivery.default_transport())  # keys and caches read once
    costs = []
    for letters in (2, 5):
        for _ in range(letters):
            send(net)
        cost, counts = deliver_queries(delivery.default_transport())
        assert counts.delivered == letters
        costs.append(cost)
    # (25: the batch's part, with the read of the transactions the letters were sent about)
    assert costs == [25 + 2 * per_letter, 25 + 5 * per_letter]
    assert log.verify_all().ok
