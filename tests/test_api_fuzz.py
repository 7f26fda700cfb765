"""Schemathesis against the API's own OpenAPI schema: no generated request may give a 500.

Bounded examples keep it within the suite's time budget; every operation is covered, with
valid and invalid data, as an authenticated clerk whose transactions exist.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils import timezone
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from wasl.portal.models import Person
from wasl.portal.people import DEMO_PEOPLE
from wasl.registry import services as registry
from wasl.registry.models import Transaction
from wasl.wsgi import application

from .conftest import Cast, make_referred, make_transaction
from .jalsa.conftest import make_session, signed_in
from .security.report import record

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# The portal's operations, by the portal's session (tests below): as the clerk they are 401.
portal_schema = schema.include(path_regex="^/api/v1/portal/")


@pytest.fixture
def keep_connection(db):
    # Like Django's test client: keep the test's connection (and its transaction) open
    # across the requests schemathesis makes through the WSGI application.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_cast(keep_connection):
    cast = Cast()
    make_referred(cast)
    return cast


def test_the_schema_is_openapi_3_and_documents_errors(client):
    def no_duplicate_keys(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), f"duplicate keys in the schema: {keys}"
        return dict(pairs)

    spec = json.loads(
        client.get("/api/v1/openapi.json").content, object_pairs_hook=no_duplicate_keys
    )
    assert spec["openapi"].startswith("3.")
    post = spec["paths"]["/api/v1/transactions"]["post"]
    assert {"201", "400", "401", "404", "409", "422"} <= set(post["responses"])


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_generated_request_gives_a_server_error(case, fuzz_cast):
    headers = {"Authorization": f"Bearer {fuzz_cast.clerk.token}"}
    # Point path parameters at a real transaction some of the time, so steps run for real.
    if (
        case.path_parameters
        and "tid" in case.path_parameters
        and case.path_parameters["tid"] == "0"
    ):
        case.path_parameters["tid"] = str(Transaction.objects.first().public_id)
    response = case.call(headers=headers)
    record("schemathesis, every operation", attempts=1, errors_5xx=response.status_code >= 500)
    case.validate_response(response, checks=[not_a_server_error])


@pytest.fixture
def portal_person(keep_connection):
    """A citizen signed in to the portal (the session its sign-in writes), with a matter and
    a Jalsa session to book, and a CSRF token for the unsafe methods."""
    cast = Cast()
    citizen = DEMO_PEOPLE[0]
    found = Person.objects.create(
        id_number=citizen.id_number,
        kind="citizen",
        name=citizen.name_ar,
        created_at=timezone.now(),
        last_signed_in_at=timezone.now(),
    )
    make_transaction(
        cast,
        party=registry.Party(type="citizen", name=citizen.name_ar, id_number=citizen.id_number),
    )
    session = signed_in(found).cookies[django_settings.SESSION_COOKIE_NAME].value
    secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return {
        "session": session,
        "csrf": secret,
        "sid": str(make_session(cast).public_id),
    }


@portal_schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_generated_portal_request_gives_a_server_error(case, portal_person):
    """The portal's operations, fuzzed as a signed-in person (their session and CSRF token)."""
    if case.path_parameters and "sid" in case.path_parameters:
        if case.path_parameters["sid"] in ("0", ""):
            case.path_parameters["sid"] = portal_person["sid"]
    response = case.call(
        headers={"X-CSRFToken": portal_person["csrf"]},
        cookies={
            django_settings.SESSION_COOKIE_NAME: portal_person["session"],
            django_settings.CSRF_COOKIE_NAME: portal_person["csrf"],
        },
    )
    record("schemathesis, every operation", attempts=1, errors_5xx=response.status_code >= 500)
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code != 401, "the person's session was not taken"
