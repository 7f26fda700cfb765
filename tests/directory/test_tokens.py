"""`wasl token create USERNAME` prints a bearer token for that person; only its hash is kept."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from wasl.directory import services as directory
from wasl.directory.models import ApiToken, Membership
from wasl.directory.tokens import create_token, user_for_token

from ..conftest import Api


def test_a_created_token_opens_the_api_as_that_person(cast):
    out = io.StringIO()
    call_command("token", "create", "rights_clerk", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("wasl_") and len(token) > 40
    stored = ApiToken.objects.get(prefix=token[:12])
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken.objects.values_list("key_hash", "prefix", "label"))
    client = Api(None)
    client.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    me = client.get("/me").json()
    assert me["username"] == "rights_clerk"
    assert me["memberships"][0]["role"] == "clerk"


def test_revoked_tokens_stop_working(cast):
    client = Api(cast.clerk)
    assert client.get("/me").status_code == 200
    call_command("token", "revoke", "clerk", stdout=io.StringIO())
    assert client.get("/me").status_code == 401


def test_a_token_for_an_unknown_person_is_refused(cast):
    with pytest.raises(CommandError, match="No active user"):
        call_command("token", "create", "nobody", stdout=io.StringIO())


SIZES = [1, 10]


@pytest.mark.parametrize("size", SIZES)
def test_who_am_i_costs_two_queries_whatever_the_memberships(cast, size, django_assert_num_queries):
    """One query resolves the token with the person and their memberships; one reads the
    units to name them."""
    for i in range(size - 1):
        unit, _ = directory.ensure_unit(
            entity=cast.emk, code=f"U{i}", name_ar=f"الإدارة رقم {i}", name_en=f"Unit {i}"
        )
        directory.grant(cast.clerk.user, unit, "clerk")
    with django_assert_num_queries(2):
        me = Api(cast.clerk).get("/me").json()
    assert me["name"] == "سعد الحربي"
    assert len(me["memberships"]) == size
    with django_assert_num_queries(2):
        units = Api(cast.clerk).get("/units").json()
    assert len(units) == 3 + size - 1


def test_only_active_memberships_in_active_units_count(cast):
    """The token's one query reads every membership row; the rule of which count is the
    same as for a signed-in person."""
    from wasl.directory.actors import actor_for

    cast.security.is_active = False
    cast.security.save()
    directory.grant(cast.clerk.user, cast.security, "clerk")
    directory.grant(cast.clerk.user, cast.rights, "clerk")
    Membership.objects.filter(user=cast.clerk.user, unit=cast.rights).update(is_active=False)
    me = Api(cast.clerk).get("/me").json()
    assert [m["unit"] for m in me["memberships"]] == [str(cast.registry.public_id)]
    assert actor_for(user_for_token(cast.clerk.token)) == cast.clerk.actor


def test_a_person_without_memberships_is_known_but_sees_nothing(cast):
    directory.ensure_person(username="newcomer", first_name="جديد", last_name="")
    client = Api(None)
    client.headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token('newcomer')}"}
    assert client.get("/me").json()["memberships"] == []
    assert client.get("/transactions").json() == {"count": 0, "items": []}


def test_an_inactive_person_s_token_is_refused(cast):
    cast.clerk.user.is_active = False
    cast.clerk.user.save()
    assert Api(cast.clerk).get("/me").status_code == 401
    assert user_for_token(cast.clerk.token) is None
