"""The portal's tests sign in through a real OpenID Connect provider: the demo provider
(`python -m wasl.portal.provider`, oidc-provider-mock) run as its own process on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from tests.conftest import Cast, make_transaction
from wasl.portal.people import DEMO_PEOPLE
from wasl.registry import services as registry

CITIZEN, CITIZEN_2, RESIDENT, _ = DEMO_PEOPLE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def provider() -> Iterator[str]:
    """The provider's issuer URL; the process is stopped when the tests end."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "wasl.portal.provider", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "the OIDC provider process exited"
                assert time.monotonic() < deadline, "the OIDC provider did not start"
                time.sleep(0.2)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def sso(settings: Any, provider: str) -> str:
    settings.WASL_OIDC_ISSUER = provider
    settings.WASL_OIDC_CLIENT_ID = "wasl-test"
    settings.WASL_OIDC_CLIENT_SECRET = "wasl-test-secret"
    return provider


def authorize(location: str, sub: str) -> str:
    """At the provider, sign in as `sub`: the redirect back to Wasl (path and query)."""
    answer = requests.post(location, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in(client: Client, sub: str) -> Any:
    """The whole sign-in of `sub` through the provider; the callback's answer."""
    start = client.get("/portal/signin/")
    assert start.status_code == 302, start.content[:500]
    return client.get(authorize(start["Location"], sub))


def browser_in(
    chromium: Any, live_server: Any, language: str, viewport: Any, *, axe: bool = True
) -> Any:
    """A browser context with the person's language chosen on Wasl (its cookie) at `viewport`,
    and its page; our CSP bypassed when axe-core's script is to be injected."""
    context = chromium.new_context(
        base_url=live_server.url, locale="ar-SA", viewport=viewport, bypass_csp=axe
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context, context.new_page()


@pytest.fixture
def matters(cast: Cast) -> dict[str, Any]:
    """Matters of the first demo citizen in two entities, one of them confidential, and one
    of someone else."""
    mine = make_transaction(
        cast,
        subject="طلب تعويض عن أرض منزوعة",
        party=registry.Party(type="citizen", name=CITIZEN.name_ar, id_number=CITIZEN.id_number),
    )
    secret = make_transaction(
        cast,
        confidentiality="confidential",
        subject="بلاغ سري عن مخالفة",
        party=registry.Party(type="citizen", name=CITIZEN.name_ar, id_number=CITIZEN.id_number),
    )
    elsewhere = make_transaction(
        cast,
        by=cast.outsider,
        unit=cast.amanah_registry,
        subject="طلب رخصة بناء",
        party=registry.Party(type="citizen", name=CITIZEN.name_ar, id_number=CITIZEN.id_number),
    )
    other = make_transaction(
        cast,
        subject="معاملة شخص آخر",
        party=registry.Party(type="citizen", name=CITIZEN_2.name_ar, id_number=CITIZEN_2.id_number),
    )
    # The unit asks for a document: "my matters" shows what is asked (and its page is checked
    # with axe-core with it).
    registry.request_document(cast.clerk.actor, mine.public_id, document="صورة صك الملكية مصدقة")
    return {"mine": mine, "secret": secret, "elsewhere": elsewhere, "other": other}
