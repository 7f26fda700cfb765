"""The 940 call centre's pages (mounted at /reports/): an agent takes a caller's report,
sees what was already reported nearby, and gives the caller the reference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from wasl.core.arabic import fold_digits
from wasl.core.errors import NotFound, WaslError
from wasl.directory.actors import actor_for
from wasl.registry.attachments import blob_path

from . import conf, flood, presenters, queries, services
from . import photos as photo_files
from .forms import CallForm, CloseForm, FollowForm, MapFilterForm, MergeForm, PortalReportForm
from .models import Category
from .vocabulary import Channel

# Only what Wasl serves itself: no inline script or style (the map's data is JSON in the page,
# its script a file), nothing may frame the pages. The staff workspace's policy; `web` is above
# this app, so the same words stand here as in the dashboards and notifications.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; "
    "style-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def with_csp(response: HttpResponse) -> HttpResponse:
    response.setdefault("Content-Security-Policy", PAGE_CSP)
    response.setdefault("Referrer-Policy", "same-origin")
    return response


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


@csrf_exempt  # the body is read under the photo limits first; CSRF is checked right after
@login_required
@require_http_methods(["GET", "POST"])
def take_call(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: where, what, who, photos; open reports of the same category nearby are shown
    before a new one is registered, and the caller may be added to one of them instead."""
    refused = _refused(request)
    if refused:
        return refused
    return _report_page(request, code, CALL_CENTRE)


@dataclass(frozen=True)
class ReportPage:
    """What differs between the call centre's page and the portal's: the channel, the form,
    the template, and where the reporter goes once the report is submitted or joined."""

    channel: Channel
    form: type[CallForm]
    template: str
    done: str  # URL name, with the reference
    joined: str  # URL name, with the reference


CALL_CENTRE = ReportPage(
    Channel.CALL_CENTRE, CallForm, "reports/take_call.html", "reports:taken", "reports:taken"
)
PORTAL = ReportPage(
    Channel.PORTAL,
    PortalReportForm,
    "reports/portal_report.html",
    "reports:public",
    "reports:public",
)


def _report_page(request: HttpRequest, code: str, page: ReportPage) -> HttpResponse:
    category = Category.objects.filter(code=code[:40], is_active=True).first()
    if category is None:
        raise Http404
    if request.method == "POST":
        try:
            photo_files.read_body(request)
        except WaslError as error:
            context = {
                "category": category,
                "form": page.form(category),
                "nearby": [],
                "refusal": _message(error, request),
            }
            return render(request, page.template, context, status=error.status)
    return _report_form(request, category, page)


@csrf_protect
def _report_form(request: HttpRequest, category: Category, page: ReportPage) -> HttpResponse:
    nearby: list[dict[str, Any]] = []
    # The call centre's agent is recorded as `reported_by` but is not the one to tell; a
    # signed-in citizen on the portal is both.
    citizen = page.channel == Channel.PORTAL and request.user.is_authenticated
    language = "en" if getattr(request, "LANGUAGE_CODE", "ar") == "en" else "ar"
    if request.method != "POST":
        form = page.form(category)
    else:
        form = page.form(category, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            contact = services.Contact(
                data["caller_name"], fold_digits(data["caller_phone"]), data["caller_email"]
            )
            try:
                if page.channel == Channel.PORTAL:
                    _count_post(request)
                lat, lon = services.parse_point(fold_digits(data["lat"]), fold_digits(data["lon"]))
                services.locate(lat, lon)
                joined = request.POST.get("join", "")[:40]
                if joined:
                    # Already reported: the reporter follows that report instead.
                    services.follow_report(
                        joined,
                        contact=contact,
                        user_id=request.user.pk if citizen else None,
                        language=language if page.channel == Channel.PORTAL else "ar",
                    )
                    if page.channel == Channel.PORTAL:
                        messages.success(
                            request,
                            _("Thank you: you follow this report and will be told of its outcome."),
                        )
                        return redirect(page.joined, reference=joined)
                    return redirect(reverse(page.joined, args=[joined]) + "?joined=1")
                prepared = photo_files.prepare_all(data["photos"])
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
                        contact=contact,
                        channel=page.channel,
                        reported_by_id=request.user.pk if request.user.is_authenticated else None,
                        photos=prepared,
                        language=language if page.channel == Channel.PORTAL else "ar",
                    )
                    reference = report.transaction.reference
                    if page.channel == Channel.PORTAL:
                        messages.success(
                            request,
                            _(
                                "Your report was submitted under %(reference)s: keep it to "
                                "follow the report."
                            )
                            % {"reference": reference},
                        )
                    return redirect(page.done, reference=reference)
            except flood.Flooded as error:
                return flood.refused(error)
            except WaslError as error:
                form.add_error(form.field_for(error.field), _message(error, request))
    context = {"category": category, "form": form, "nearby": nearby}
    return render(request, page.template, context, status=400 if form.errors else 200)


def _count_post(request: HttpRequest) -> None:
    """The flood limits of posting a report, for the portal: per person signed in, else per
    address (raises `flood.Flooded`)."""
    user = request.user if request.user.is_authenticated else None
    kind, client = ("person", str(user.pk)) if user else ("address", flood.address_of(request))
    flood.check(kind, client)


@require_GET
def portal_choose(request: HttpRequest) -> HttpResponse:
    """Report a problem (بلّغ عن مشكلة), step 1, for anyone, signed in or not: the category."""
    context = {"categories": queries.categories()}
    return with_csp(render(request, "reports/portal_choose.html", context))


@csrf_exempt  # the body is read under the photo limits first; CSRF is checked right after
@require_http_methods(["GET", "POST"])
def portal_report(request: HttpRequest, code: str) -> HttpResponse:
    """Report a problem, step 2: where, what, photos and how to be told; the open reports of
    the same category nearby are offered first ("already reported"): the reporter follows one
    of them instead, or submits a new report."""
    return with_csp(_report_page(request, code, PORTAL))


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
    context = {
        "report": presenters.public_detail(report),
        # The caller was added to a report already there rather than filing a new one.
        "joined": request.GET.get("joined") == "1",
    }
    return render(request, "reports/taken.html", context)


@require_GET
def photo(request: HttpRequest, public_id: str) -> HttpResponse:
    """A report's photo: the clean copy (resized, no metadata), the only one kept."""
    found = queries.photo(public_id)
    if found is None:
        raise Http404
    path = blob_path(found.attachment.sha256)
    if not path.exists():
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def public_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The public version of a report: what, where, its status, photos and, once closed, the
    proof; the reporter signed in may confirm, reopen or rate from here."""
    report = queries.public_report(reference)
    if report is None:
        raise Http404
    return _public_page(request, report, FollowForm())


def _public_page(
    request: HttpRequest, report: Any, follow_form: FollowForm, status: int = 200
) -> HttpResponse:
    reporter = services.Reporter(user_id=request.user.pk if request.user.is_authenticated else None)
    context = {
        "report": presenters.public_detail(report),
        "status": services.report_status(report),
        "follow_form": follow_form,
        "may_follow": services.report_status(report) == "open"
        and not reporter.is_reporter_of(report),
        "is_reporter": reporter.is_reporter_of(report),
        "may_answer": reporter.is_reporter_of(report)
        and services.report_status(report) == "closed"
        and report.feedback_until is not None
        and timezone.now() <= report.feedback_until,
        "may_rate": reporter.is_reporter_of(report)
        and services.report_status(report) in ("closed", "confirmed")
        and report.rating is None,
    }
    return with_csp(render(request, "reports/public.html", context, status=status))


@require_http_methods(["POST"])
def follow(request: HttpRequest, reference: str) -> HttpResponse:
    """ "I have the same problem": anyone joins an open report on its public page instead of
    filing a new one (signed in, or with a mobile number or an e-mail address), and is told of
    its outcome. Counted against the flood limits like a report."""
    report = queries.public_report(reference)
    if report is None:
        raise Http404
    user = request.user if request.user.is_authenticated else None
    try:
        _count_post(request)
    except flood.Flooded as error:
        return flood.refused(error)
    form = FollowForm(request.POST)
    if form.is_valid():
        try:
            services.follow_report(
                reference,
                contact=services.Contact(
                    phone=fold_digits(form.cleaned_data["phone"]),
                    email=form.cleaned_data["email"],
                ),
                user_id=user.pk if user else None,
                language="en" if getattr(request, "LANGUAGE_CODE", "ar") == "en" else "ar",
            )
        except WaslError as error:
            form.add_error(form.field_for(error.field), _message(error, request))
        else:
            messages.success(
                request, _("Thank you: you follow this report and will be told of its outcome.")
            )
            return redirect("reports:public", reference=reference)
    return _public_page(request, report, form, status=400)


@login_required
@require_http_methods(["POST"])
def reporter_act(request: HttpRequest, reference: str, act: str) -> HttpResponse:
    """The signed-in reporter's answer on the public page: confirm, reopen or rate."""
    reporter = services.Reporter(user_id=request.user.pk)
    try:
        if act == "confirm":
            services.confirm_report(reporter, reference)
        elif act == "reopen":
            services.reopen_by_reporter(reporter, reference, reason=request.POST.get("reason", ""))
        elif act == "rate":
            rating = fold_digits(request.POST.get("rating", ""))
            services.rate_report(
                reporter,
                reference,
                rating=int(rating) if rating.isdigit() and len(rating) < 3 else None,
                note=request.POST.get("note", ""),
            )
        else:
            raise Http404
    except WaslError as error:
        messages.error(request, _message(error, request))
    else:
        messages.success(request, _("Thank you: your answer was recorded."))
    return redirect("reports:public", reference=reference)


@csrf_exempt  # the body is read under the photo limits first; CSRF is checked right after
@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff close a report with proof: a note and the photos of the fix."""
    if request.method == "POST":
        try:
            photo_files.read_body(request)
        except WaslError as error:
            return _close_page(
                request,
                reference,
                CloseForm(),
                status=error.status,
                refusal=_message(error, request),
            )
    return _close(request, reference)


@csrf_protect
def _close(request: HttpRequest, reference: str) -> HttpResponse:
    if request.method != "POST":
        return _close_page(request, reference, CloseForm())
    form = CloseForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            prepared = photo_files.prepare_all(form.cleaned_data["photos"])
            services.close_report(
                actor_for(request.user),
                reference,
                note=form.cleaned_data["note"],
                photos=prepared,
            )
        except NotFound:
            raise Http404 from None
        except WaslError as error:
            form.add_error(form.field_for(error.field), _message(error, request))
        else:
            messages.success(
                request,
                _("The report is closed; the reporter may confirm or reopen it."),
            )
            return redirect("reports:public", reference=reference)
    return _close_page(request, reference, form, status=400)


def _close_page(
    request: HttpRequest,
    reference: str,
    form: CloseForm,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    report = queries.staff_report(actor_for(request.user), reference)
    if report is None:
        raise Http404
    context = {
        "report": presenters.public_detail(report),
        "status": services.report_status(report),
        "form": form,
        "feedback_days": conf.feedback_days(),
        "refusal": refusal,
    }
    return with_csp(render(request, "reports/close.html", context, status=status))


# ---------------------------------------------------------------------------------------------
# Merging duplicates


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff merge this report, a duplicate, into the report filed first; the open reports of
    the same category nearby are offered."""
    actor = actor_for(request.user)
    report = queries.staff_report(actor, reference)
    if report is None:
        raise Http404
    data = None
    if request.method == "POST":
        # A reference typed in wins over one picked from the nearby list.
        data = request.POST.copy()
        data["into"] = data.get("into", "").strip() or data.get("pick", "")
    form = MergeForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            services.merge_reports(
                actor,
                reference,
                into=form.cleaned_data["into"].strip(),
                across_categories=form.cleaned_data["across_categories"],
            )
        except WaslError as error:
            form.add_error(form.field_for(error.field), _message(error, request))
        else:
            messages.success(
                request,
                _(
                    "The report was closed as a duplicate; its reporters will be told of the "
                    "outcome of the report it was merged into."
                ),
            )
            return redirect("reports:public", reference=reference)
    candidates = [
        {**presenters.public(r), "distance_m": round(d)}
        for r, d in queries.nearby_open(report.category, report.lat, report.lon)
        if r.pk != report.pk
    ]
    context = {
        "report": presenters.public_detail(report),
        "status": services.report_status(report),
        "form": form,
        "candidates": candidates,
    }
    status = 400 if form.errors else 200
    return with_csp(render(request, "reports/merge.html", context, status=status))


# ---------------------------------------------------------------------------------------------
# The maps


@require_GET
def public_map(request: HttpRequest) -> HttpResponse:
    """Reports on a map for anyone: no personal data, each point links to the public page."""
    return _map(request, queries.public_map_rows(), staff=False)


@login_required
@require_GET
def staff_map(request: HttpRequest) -> HttpResponse:
    """Reports on a map for staff: what the access rule lets them see, linked to the
    transactions."""
    actor = actor_for(request.user)
    if not actor.unit_ids and not actor.entity_wide_ids:
        return render(request, "reports/not_staff.html", status=403)
    return _map(request, queries.staff_map_rows(actor), staff=True)


def _map(request: HttpRequest, rows: Any, *, staff: bool) -> HttpResponse:
    categories = queries.categories()
    form = MapFilterForm(categories, request.GET or None)
    filters = queries.MapFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = queries.MapFilters(
            category=data["category"] or "",
            status=data["status"] or "",
            since=data["since"],
            until=data["until"],
        )
    found = queries.map_data(rows, filters)
    english = getattr(request, "LANGUAGE_CODE", "ar") == "en"
    tile_url, tile_attribution = conf.map_tiles()
    payload = {
        "areas": {
            "type": "FeatureCollection",
            "features": [
                _feature(item, english) for sub in found.areas for item in (sub, *sub.districts)
            ],
        },
        "markers": [_marker(m, english, staff) for m in found.markers],
        "tiles": {"url": tile_url, "attribution": tile_attribution},
        "labels": {
            "open": _("Open"),
            "closed": _("Closed"),
            "reports": _("Reports"),
            "zoomIn": _("Zoom in"),
            "zoomOut": _("Zoom out"),
            "closeWithProof": _("Close with proof"),
        },
    }
    context = {
        "form": form,
        "found": found,
        "payload": payload,
        "staff": staff,
        "limit": queries.MAP_MARKERS,
    }
    response = render(request, "reports/map.html", context, status=400 if form.errors else 200)
    response["Content-Security-Policy"] = _map_csp(tile_url)
    response.setdefault("Referrer-Policy", "same-origin")
    return response


def _feature(item: queries.AreaCount, english: bool) -> dict[str, Any]:
    area = item.area
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": area.polygon},
        "properties": {
            "code": area.code,
            "kind": area.kind,
            "name": area.name_en if english else area.name_ar,
            "open": item.open,
            "closed": item.closed,
        },
    }


def _marker(row: dict[str, Any], english: bool, staff: bool) -> dict[str, Any]:
    closed = row["transaction__state"] in queries.CLOSED_STATES
    reference = row["transaction__reference"]
    return {
        "lat": round(row["lat"], 5),
        "lon": round(row["lon"], 5),
        "ref": reference,
        "category": row["category__name_en" if english else "category__name_ar"],
        "status": "closed" if closed else "open",
        "url": (
            reverse("web:transaction", args=[row["transaction__public_id"]])
            if staff
            else reverse("reports:public", args=[reference])
        ),
        "close_url": reverse("reports:close", args=[reference]) if staff and not closed else "",
    }


def _map_csp(tile_url: str) -> str:
    """The pages' policy; a tile server set by the environment may serve images too."""
    if not tile_url:
        return PAGE_CSP
    parts = urlsplit(tile_url.replace("{s}", "a"))
    origin = f"{parts.scheme}://{parts.netloc}".replace("://a.", "://*.")
    return PAGE_CSP.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")
