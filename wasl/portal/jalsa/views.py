"""The person's pages of Jalsa: the sessions open to book and their own bookings, a session
with its booking form, a booking (the confirmation) with its cancel button. Views parse, call
one service or query, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wasl.core.errors import NotFound, WaslError
from wasl.portal.models import Person
from wasl.portal.views import person_page

from . import queries, services
from .presenters import booking_view, error_text, session_view


@person_page
def sessions(request: HttpRequest, person: Person) -> HttpResponse:
    """جلسة — the officials' sessions open to book, and the person's own bookings."""
    return render(
        request,
        "jalsa/sessions.html",
        {
            "person": person,
            "sessions": [session_view(s) for s in queries.open_sessions()],
            "bookings": [booking_view(b) for b in queries.my_bookings(person)[:50]],
        },
    )


def _subject(request: HttpRequest) -> str:
    try:
        return request.POST.get("subject", "")
    except RequestDataTooBig:
        return "x" * (services.SUBJECT_MAX + 1)  # refused by the service, in both languages


@require_http_methods(["GET", "POST"])
@person_page
def session(request: HttpRequest, person: Person, sid: Any) -> HttpResponseBase:
    """A session and its booking form; a booking goes on to its confirmation."""
    found = queries.session(sid)
    if found is None:
        raise Http404
    context: dict[str, Any] = {"person": person, "session": session_view(found), "subject": ""}
    status = 200
    if request.method == "POST":
        subject = _subject(request)
        try:
            made = services.book(person, found.public_id, subject)
        except WaslError as error:
            status = error.status
            context.update(error=error_text(error), field=error.field or "")
            context["subject"] = subject[: services.SUBJECT_MAX]
            context["session"] = session_view(queries.session(sid) or found)
        else:
            messages.success(request, _("Your slot is booked."))
            return redirect("portal:jalsa:booking", bid=made.public_id)
    context["mine"] = (
        queries.my_bookings(person).filter(session=found).exclude(state="cancelled").first()
    )
    context["open"] = found.starts_at > timezone.now()
    return render(request, "jalsa/session.html", context, status=status)


@person_page
def booking(request: HttpRequest, person: Person, bid: Any) -> HttpResponse:
    """One of the person's bookings: when and where, the reference, the cancel button."""
    try:
        found = services.own_booking(person, bid)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "jalsa/booking.html", {"person": person, "b": booking_view(found)})


@require_POST
@person_page
def cancel(request: HttpRequest, person: Person, bid: Any) -> HttpResponseBase:
    """Cancel one of the person's bookings; refused with the reason, on the booking's page."""
    try:
        done = services.cancel_booking(person, bid)
    except NotFound as exc:
        raise Http404 from exc
    except WaslError as error:
        found = services.own_booking(person, bid)
        return render(
            request,
            "jalsa/booking.html",
            {"person": person, "b": booking_view(found), "error": error_text(error)},
            status=error.status,
        )
    messages.success(request, _("Your booking is cancelled."))
    return redirect("portal:jalsa:booking", bid=done.public_id)
