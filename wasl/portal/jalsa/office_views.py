"""The office's pages of Jalsa (staff side): the day's list with attendance and outcome, the
office's coming sessions, and the form that publishes a session. Every read goes through the
access rule (queries.sessions_for / bookings_for); views parse, call one service, render."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wasl.core.errors import InvalidInput, NotFound, WaslError
from wasl.web.workspace import Workspace, staff_page

from . import queries, services
from .presenters import error_text

FIELDS = (
    "official_ar",
    "official_en",
    "place_ar",
    "place_en",
    "topics_ar",
    "topics_en",
    "starts_at",
    "slot_minutes",
    "capacity",
)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return timezone.localdate()


def _page(request: HttpRequest, ws: Workspace, **extra: Any) -> HttpResponse:
    day = _day(request.GET.get("day", ""))
    unit_id = ws.unit.pk if ws.unit else 0
    context = {
        "ws": ws,
        "day": day,
        "today": timezone.localdate(),
        "sessions": queries.office_sessions(ws.actor, unit_id, day) if ws.unit else [],
        "bookings": queries.day_list(ws.actor, unit_id, day) if ws.unit else [],
        "slots": services.SLOT_MINUTES,
        "values": {"slot_minutes": "15", "capacity": "10"},
        "errors": {},
    }
    context.update(extra)
    return render(request, "jalsa/office.html", context, status=extra.get("status", 200))


@staff_page()
def day(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """الكشف اليومي — the office's day: its sessions, who booked, who came."""
    return _page(request, ws)


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            "أدخل رقمًا.", "Enter a number.", code="not_a_number", field=field
        ) from None


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "أدخل التاريخ والوقت.",
            "Enter the date and time.",
            code="invalid_date",
            field="starts_at",
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@require_POST
@staff_page()
def publish(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """Publish a session of the office the person acts for."""
    values = {name: request.POST.get(name, "")[:600] for name in FIELDS}
    if ws.unit is None:
        raise Http404
    try:
        draft = services.SessionDraft(
            official_ar=values["official_ar"],
            official_en=values["official_en"],
            place_ar=values["place_ar"],
            place_en=values["place_en"],
            topics_ar=values["topics_ar"],
            topics_en=values["topics_en"],
            starts_at=_moment(values["starts_at"]),
            slot_minutes=_int(values["slot_minutes"], "slot_minutes"),
            capacity=_int(values["capacity"], "capacity"),
        )
        made = services.publish_session(ws.actor, ws.unit, draft)
    except WaslError as error:
        return _page(
            request,
            ws,
            values=values,
            errors={error.field or "form": error_text(error)},
            status=error.status,
        )
    messages.success(request, _("The session is published."))
    return redirect(f"{reverse('jalsa_office:day')}?day={timezone.localdate(made.starts_at)}")


@require_http_methods(["POST"])
@staff_page()
def record(request: HttpRequest, ws: Workspace, bid: Any) -> HttpResponse:
    """Record whether the person came, the outcome, and whether it needs action."""
    attended = request.POST.get("attended") == "yes"
    try:
        done = services.record_attendance(
            ws.actor,
            bid,
            attended=attended,
            outcome=request.POST.get("outcome", "")[: services.OUTCOME_MAX + 1],
            needs_action=request.POST.get("needs_action") == "on",
        )
    except NotFound as exc:
        raise Http404 from exc
    except WaslError as error:
        messages.error(request, error_text(error))
        return redirect(f"{reverse('jalsa_office:day')}?day={request.POST.get('day', '')[:10]}")
    if done.follow_up is not None:
        messages.success(
            request,
            _("Recorded. The action is registered as %(reference)s.")
            % {"reference": done.follow_up.reference},
        )
    else:
        messages.success(request, _("Recorded."))
    return redirect(
        f"{reverse('jalsa_office:day')}?day={timezone.localdate(done.session.starts_at)}"
    )
