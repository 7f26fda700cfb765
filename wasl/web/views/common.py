"""What several areas of the workspace share: the entity's units and entities to choose from,
the page that says a person may not act here, and the way a form that acts once answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wasl.directory.models import Entity, Unit
from wasl.registry.models import Transaction

from .. import forms, once
from ..workspace import Workspace


def active_entities() -> list[Entity]:
    return list(Entity.objects.filter(is_active=True).order_by("code"))


def entity_units(txn: Transaction, exclude: int) -> list[Unit]:
    """The active units of the transaction's entity but one: where a step may send it."""
    return list(
        Unit.objects.filter(entity_id=txn.entity_id, is_active=True)
        .exclude(pk=exclude)
        .order_by("code")
    )


def not_allowed(
    request: HttpRequest, ws: Workspace, message: str, *, status: int = 403
) -> HttpResponse:
    return render(request, "web/not_allowed.html", {"ws": ws, "message": message}, status=status)


def expired_form(
    request: HttpRequest, ws: Workspace, make: Callable[[Any], forms.WaslForm]
) -> forms.WaslForm:
    """The form again, with what was typed, a fresh token and a word about why."""
    data = request.POST.copy()
    data["form_token"] = once.new_token(ws.actor.user_id)
    form = make(data)
    form.is_valid()
    form.add_error(None, _("This form has expired. Check it and submit it again."))
    return form


def done_before(request: HttpRequest, result: Any) -> HttpResponse:
    """A second POST of a form that acted already: show what the first one did."""
    messages.info(request, _("This form was already submitted; here is what it did."))
    return redirect("web:transaction", tid=result)
