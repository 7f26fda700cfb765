"""Answers that carry personal data are never cached, and the settings for running behind a
TLS proxy hold (issue 15, item 5).

`Cache-Control: no-store` on every API answer (success or error, every GET operation of the
OpenAPI schema) and on every page of a signed-in person; the public inquiry's page and API
included. A "leak" is such an answer without it. The proxy settings (TRUST_X_FORWARDED_PROTO,
HSTS, the refusal of DEBUG with PRODUCTION) are checked here in-process; tests/server/
test_serve.py checks them again through the real `wasl serve`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.test import Client, override_settings

from tests.conftest import Cast, make_referred
from tests.security.report import record
from wasl.web.management.commands.serve import refuse_an_unsafe_production

ID = "1058529940"


def concrete(path: str, ids: dict[str, str]) -> str | None:
    """The schema's path with its parameters filled in, or None when one is unknown."""
    filled = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "\0"), path)
    return None if "\0" in filled else filled


def test_every_api_answer_and_signed_in_page_says_no_store(cast: Cast) -> None:
    txn, referral = make_referred(cast)
    ids = {"tid": str(txn.public_id), "rid": str(referral.public_id), "code": "EMK"}
    answers: list[tuple[str, Any]] = []
    api = Client(HTTP_AUTHORIZATION=f"Bearer {cast.clerk.token}")
    schema = api.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        url = concrete(path, ids)
        if "get" in operations and url is not None:
            answers.append((url, api.get(url)))
    public = Client()
    for id_number in (ID, "1001244019", "12"):  # found, not found, malformed
        query = {"reference": txn.reference, "id_number": id_number}
        answers.append(("public inquiry", public.get("/api/v1/public/inquiry", query)))
    answers.append(("no token", Client().get("/api/v1/me")))
    answers.append(("no such endpoint", api.get("/api/v1/nothing-here")))
    answers.append(("public page", public.post("/inquiry/public/", {"reference": txn.reference})))
    answers.append(("exchange", Client().get("/exchange/v1/health")))
    staff = Client()
    staff.force_login(cast.clerk.user)
    for page in ("/", "/inbox/", f"/t/{txn.public_id}/", "/inquiry/?q=تعويض", "/dashboards/me/"):
        answers.append((page, staff.get(page)))
    statuses = {what: response.status_code for what, response in answers}
    assert statuses[f"/api/v1/transactions/{txn.public_id}"] == 200
    assert statuses[f"/t/{txn.public_id}/"] == 200 and statuses["public inquiry"] == 400
    missing = [what for what, response in answers if response.get("Cache-Control") != "no-store"]
    record("personal answers cached", attempts=len(answers), leaks=len(missing))
    assert len(answers) > 20
    assert missing == []


@override_settings(
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
)
def test_behind_a_trusted_proxy_https_is_believed_and_hsts_sent(cast: Cast) -> None:
    client = Client()
    over_tls = client.get("/signin/", HTTP_X_FORWARDED_PROTO="https")
    assert over_tls.status_code == 200  # no redirect loop behind the TLS proxy
    assert over_tls["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = client.get("/signin/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    record("behind a proxy", attempts=2, leaks=0)


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        ({"PRODUCTION": True, "DEBUG": True, "SECRET_KEY": "x" * 50}, True),
        ({"PRODUCTION": True, "DEBUG": False}, True),  # the development key
        ({"PRODUCTION": True, "DEBUG": False, "SECRET_KEY": "x" * 50}, False),
        ({"PRODUCTION": False, "DEBUG": True}, False),
    ],
    ids=["debug", "development key", "production", "development"],
)
def test_production_refuses_debug_and_the_development_key(
    settings: Any, overrides: dict[str, Any], refused: bool
) -> None:
    for name, value in overrides.items():
        setattr(settings, name, value)
    if "SECRET_KEY" not in overrides:
        settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    if refused:
        with pytest.raises(CommandError):
            refuse_an_unsafe_production()
    else:
        refuse_an_unsafe_production()
    record("behind a proxy", attempts=1, leaks=0)
