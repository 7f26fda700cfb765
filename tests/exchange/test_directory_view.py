"""Sending keeps what it read of the directory while the directory's version token holds:
every change of a node, member or key — through the services, the ORM or raw SQL, committed
or rolled back — gives a new token, and the next letter reads afresh."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from wasl.core.errors import InvalidInput
from wasl.directory.models import Entity
from wasl.exchange import lookup, members
from wasl.exchange.models import DirectoryVersion, Member, MemberKey

from .conftest import send


@pytest.fixture(autouse=True)
def fresh_views():
    lookup.forget()
    yield
    lookup.forget()


def directory_reads(queries):
    return [
        q["sql"] for q in queries if "exchange_member" in q["sql"] or "exchange_node" in q["sql"]
    ]


def token():
    return DirectoryVersion.objects.values_list("token", flat=True).first()


def test_a_second_letter_reads_only_the_version_token(net):
    send(net)
    with CaptureQueriesContext(connection) as seen:
        send(net)
    assert directory_reads(seen.captured_queries) == []
    versions = [q for q in seen.captured_queries if "exchange_directoryversion" in q["sql"]]
    assert len(versions) == 1


def test_every_kind_of_directory_change_gives_a_new_token(net):
    before = token()
    assert before  # joining the members wrote it
    seen = {before}
    amanah = Member.objects.get(code="AMN-JED")
    changes = [
        lambda: members.rotate_key("AMN-JED"),
        lambda: Member.objects.filter(pk=amanah.pk).update(inbox_unit=None),
        lambda: MemberKey.objects.filter(member=amanah, valid_until__isnull=False).delete(),
        lambda: connection.cursor().execute(
            "UPDATE exchange_node SET name = 'عقدة' WHERE is_self = %s", [True]
        ),
        lambda: Entity.objects.filter(code="GOV-JED").update(name_en="Jeddah Governorate"),
    ]
    for change in changes:
        change()
        now = token()
        assert now not in seen
        seen.add(now)


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


def test_what_was_read_inside_a_rolled_back_change_is_not_kept(net):
    send(net)
    before = token()
    with pytest.raises(RuntimeError), transaction.atomic():
        members.revoke_member("AMN-JED", "تجربة")
        assert lookup.directory().member("AMN-JED").is_active is False
        raise RuntimeError("undo")
    assert token() == before
    assert lookup.directory().member("AMN-JED").is_active is True
    send(net)  # sent: the revocation never happened


def test_a_receiving_entity_made_inactive_after_a_letter_refuses_the_next(net):
    send(net)
    net.amanah.is_active = False
    net.amanah.save(update_fields=["is_active"])
    with pytest.raises(InvalidInput) as refused:
        send(net)
    assert refused.value.code == "unknown_entity"
