"""Wasl as an OpenID Connect relying party of the national single sign-on (authlib).

authlib keeps the state, the nonce and the PKCE verifier of each sign-in in the session,
refuses a callback whose state it did not issue, checks the ID token's signature against the
provider's published keys, and its issuer, audience, expiry and nonce. Everything it refuses
reaches the person as one `SignInRefused`, in Arabic and English, never as a 500.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from joserfc.errors import JoseError

from wasl.core.errors import WaslError

log = logging.getLogger(__name__)

NAME = "national_sso"


class SignInRefused(WaslError):
    """The sign-in did not complete: what the person sees, never why in detail."""

    status = 400


def refused() -> SignInRefused:
    return SignInRefused(
        "تعذّر إكمال تسجيل الدخول: انتهت صلاحية الطلب أو لم يمكن التحقق منه. ابدأ تسجيل الدخول من جديد.",
        "Signing in could not be completed: the request expired or could not be verified. "
        "Start signing in again.",
        code="signin_refused",
    )


def cancelled() -> SignInRefused:
    return SignInRefused(
        "لم يكتمل تسجيل الدخول لأنك ألغيته في صفحة الدخول الوطني الموحد. يمكنك البدء من جديد.",
        "You did not finish signing in: it was cancelled at the national single sign-on. "
        "You can start again.",
        code="signin_cancelled",
    )


def unavailable() -> SignInRefused:
    return SignInRefused(
        "خدمة الدخول الوطني الموحد غير متاحة الآن. حاول بعد قليل.",
        "The national single sign-on is not available now. Try again in a moment.",
        code="signin_unavailable",
        status=503,
    )


_apps: dict[tuple[str, str, str, str], DjangoOAuth2App] = {}


def configured() -> bool:
    return bool(settings.WASL_OIDC_ISSUER and settings.WASL_OIDC_CLIENT_ID)


def client() -> DjangoOAuth2App:
    """The provider's client, built from the settings (one per configuration and process:
    it caches the provider's discovery document and keys)."""
    if not configured():
        raise unavailable()
    key = (
        settings.WASL_OIDC_ISSUER,
        settings.WASL_OIDC_CLIENT_ID,
        settings.WASL_OIDC_CLIENT_SECRET,
        settings.WASL_OIDC_SCOPES,
    )
    app = _apps.get(key)
    if app is None:
        registry = OAuth()
        app = registry.register(
            name=NAME,
            client_id=settings.WASL_OIDC_CLIENT_ID,
            client_secret=settings.WASL_OIDC_CLIENT_SECRET,
            server_metadata_url=f"{settings.WASL_OIDC_ISSUER}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.WASL_OIDC_SCOPES,
                "code_challenge_method": "S256",
                "timeout": 10,
            },
        )
        _apps[key] = app
    return app


def begin(request: HttpRequest, redirect_uri: str) -> HttpResponseRedirect:
    """Send the person to the provider; state, nonce and PKCE verifier stay in the session."""
    try:
        return client().authorize_redirect(request, redirect_uri)  # type: ignore[no-any-return]
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        log.warning("OIDC provider unreachable at sign-in: %s", exc)
        raise unavailable() from exc


def finish(request: HttpRequest) -> tuple[dict[str, Any], str]:
    """The verified claims of the ID token of this callback, and the raw ID token (the hint
    for signing out at the provider). Raises SignInRefused for anything not as issued."""
    if request.GET.get("error") == "access_denied":
        # The person said no at the provider: say so (their state, if the provider sends it
        # back, is forgotten; one it does not send expires with the hour authlib keeps it).
        if request.GET.get("state"):
            client().framework.clear_state_data(request.session, request.GET["state"])
        raise cancelled()
    try:
        token = client().authorize_access_token(request)
    except (AuthlibBaseError, JoseError) as exc:
        log.warning("OIDC sign-in refused: %s", exc)
        raise refused() from exc
    except (requests.RequestException, ValueError) as exc:
        log.warning("OIDC provider failed during sign-in: %s", exc)
        raise unavailable() from exc
    claims = token.get("userinfo")
    if not claims or not isinstance(token.get("id_token"), str):
        # authlib checks an ID token only when one comes back: none is a refusal too.
        raise refused()
    return dict(claims), token["id_token"]


def end_session_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to sign out at the provider too, when it offers end_session; None otherwise."""
    if not configured():
        return None
    try:
        metadata = client().load_server_metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        result = client().create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=id_token or None,
            client_id=settings.WASL_OIDC_CLIENT_ID,
        )
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        log.warning("OIDC provider unreachable at sign-out: %s", exc)
        return None
    return str(result["url"])
