"""The 940 call centre's pages (mounted at /reports/): an agent takes a caller's report,
sees what was already reported nearby, and gives the caller the reference."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from wasl.core.arabic import fold_digits
from wasl.core.errors import WaslError
from wasl.directory.actors import actor_for

from . import presenters, queries, services
from .forms import CallForm
from .models import Category
from .vocabulary import Channel


def _refused(request: HttpRequest) -> HttpResponse | None:
    if not actor_for(request.user).working_unit_ids:
        return render(request, "reports/not_staff.html", status=403)
    return None


def _message(error: WaslError, request: HttpRequest) -> str:
    return error.message_en if getattr(request, "LANGUAGE_CODE", "ar") == "en" else error.message_ar


@login_required
@require_GET
def choose_category(request: HttpRequest) -> HttpResponse:
    """Step 1: what is the call about."""
    refused = _refused(request)
    if refused:
        return refused
    return render(request, "reports/choose.html", {"categories": queries.categories()})


@login_required
@require_http_methods(["GET", "POST"])
def take_call(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: where, what, who; open reports of the same category nearby are shown before a
    new one is registered."""
    refused = _refused(request)
    if refused:
        return refused
    category = Category.objects.filter(code=code[:40], is_active=True).first()
    if category is None:
        raise Http404
    nearby: list[dict[str, Any]] = []
    if request.method != "POST":
        form = CallForm(category)
    else:
        form = CallForm(category, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                lat, lon = services.parse_point(fold_digits(data["lat"]), fold_digits(data["lon"]))
                services.locate(lat, lon)
                if not data["confirm_new"]:
                    nearby = [
                        {**presenters.public(r), "distance_m": round(d)}
                        for r, d in queries.nearby_open(category, lat, lon)
                    ]
                if not nearby:
                    report = services.submit_report(
                        category=category.code,
                        lat=lat,
                        lon=lon,
                        description=data["description"],
                        address=data["address"],
                        answers=form.answers(),
                        contact=services.Contact(
                            data["caller_name"],
                            fold_digits(data["caller_phone"]),
                            data["caller_email"],
                        ),
                        channel=Channel.CALL_CENTRE,
                        reported_by_id=request.user.pk,
                    )
                    return redirect("reports:taken", reference=report.transaction.reference)
            except WaslError as error:
                form.add_error(form.field_for(error.field), _message(error, request))
    context = {"category": category, "form": form, "nearby": nearby}
    return render(request, "reports/take_call.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def taken(request: HttpRequest, reference: str) -> HttpResponse:
    """The reference to read to the caller, and the report as the public sees it."""
    refused = _refused(request)
    if refused:
        return refused
    report = queries.public_report(reference)
    if report is None:
        raise Http404
    return render(request, "reports/taken.html", {"report": presenters.public(report)})
