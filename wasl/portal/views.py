"""Pages of Tawasul, the citizen's portal: sign-in (national SSO, or a demo code), sign-out,
my matters, and the person's own documents. Views parse, call one service or query, render."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wasl.core.errors import WaslError
from wasl.registry import attachments as attachment_files

from . import app_shell, oidc, queries, services, sessions
from .models import DemoTextMessage, Person

# As the staff pages' policy (wasl.web.workspace.PAGE_CSP): only what Wasl serves itself.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; "
    "style-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self' {provider}; "
    "frame-ancestors 'none'"
)
# The demo code sign-in in progress: the ID number a code was sent for, and its phone's end.
CODE_SESSION_KEY = "wasl_portal_code_for"
LAST4_SESSION_KEY = "wasl_portal_code_phone"


def _headers(response: HttpResponseBase) -> HttpResponseBase:
    # The sign-out form goes on to the provider's end_session: allow that one origin.
    response.setdefault(
        "Content-Security-Policy", PAGE_CSP.format(provider=settings.WASL_OIDC_ISSUER).strip()
    )
    response.setdefault("Referrer-Policy", "same-origin")
    return response


View = Callable[..., HttpResponseBase]


def person_page(view: View) -> View:
    """The guard of the portal's own pages: a signed-in person (a portal session, never a
    staff account) or the sign-in page, saying so when the session has ended."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        person, expired = sessions.current_person(request)
        if person is None:
            if expired:
                messages.info(
                    request, _("Your session has ended. Sign in again to follow your matters.")
                )
            return redirect("portal:home")
        return _headers(view(request, person, *args, **kwargs))

    return wrapper


def _signin_page(
    request: HttpRequest, *, error: WaslError | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/signin.html",
        {
            "error": error,
            "sso_ready": oidc.configured(),
            "demo_codes": settings.WASL_PORTAL_DEMO_CODES,
        },
        status=error.status if error else status,
    )


@require_GET
def home(request: HttpRequest) -> HttpResponseBase:
    """تواصل — the sign-in page, or the person's matters once signed in."""
    person, expired = sessions.current_person(request)
    if person is not None:
        return redirect("portal:matters")
    if expired:
        messages.info(request, _("Your session has ended. Sign in again to follow your matters."))
    return _headers(_signin_page(request))


@require_GET
def signin(request: HttpRequest) -> HttpResponseBase:
    """To the national single sign-on."""
    try:
        return oidc.begin(request, request.build_absolute_uri(reverse("portal:callback")))
    except WaslError as error:
        return _headers(_signin_page(request, error=error))


@require_GET
def callback(request: HttpRequest) -> HttpResponseBase:
    """Back from the national single sign-on: the state, the code, the ID token checked."""
    try:
        claims, id_token = oidc.finish(request)
        person = services.sign_in_with_claims(claims)
    except WaslError as error:
        return _headers(_signin_page(request, error=error))
    sessions.sign_in(request, person, via="oidc", id_token=id_token)
    return redirect("portal:matters")


@require_http_methods(["GET", "POST"])
def signout(request: HttpRequest) -> HttpResponseBase:
    """A POST ends the portal session, then the provider's session when it offers
    end_session; a GET (a followed link) goes home without signing anyone out."""
    if request.method != "POST":
        return redirect("portal:home")
    held = sessions.sign_out(request)
    messages.info(request, _("You have signed out."))
    if held.get("via") == "oidc":
        url = oidc.end_session_url(
            str(held.get("id_token") or ""), request.build_absolute_uri(reverse("portal:home"))
        )
        if url:
            return redirect(url)
    return redirect("portal:home")


@person_page
def matters(request: HttpRequest, person: Person) -> HttpResponse:
    """معاملاتي — every matter that concerns the person, in every entity of the region."""
    return render(
        request,
        "portal/matters.html",
        {"person": person, "matters": queries.my_matters(person)},
    )


@person_page
def document(request: HttpRequest, person: Person, did: Any) -> HttpResponseBase:
    """One of the person's own documents; any other is "not found", as a missing one is."""
    att = queries.own_documents(person).filter(public_id=did).first()
    if att is None or not attachment_files.blob_path(att.sha256).exists():
        raise Http404
    response = FileResponse(
        attachment_files.blob_path(att.sha256).open("rb"),
        as_attachment=True,
        filename=att.filename,
        content_type=att.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _demo_only() -> None:
    if not settings.WASL_PORTAL_DEMO_CODES:
        raise Http404


@require_http_methods(["GET", "POST"])
def code_signin(request: HttpRequest) -> HttpResponseBase:
    """Demo only: a one-time code to the demo phone of a demo person, then the code."""
    _demo_only()
    context: dict[str, Any] = {"step": "id", "id_number": ""}
    status = 200
    pending = request.session.get(CODE_SESSION_KEY)
    if request.method == "POST" and request.POST.get("step") == "code" and pending:
        try:
            person = services.sign_in_with_code(pending, request.POST.get("code", ""))
        except WaslError as error:
            context.update(step="code", error=error, last4=request.session.get(LAST4_SESSION_KEY))
            status = error.status
        else:
            request.session.pop(CODE_SESSION_KEY, None)
            request.session.pop(LAST4_SESSION_KEY, None)
            sessions.sign_in(request, person, via="demo_code")
            return redirect("portal:matters")
    elif request.method == "POST":
        id_number = request.POST.get("id_number", "")[:32]
        try:
            number, last4 = services.send_demo_code(id_number)
        except WaslError as error:
            context.update(error=error, id_number=id_number)
            status = error.status
        else:
            request.session[CODE_SESSION_KEY] = number
            request.session[LAST4_SESSION_KEY] = last4
            context.update(step="code", last4=last4)
    return _headers(render(request, "portal/code.html", context, status=status))


@require_GET
def demo_phone(request: HttpRequest) -> HttpResponseBase:
    """Demo only: the demo phones' text messages of the last ten minutes."""
    _demo_only()
    texts = DemoTextMessage.objects.filter(
        created_at__gte=timezone.now() - timedelta(minutes=10)
    ).order_by("-created_at", "-id")[:20]
    return _headers(render(request, "portal/demo_phone.html", {"texts": texts}))


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: Tawasul installed on a phone's home screen."""
    return HttpResponse(
        json.dumps(app_shell.manifest(), ensure_ascii=False, indent=1),
        content_type="application/manifest+json; charset=utf-8",
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /portal/ so that its scope is the portal and no
    wider. Never kept by a cache between here and the phone: a new version reaches people
    at their next visit."""
    config = json.dumps(app_shell.shell(), ensure_ascii=False)
    response = HttpResponse(
        render_to_string("portal/sw.js", {"config": config, "scope": reverse("portal:home")}),
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest, language: str) -> HttpResponseBase:
    """The notice the service worker shows when a page cannot be reached, in each language."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return _headers(HttpResponse(app_shell.offline_page(language)))
