"""Schemathesis against the API's own OpenAPI schema: no generated request may give a 500.

Bounded examples keep it within the suite's time budget; every operation is covered, with
valid and invalid data, as an authenticated clerk whose transactions exist.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from wasl.registry.models import Transaction
from wasl.wsgi import application

from .conftest import Cast, make_referred
from .security.report import record

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


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
