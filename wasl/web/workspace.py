"""The person at work: who they are, the units they belong to, and the unit they act for.

A person with several memberships chooses the unit they act for (kept in the session); the
inbox, the register form and the unit shown in the header follow that choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from wasl.core.errors import NotFound
from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Unit

UNIT_SESSION_KEY = "wasl_unit"

# Pages may load only what Wasl serves itself; no inline script or style. Attachments are
# previewed in frames of the same origin; nothing may frame the pages themselves.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; frame-src 'self'; object-src 'none'; "
    "script-src 'self'; style-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@dataclass
class Workspace:
    actor: Actor
    units: list[Unit]
    unit: Unit | None

    @property
    def works_here(self) -> bool:
        return self.unit is not None and self.actor.works_in(self.unit.pk)


def units_of(actor: Actor) -> list[Unit]:
    """The active units the person belongs to, with their entities, in a stable order."""
    if not actor.unit_ids:
        return []
    return list(
        Unit.objects.filter(pk__in=actor.unit_ids)
        .select_related("entity")
        .order_by("entity__code", "code")
    )


def workspace_for(request: HttpRequest) -> Workspace:
    actor = actor_for(request.user)
    units = units_of(actor)
    chosen = request.session.get(UNIT_SESSION_KEY)
    unit = next((u for u in units if str(u.public_id) == chosen), None)
    if unit is None and len(units) == 1:
        unit = units[0]
    return Workspace(actor=actor, units=units, unit=unit)


def choose_unit(request: HttpRequest, unit: Unit) -> None:
    request.session[UNIT_SESSION_KEY] = str(unit.public_id)


def with_csp(response: HttpResponse) -> HttpResponse:
    response.setdefault("Content-Security-Policy", PAGE_CSP)
    response.setdefault("Referrer-Policy", "same-origin")
    return response


View = Callable[..., HttpResponse]


def staff_page(*, needs_unit: bool = True) -> Callable[[View], View]:
    """The guard of every staff page: signed-in staff only (others go to the sign-in page),
    the unit they act for, and one answer for what they may not see.

    Hands the view its Workspace. With ``needs_unit``, a person who belongs to several units
    and has not chosen one is first sent to choose. What the access rule hides
    (`registry.access` raises NotFound for "missing" and "not allowed" alike) is a 404, the
    same on every page and for every object in its address.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("web:signin"))
            ws = workspace_for(request)
            if needs_unit and ws.unit is None and len(ws.units) > 1:
                return redirect_to_login(request.get_full_path(), reverse("web:choose_unit"))
            request.workspace = ws  # type: ignore[attr-defined]
            try:
                response = view(request, ws, *args, **kwargs)
            except NotFound:
                raise Http404 from None
            return with_csp(response)

        return wrapper

    return decorate


def home_redirect() -> HttpResponse:
    return redirect("web:home")
