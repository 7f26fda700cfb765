"""Signing in and out, the language, and the unit a person acts for."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.i18n import set_language

from wasl.directory.actors import actor_for

from .. import labels
from ..signin import SignInForm, set_device_cookie
from ..workspace import Workspace, choose_unit, staff_page, units_of, with_csp
from .inbox import inbox


class SignInView(auth_views.LoginView):
    """تسجيل الدخول — Django's sign-in with the lock-out of `signin.SignInForm`."""

    template_name = "web/signin.html"
    form_class = SignInForm
    redirect_authenticated_user = True
    next_page = "web:home"

    def form_valid(self, form: Any) -> HttpResponse:
        return set_device_cookie(self.request, super().form_valid(form))  # type: ignore[return-value]

    def get_success_url(self) -> str:
        url = super().get_success_url()
        units = units_of(actor_for(self.request.user))
        if len(units) > 1:
            return f"{reverse('web:choose_unit')}?{urlencode({'next': url})}"
        return url

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        return with_csp(response)  # type: ignore[arg-type]


class SignOutView(auth_views.LogoutView):
    """تسجيل الخروج — a POST signs out; a GET (a typed or followed address) shows the
    button to do it rather than an empty "method not allowed"."""

    next_page = "web:home"
    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("web:home")
        return with_csp(render(request, "web/signout.html"))


# The language switch is remembered across visits: Django's cookie lasts only as long as
# the browser's session unless settings.LANGUAGE_COOKIE_AGE says otherwise.
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def switch_language(request: HttpRequest) -> HttpResponseBase:
    """Django's `set_language`, with a cookie that outlives the browser's session. (A GET
    changes nothing and goes back, as `set_language` does.)"""
    response = set_language(request)
    cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie is not None and settings.LANGUAGE_COOKIE_AGE is None:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            cookie.value,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def home(request: HttpRequest) -> HttpResponseBase:
    """`/`: the sign-in page for strangers, the inbox for signed-in staff."""
    if not request.user.is_authenticated:
        return SignInView.as_view()(request)
    return inbox(request)


@staff_page(needs_unit=False)
def unit_choice(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """اختيار الإدارة — the unit a person with several memberships acts for."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    error = ""
    if request.method == "POST":
        chosen = next((u for u in ws.units if str(u.public_id) == request.POST.get("unit")), None)
        if chosen is not None:
            choose_unit(request, chosen)
            return HttpResponseRedirect(next_url or reverse("web:home"))
        error = _("Choose one of your units.")
    roles: dict[int, list[str]] = {}
    for unit_id, _entity_id, role in ws.actor.memberships:
        roles.setdefault(unit_id, []).append(labels.label(labels.ROLES, role))
    return render(
        request,
        "web/choose_unit.html",
        {
            "ws": ws,
            "choices": [(u, roles.get(u.pk, [])) for u in ws.units],
            "next": next_url,
            "error": error,
        },
        status=400 if error else 200,
    )
