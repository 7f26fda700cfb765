"""The exchange's staff API at two sizes (1 and 2 receivers; 3 and 8 members): the number of
queries a call runs must not grow with them. Written beside the exchange's rewrite; a call
that still grows is marked `xfail(strict=True)` with what it costs, so that the pin turns
into a failure to remove the mark as soon as the rewrite fixes it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wasl.directory import services as directory
from wasl.exchange import members

from .conftest import send
from .test_sending import letter


def queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code in (200, 201), response.content
    return len(ctx)


@pytest.mark.xfail(
    strict=True,
    reason="sending grows with its receivers: 24 queries to one, 27 to two (exchange rewrite)",
)
def test_sending_a_letter_does_not_grow_with_its_receivers(net, api):
    api(net.clerk).post("/exchange/letters", letter(net))  # keys and caches read once
    one = queries(lambda: api(net.clerk).post("/exchange/letters", letter(net, cc=[])))
    two = queries(lambda: api(net.clerk).post("/exchange/letters", letter(net)))
    assert one == two


def test_the_deliveries_of_a_letter_do_not_grow_with_its_receivers(net, api):
    to_one = send(net).transaction
    to_two = send(net, cc=["GOV-JED"]).transaction
    one = queries(lambda: api(net.clerk).get(f"/exchange/transactions/{to_one.public_id}"))
    two = queries(lambda: api(net.clerk).get(f"/exchange/transactions/{to_two.public_id}"))
    assert one == two == 5


def test_the_member_directory_does_not_grow_with_the_members(net, api):
    three = queries(lambda: api(net.clerk).get("/exchange/members"))
    for i in range(5):
        entity, _ = directory.ensure_entity(
            code=f"ENT-{i}", kind="other", name_ar=f"جهة رقم {i}", name_en=f"Entity {i}"
        )
        directory.ensure_unit(
            entity=entity, code="REG", name_ar="الاتصالات", name_en="Registry", is_registry=True
        )
        members.join(entity)
    eight = queries(lambda: api(net.clerk).get("/exchange/members"))
    assert three == eight == 3


def test_a_proof_does_not_grow_with_the_receivers(net, api):
    one = send(net).messages[0].message_id
    two = send(net, cc=["GOV-JED"]).messages[0].message_id
    a = queries(lambda: api(net.clerk).get(f"/exchange/messages/{one}/proof"))
    b = queries(lambda: api(net.clerk).get(f"/exchange/messages/{two}/proof"))
    assert a == b
