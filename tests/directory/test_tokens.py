"""`wasl token create USERNAME` prints a bearer token for that person; only its hash is kept."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from wasl.directory.models import ApiToken

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
