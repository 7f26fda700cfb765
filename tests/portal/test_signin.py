"""Signing in to the portal through the national single sign-on (a real provider process)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests
from authlib.integrations.django_client import DjangoOAuth2App
from django.test import Client
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.security.report import record
from wasl.audit.models import AuditRecord
from wasl.portal.models import Person

from .conftest import CITIZEN, RESIDENT, authorize, sign_in

REFUSED_AR = "تعذّر إكمال تسجيل الدخول"
REFUSED_EN = "Signing in could not be completed"


def refused_page(response: Any) -> None:
    text = response.content.decode()
    assert response.status_code == 400, text[:500]
    assert REFUSED_AR in text and REFUSED_EN in text


def test_a_citizen_signs_in_and_lands_on_their_matters(db: Any) -> None:
    client = Client()
    answer = sign_in(client, CITIZEN.subject)
    assert answer.status_code == 302 and answer["Location"] == "/portal/matters/"
    page = client.get("/portal/matters/")
    assert page.status_code == 200
    assert CITIZEN.name_ar in page.content.decode()
    person = Person.objects.get()
    assert (person.id_number, person.kind, person.phone) == (
        CITIZEN.id_number,
        "citizen",
        CITIZEN.phone,
    )
    actions = list(AuditRecord.objects.filter(chain="portal").values_list("action", flat=True))
    assert actions == ["portal.person.created", "portal.person.signed_in"]


def test_a_resident_signs_in_with_an_iqama(db: Any) -> None:
    client = Client()
    assert sign_in(client, RESIDENT.subject)["Location"] == "/portal/matters/"
    assert Person.objects.get().kind == "resident"


def test_a_second_sign_in_keeps_one_account(db: Any) -> None:
    sign_in(Client(), CITIZEN.subject)
    sign_in(Client(), CITIZEN.subject)
    assert Person.objects.count() == 1


def test_a_changed_state_is_refused_with_a_message_in_both_languages(db: Any) -> None:
    client = Client()
    start = client.get("/portal/signin/")
    back = authorize(start["Location"], CITIZEN.subject)
    path, query = back.split("?", 1)
    params = parse_qs(query)
    params["state"] = ["forged-state-value"]
    refused_page(client.get(f"{path}?{urlencode(params, doseq=True)}"))
    assert client.get("/portal/matters/").status_code == 302
    assert Person.objects.count() == 0


def test_a_callback_nobody_started_is_refused(db: Any) -> None:
    refused_page(Client().get("/portal/signin/callback/?code=abc&state=xyz"))
    refused_page(Client().get("/portal/signin/callback/"))


def test_a_callback_used_twice_is_refused(db: Any) -> None:
    client = Client()
    start = client.get("/portal/signin/")
    back = authorize(start["Location"], CITIZEN.subject)
    assert client.get(back).status_code == 302
    refused_page(Client().get(back))  # another browser replays the same address
    refused_page(client.get(back))


def test_a_nonce_changed_on_the_way_to_the_provider_is_refused(db: Any) -> None:
    client = Client()
    start = urlsplit(client.get("/portal/signin/")["Location"])
    params = parse_qs(start.query)
    params["nonce"] = ["attacker-nonce"]
    tampered = urlunsplit(start._replace(query=urlencode(params, doseq=True)))
    refused_page(client.get(authorize(tampered, CITIZEN.subject)))
    assert Person.objects.count() == 0


def _with_id_token(monkeypatch: Any, change: Any) -> None:
    real = DjangoOAuth2App.fetch_access_token

    def fetch(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = real(self, *args, **kwargs)
        token["id_token"] = change(token["id_token"])
        return token

    monkeypatch.setattr(DjangoOAuth2App, "fetch_access_token", fetch)


def _claims(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    import base64
    import json

    head, body, _sig = id_token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(head))),
        json.loads(base64.urlsafe_b64decode(pad(body))),
    )


def test_forged_id_tokens_are_refused(db: Any, monkeypatch: Any) -> None:
    """Signed by another key under the provider's key id, a changed payload under the real
    signature, no signature at all, not a token: each refused, nobody signed in."""
    attacker = RSAKey.generate_key(2048)

    def resigned(id_token: str) -> str:
        header, claims = _claims(id_token)
        claims["national_id"] = RESIDENT.id_number
        return jwt.encode({"alg": "RS256", "kid": header.get("kid")}, claims, attacker)

    def swapped_payload(id_token: str) -> str:
        import base64
        import json

        head, _body, sig = id_token.split(".")
        _h, claims = _claims(id_token)
        claims["national_id"] = RESIDENT.id_number
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{head}.{body}.{sig}"

    def unsigned(id_token: str) -> str:
        import base64
        import json

        _h, claims = _claims(id_token)
        enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
        return f"{enc({'alg': 'none'})}.{enc(claims)}."

    forgeries = [resigned, swapped_payload, unsigned, lambda _t: "not-a-token"]
    errors_5xx = leaks = 0
    for forge in forgeries:
        with monkeypatch.context() as m:
            _with_id_token(m, forge)
            client = Client()
            answer = sign_in(client, CITIZEN.subject)
            errors_5xx += answer.status_code >= 500
            refused_page(answer)
            leaks += client.get("/portal/matters/").status_code == 200
    assert Person.objects.count() == 0
    record(
        "portal: forged ID tokens",
        attempts=len(forgeries),
        leaks=leaks + Person.objects.count(),
        errors_5xx=errors_5xx,
    )


def test_an_id_claim_with_a_wrong_check_digit_is_refused(db: Any, sso: str) -> None:
    bad = CITIZEN.id_number[:-1] + str((int(CITIZEN.id_number[-1]) + 1) % 10)
    requests.put(
        f"{sso}/users/bad-check-digit",
        json={"national_id": bad, "name": "x"},
        timeout=5,
    ).raise_for_status()
    answer = sign_in(Client(), "bad-check-digit")
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "رقم التحقق" in text and "check digit" in text
    assert Person.objects.count() == 0


def test_an_id_claim_that_is_missing_is_refused(db: Any, sso: str) -> None:
    requests.put(f"{sso}/users/no-id", json={"name": "x"}, timeout=5).raise_for_status()
    answer = sign_in(Client(), "no-id")
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "لم يرسل الدخول الوطني رقم هوية" in text and "did not send a valid ID" in text
    assert Person.objects.count() == 0


def test_a_provider_that_cannot_be_reached_is_said_plainly(db: Any, settings: Any) -> None:
    from .conftest import free_port

    settings.WASL_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"
    answer = Client().get("/portal/signin/")
    text = answer.content.decode()
    assert answer.status_code == 503
    assert "غير متاحة" in text and "not available" in text


def test_the_session_ends_after_its_lifetime_and_when_idle(db: Any, settings: Any) -> None:
    client = Client()
    sign_in(client, CITIZEN.subject)
    session = client.session
    held = session["wasl_portal"]
    held["seen"] -= settings.WASL_PORTAL_IDLE_SECONDS + 1
    session["wasl_portal"] = held
    session.save()
    answer = client.get("/portal/matters/", follow=True)
    assert answer.redirect_chain[0] == ("/portal/", 302)
    assert "Your session has ended" in answer.content.decode() or "انتهت جلستك" in (
        answer.content.decode()
    )

    client = Client()
    sign_in(client, CITIZEN.subject)
    session = client.session
    held = session["wasl_portal"]
    held["since"] -= settings.WASL_PORTAL_SESSION_SECONDS + 1
    session["wasl_portal"] = held
    session.save()
    assert client.get("/portal/matters/").status_code == 302


def test_signing_out_ends_the_session_here_and_at_the_provider(db: Any, sso: str) -> None:
    client = Client()
    sign_in(client, CITIZEN.subject)
    old_key = client.session.session_key
    answer = client.post("/portal/signout/")
    assert answer.status_code == 302
    target = urlsplit(answer["Location"])
    assert f"{target.scheme}://{target.netloc}" == sso
    assert target.path == "/oauth2/end_session"
    params = parse_qs(target.query)
    assert params["post_logout_redirect_uri"] == ["http://testserver/portal/"]
    assert params["id_token_hint"][0].count(".") == 2
    assert client.get("/portal/matters/").status_code == 302
    assert client.session.session_key != old_key


def test_a_citizen_never_reaches_staff_pages_the_admin_or_the_api(db: Any) -> None:
    client = Client()
    sign_in(client, CITIZEN.subject)
    assert client.get("/portal/matters/").status_code == 200
    staff_pages = ["/inbox/", "/register/", "/inquiry/", "/dashboards/", "/admin/"]
    reached = 0
    for path in staff_pages:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert "signin" in answer["Location"] or "login" in answer["Location"], path
    api = client.get("/api/v1/me")
    assert api.status_code == 401
    reached += api.status_code == 200
    record(
        "portal: citizen session on staff pages and API",
        attempts=len(staff_pages) + 1,
        leaks=reached,
    )


def test_an_expired_id_token_is_refused(db: Any, monkeypatch: Any) -> None:
    """The provider's tokens live an hour: read two hours later (the checker's clock moved
    on, past authlib's two minutes of leeway), the ID token has expired."""
    import time

    from joserfc._rfc7519 import claims as jwt_claims

    monkeypatch.setattr(jwt_claims, "_generate_now", lambda: int(time.time()) + 2 * 3600)
    client = Client()
    refused_page(sign_in(client, CITIZEN.subject))
    assert Person.objects.count() == 0


def test_saying_no_at_the_provider_is_told_as_a_cancelled_sign_in(db: Any) -> None:
    client = Client()
    start = client.get("/portal/signin/")
    denied = requests.post(
        start["Location"], data={"action": "deny"}, allow_redirects=False, timeout=10
    )
    back = urlsplit(denied.headers["Location"])
    assert "error=access_denied" in back.query
    answer = client.get(f"{back.path}?{back.query}")
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "ألغيته" in text and "cancelled at the national single sign-on" in text
    assert client.get("/portal/matters/").status_code == 302
