"""The exchange's staff API at several sizes (1, 2 and 5 receivers; 3 and 8 members): the
number of queries a call runs must not grow with them."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from wasl.directory import services as directory
from wasl.exchange import log, members
from wasl.exchange.models import OutgoingMessage

from .conftest import send
from .test_sending import letter


def queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code in (200, 201), response.content
    return len(ctx)


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
    # To 1, 2 and 5 receivers: the outbox in one INSERT, the sender's log in one run (4).
    assert counts == [33, 33, 33]
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
