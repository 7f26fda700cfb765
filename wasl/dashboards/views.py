"""The dashboard pages: an executive overview of the region, an entity, a unit, a person's own
page, the list behind every figure, the control room, and the exports. Each view parses,
asks `scopes`/`measures`/`followup`, and renders."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wasl.core.errors import InvalidInput, NotFound
from wasl.directory.actors import Actor, actor_for
from wasl.registry.models import Direction, Kind, Referral, Urgency
from wasl.registry.queries import visible_transactions

from . import exports, followup, measures, pages, presenters
from .definitions import MAX_DAYS, REFERRAL, TRANSACTION, working_days
from .periods import Period, current_month, parse_period
from .scopes import Scope, home_scope, resolve

View = Callable[..., HttpResponse]
LIST_PAGE_SIZE = 50
# What the dashboards load: only what Wasl serves itself — no inline script or style (the
# charts are SVG geometry, the control room's script a file), nothing may frame them. The
# same policy as the staff workspace's pages.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; "
    "style-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def signed_in(view: View) -> View:
    """Signed-in people only; the others go to the sign-in page and come back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            try:
                login = reverse("web:signin")
            except NoReverseMatch:
                login = reverse("admin:login")
            return redirect_to_login(request.get_full_path(), login)
        response = view(request, actor_for(request.user), *args, **kwargs)
        response.setdefault("Content-Security-Policy", PAGE_CSP)
        return response

    return wrapper


def _scope(actor: Actor, token: str) -> Scope:
    try:
        return resolve(actor, token)
    except NotFound as exc:
        raise Http404(exc.message_ar) from exc


def _period(request: HttpRequest) -> Period:
    return parse_period(
        request.GET.get("period"),
        request.GET.get("from"),
        request.GET.get("to"),
        today=timezone.localdate(),
    )


def _render_scope(request: HttpRequest, actor: Actor, token: str) -> HttpResponse:
    scope = _scope(actor, token)
    today = timezone.localdate()
    try:
        period = _period(request)
    except InvalidInput as exc:
        period = current_month(today)
        context = pages.page_context(scope, period, today)
        context["period_error"] = exc.message_ar
        return render(request, "dashboards/scope.html", context, status=400)
    context = pages.page_context(scope, period, today)
    if scope.kind in ("unit", "person"):
        context["reminders"] = _reminders(actor, scope)
    return render(request, "dashboards/scope.html", context)


def _reminders(actor: Actor, scope: Scope) -> list[dict[str, Any]]:
    if scope.kind == "unit":
        rows = followup.reminders_of_unit(actor, scope.scope_id)[:20]
    elif scope.scope_id == actor.user_id:
        rows = followup.reminders_for(actor)[:20]
    else:
        return []
    # The page's own: the kind in the page's language, the due date to show in both calendars.
    return [
        {**presenters.reminder_data(r), "kind_label": r.get_kind_display(), "due": r.due_date}
        for r in rows
    ]


@signed_in
def home(request: HttpRequest, actor: Actor) -> HttpResponse:
    scope = home_scope(actor, request.user)
    return redirect(
        pages.page_url(scope.token) + (f"?{request.GET.urlencode()}" if request.GET else "")
    )


@signed_in
def region(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _render_scope(request, actor, "region")


@signed_in
def entity(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    return _render_scope(request, actor, f"entity:{code}")


@signed_in
def unit(request: HttpRequest, actor: Actor, public_id: str) -> HttpResponse:
    return _render_scope(request, actor, f"unit:{public_id}")


@signed_in
def person(request: HttpRequest, actor: Actor, username: str) -> HttpResponse:
    return _render_scope(request, actor, f"person:{username}")


@signed_in
def me(request: HttpRequest, actor: Actor) -> HttpResponse:
    return redirect("dashboards:person", request.user.get_username())


def _choice(request: HttpRequest, name: str, values: list[str]) -> str | None:
    value = request.GET.get(name)
    if value is None:
        return None
    if value not in values:
        raise Http404("لا يوجد مثل هذا التصنيف.")
    return value


def _days(request: HttpRequest, measure: str) -> int | None:
    """`days=N`: the completed items that took N working days (N = MAX_DAYS: that or more)."""
    value = request.GET.get("days")
    if value is None:
        return None
    if measure != "completed" or not (value.isascii() and value.isdigit()):
        raise Http404("لا يوجد مثل هذا التصنيف.")
    days = int(value[:4])
    if days > MAX_DAYS:
        raise Http404("لا يوجد مثل هذا التصنيف.")
    return days


def _took(rows: Any, item: str, days: int) -> list[int]:
    """The ids, in the list's order, of the completed items that took `days` working days
    (the same count as the roll-ups' `days`, `definitions.working_days`). Read as three
    columns and worked out here: working days are not something SQL can count."""
    fields = (
        ("pk", "registered_on", "closed_at")
        if item == TRANSACTION
        else (
            "pk",
            "created_at",
            "finished_at",
        )
    )
    out = []
    for pk, opened, finished in rows.values_list(*fields).iterator(5000):
        start = opened if item == TRANSACTION else timezone.localdate(opened)
        if working_days(start, timezone.localdate(finished)) == days:
            out.append(pk)
    return out


@signed_in
def drill_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The transactions (or referrals) behind a figure, as far as the person may see them."""
    scope = _scope(actor, request.GET.get("scope", ""))
    today = timezone.localdate()
    try:
        period = _period(request)
    except InvalidInput as exc:
        return render(
            request, "dashboards/list.html", {"scope": scope, "error": exc.message_ar}, status=400
        )
    item = request.GET.get("item", TRANSACTION)
    measure = request.GET.get("measure", "received")
    if item not in (TRANSACTION, REFERRAL) or measure not in measures.MEASURES:
        raise Http404("لا يوجد مثل هذا المقياس.")
    if item == REFERRAL and scope.kind == "region":
        raise Http404("لا يوجد مثل هذا المقياس.")
    kind = _choice(request, "kind", Kind.values)
    urgency = _choice(request, "urgency", Urgency.values)
    direction = _choice(request, "direction", Direction.values)
    days = _days(request, measure)
    governorate = request.GET.get("governorate")
    if governorate is not None and scope.kind != "region":
        raise Http404("لا يوجد مثل هذا التصنيف.")
    visible = visible_transactions(actor)
    prefix = "" if item == TRANSACTION else "transaction__"
    if item == TRANSACTION:
        rows = visible.filter(measures.transaction_filter(scope, period, measure, today))
    else:
        rows = Referral.objects.filter(transaction__in=visible).filter(
            measures.referral_filter(scope, period, measure, today)
        )
    if kind:
        rows = rows.filter(**{f"{prefix}kind": kind})
    if urgency:
        rows = rows.filter(**{f"{prefix}urgency": urgency})
    if direction:
        rows = rows.filter(**{f"{prefix}direction": direction})
    if governorate is not None:
        code = "" if governorate == "-" else governorate[:20]
        rows = rows.filter(**{f"{prefix}entity_id__in": presenters.governorate_entities(code)})
    oldest_first = measure in ("open", "overdue") or measure.startswith("age")
    if item == TRANSACTION:
        rows = rows.select_related("entity", "unit").order_by(
            "registered_on" if oldest_first else "-registered_on", "-id"
        )
    else:
        rows = rows.select_related("transaction", "to_unit").order_by(
            "due_date" if oldest_first else "-created_at", "-id"
        )
    pager = Paginator(rows if days is None else _took(rows, item, days), LIST_PAGE_SIZE)
    try:
        number = max(1, int(request.GET.get("page", "1")[:6]))
    except ValueError:
        number = 1
    page = pager.get_page(number)
    objects = list(page.object_list)
    if days is not None:
        found = rows.in_bulk(objects)
        objects = [found[pk] for pk in objects if pk in found]
    figure = (
        _figure(scope, period, today, item, measure, days)
        if not (kind or urgency or direction or governorate)
        else None
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "scope": scope,
        "period": period,
        "period_label": pages.period_label(period) if period else "",
        "item": item,
        "measure": measure,
        "measure_label": list_title(measure),
        "days": None if days is None else pages.days(days),
        "filters": {"kind": kind, "urgency": urgency, "direction": direction},
        "page": page,
        "rows": [_row(r, item, today) for r in objects],
        "figure": figure,
        "hidden": None if figure is None else max(0, figure - pager.count),
        "back": pages.page_url(scope.token, period),
        "query": query.urlencode(),
    }
    return render(request, "dashboards/list.html", context)


def list_title(measure: str) -> str:
    """The drill-down list's title in the page's language."""
    if measure.startswith("age-") and measure[4:].isdigit() and int(measure[4:]) < 5:
        return _("In progress for %(age)s") % {"age": pages.age_label(int(measure[4:]))}
    titles = {
        "received": pgettext("dashboard", "Received"),
        "completed": _("Completed"),
        "open": _("In progress"),
        "overdue": _("Overdue"),
    }
    return str(titles.get(measure, measure))


def _figure(
    scope: Scope, period: Period, today: Any, item: str, measure: str, days: int | None
) -> int | None:
    source = measures.RollupSource()
    f = measures.figures(source, scope.grain, scope.scope_id, item, period, today)
    if days is not None:
        return f.histogram.get(days, 0)
    if measure.startswith("age-"):
        return f.ages[int(measure[4:])]
    return {"received": f.received, "completed": f.completed, "open": f.open, "overdue": f.overdue}[
        measure
    ]


def _row(obj: Any, item: str, today: Any) -> dict[str, Any]:
    from .definitions import transaction_due

    txn = obj if item == TRANSACTION else obj.transaction
    due = (
        transaction_due(txn.registered_on, txn.urgency, txn.due_date)
        if item == TRANSACTION
        else obj.due_date
    )
    try:
        href = reverse("web:transaction", args=[txn.public_id])
    except NoReverseMatch:
        href = ""
    return {
        "reference": txn.reference,
        "subject": txn.subject,
        "href": href,
        "state": txn.get_state_display() if item == TRANSACTION else obj.get_state_display(),
        "unit": txn.unit if item == TRANSACTION else obj.to_unit,
        "urgency": txn.get_urgency_display(),
        "urgency_code": txn.urgency,
        "received": txn.registered_on
        if item == TRANSACTION
        else timezone.localdate(obj.created_at),
        "due": due,
        "late": due < today
        and (
            txn.state not in ("closed", "cancelled")
            if item == TRANSACTION
            else obj.state in ("pending", "acknowledged")
        ),
    }


@signed_in
def control_room(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Wall screens: the widest scope the person sees (or ?scope=), large type, rotating
    views, refreshed every few minutes."""
    token = request.GET.get("scope") or home_scope(actor, request.user).token
    scope = _scope(actor, token)
    today = timezone.localdate()
    try:
        period = _period(request)
    except InvalidInput:
        period = current_month(today)
    context = pages.page_context(scope, period, today)
    context["now"] = timezone.localtime()
    try:
        context["rotate_seconds"] = min(300, max(2, int(request.GET.get("rotate", "20")[:4])))
    except ValueError:
        context["rotate_seconds"] = 20
    return render(request, "dashboards/control_room.html", context)


@signed_in
def export(request: HttpRequest, actor: Actor, fmt: str) -> HttpResponse:
    scope = _scope(actor, request.GET.get("scope", ""))
    today = timezone.localdate()
    try:
        period = _period(request)
    except InvalidInput as exc:
        return HttpResponse(exc.message_ar, status=400, content_type="text/plain; charset=utf-8")
    context = pages.page_context(scope, period, today)
    if fmt == "xlsx":
        return exports.xlsx_response(context)
    return exports.pdf_response(request, context)
