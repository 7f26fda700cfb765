"""Sending reads the directory afresh for every letter: a revocation, or a change made
behind the services' back, takes effect at the next one."""

from __future__ import annotations

import pytest
from django.db import connection

from wasl.core.errors import InvalidInput
from wasl.exchange import members

from .conftest import send


def test_a_revocation_after_a_letter_refuses_the_next(net):
    send(net)
    members.revoke_member("AMN-JED", "انتقلت إلى عقدة أخرى")
    with pytest.raises(InvalidInput) as refused:
        send(net)
    assert refused.value.code == "receiver_revoked"


def test_a_change_made_behind_the_services_back_is_seen(net):
    send(net)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE exchange_member SET is_active = %s WHERE code = %s", [False, "AMN-JED"]
        )
    with pytest.raises(InvalidInput) as refused:
        send(net)
    assert refused.value.code == "receiver_revoked"


def test_a_receiving_entity_made_inactive_after_a_letter_refuses_the_next(net):
    send(net)
    net.amanah.is_active = False
    net.amanah.save(update_fields=["is_active"])
    with pytest.raises(InvalidInput) as refused:
        send(net)
    assert refused.value.code == "unknown_entity"
