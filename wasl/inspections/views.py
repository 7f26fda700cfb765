"""Field inspection's pages: phone-sized, Arabic first. The visit's form works without
JavaScript (a plain POST); with it (`static/inspections/outbox.js`) an inspection filled with
no connection is kept in the browser and sent when the connection returns, answered in JSON."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wasl.core.errors import WaslError
from wasl.directory.actors import actor_for
from wasl.registry.attachments import blob_path
from wasl.reports import photos as photo_files

from . import access, conf, presenters, queries, services
from .models import Visit
from .vocabulary import VisitState

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; script-src 'self'; "
    "style-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _page(response: HttpResponse) -> HttpResponse:
    response.setdefault("Content-Security-Policy", PAGE_CSP)
    response.setdefault("Referrer-Policy", "same-origin")
    return response


def _language(request: HttpRequest) -> str:
    return "en" if getattr(request, "LANGUAGE_CODE", "ar") == "en" else "ar"


def _message(error: WaslError, request: HttpRequest) -> str:
    return error.message_en if _language(request) == "en" else error.message_ar


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class InspectionUploadLimits(photo_files.PhotoUploadLimits):
    """The photo limits of a report (each photo at most the report photo's size), for as many
    photos as an inspection may carry."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.size = 0
        if content_length > conf.PHOTOS_MAX * photo_files.conf.photo_max_bytes() + 2_621_440:
            raise RequestDataTooBig("The request is over the inspection's photos' limit.")


@login_required
@require_GET
def assignments(request: HttpRequest) -> HttpResponse:
    """مهامي — the inspector's open visits, soonest due first; for the head of an inspection
    unit, the unit's open visits with who has each and a way to give one to someone else."""
    actor = actor_for(request.user)
    language = _language(request)
    mine = [presenters.visit_row(v, language) for v in queries.open_assignments(actor)]
    supervised = []
    inspectors: list[Any] = []
    if access.supervises(actor):
        supervised = [presenters.visit_row(v, language) for v in queries.unit_open_visits(actor)]
        inspectors = list(queries.inspectors_of(actor))
    done = [presenters.visit_row(v, language) for v in queries.recently_done(actor)]
    context = {
        "mine": mine,
        "supervised": supervised,
        "inspectors": inspectors,
        "done": done,
        "is_supervisor": access.supervises(actor),
    }
    return _page(render(request, "inspections/assignments.html", context))


@csrf_exempt  # the body is read under the photo limits first; CSRF is checked right after
@login_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, public_id: str) -> HttpResponse:
    """A visit: where and why, and its checklist to fill (the assigned inspector), or the
    inspection filed for it."""
    actor = actor_for(request.user)
    try:
        found = access.get_visit_for(actor, public_id)
    except WaslError as error:
        if request.method == "POST" and _wants_json(request):
            return JsonResponse(_error_body(error, request), status=error.status)
        raise Http404 from None
    if request.method == "POST":
        request.upload_handlers.insert(0, InspectionUploadLimits(request))
        try:
            request.POST  # noqa: B018 — parses the body under the limits
        except RequestDataTooBig:
            return _refused(request, found, photo_files.too_large())
        return _file(request, found)
    return _show(request, found)


def _error_body(error: WaslError, request: HttpRequest) -> dict[str, Any]:
    return {**error.as_dict(), "message": _message(error, request)}


def _show(request: HttpRequest, found: Visit, refusal: str = "", status: int = 200) -> HttpResponse:
    actor = actor_for(request.user)
    language = _language(request)
    inspection = access.inspection_of(found) if found.state == VisitState.DONE else None
    checklist = (
        inspection.checklist if inspection else queries.checklist_version(found.checklist_code)
    )
    may_fill = (
        found.state == VisitState.ASSIGNED
        and found.inspector is not None
        and found.inspector.user_id == actor.user_id
        and checklist is not None
    )
    context = {
        "visit": presenters.visit_row(found, language),
        "lat": found.lat,
        "lon": found.lon,
        "follows": found.follows,
        "checklist": checklist,
        "checklist_name": presenters.checklist_name(checklist, language),
        "items": presenters.items(checklist, language) if may_fill and checklist else [],
        "may_fill": may_fill,
        "inspection": inspection,
        "answers": presenters.answers(inspection, language) if inspection else [],
        "follow_ups": list(found.follow_ups.all()) if inspection else [],
        "refusal": refusal,
        "posted": request.POST if request.method == "POST" else {},
        "key": uuid.uuid4(),
    }
    return _page(render(request, "inspections/visit.html", context, status=status))


def _refused(request: HttpRequest, found: Visit, error: WaslError) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(_error_body(error, request), status=error.status)
    return _show(request, found, refusal=_message(error, request), status=error.status)


@csrf_protect
def _file(request: HttpRequest, found: Visit) -> HttpResponse:
    actor = actor_for(request.user)
    answers = {
        name.removeprefix("item-"): request.POST.get(name, "")
        for name in request.POST
        if name.startswith("item-")
    }
    try:
        photos = {
            name.removeprefix("photo-"): _prepared(name, request.FILES.getlist(name))
            for name in request.FILES
            if name.startswith("photo-")
        }
        filled_at = _when(request.POST.get("filled_at", ""))
        inspection, created = services.file_inspection(
            actor,
            found.public_id,
            idempotency_key=request.POST.get("idempotency_key", ""),
            checklist_version=request.POST.get("checklist_version", ""),
            answers=answers,
            photos={code: files for code, files in photos.items() if files},
            filled_at=filled_at,
        )
    except WaslError as error:
        return _refused(request, found, error)
    if _wants_json(request):
        body = {
            "inspection": str(inspection.public_id),
            "visit": str(found.public_id),
            "created": created,
            "score": inspection.score,
            "message": _("The inspection was received.")
            if created
            else _("This inspection had already been received; it was not saved twice."),
        }
        return JsonResponse(body, status=201 if created else 200)
    messages.success(request, _("The inspection was received."))
    return redirect("inspections:visit", public_id=found.public_id)


def _prepared(name: str, files: list[Any]) -> list[photo_files.Photo]:
    """An item's photos checked, resized and stripped; a refusal names the item's field."""
    try:
        return [photo_files.prepare(f.chunks()) for f in files[: conf.PHOTOS_PER_ITEM + 1]]
    except WaslError as error:
        error.field = "item-" + name.removeprefix("photo-")
        raise


def _when(value: str) -> datetime | None:
    try:
        return parse_datetime(value.strip()) if value.strip() else None
    except ValueError:
        return None


@login_required
@require_POST
def reassign(request: HttpRequest, public_id: str) -> HttpResponse:
    """The head of the unit gives a visit to another of its inspectors."""
    actor = actor_for(request.user)
    try:
        services.reassign_visit(
            actor,
            public_id,
            username=request.POST.get("inspector", ""),
            reason=request.POST.get("reason", ""),
        )
    except WaslError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, _message(error, request))
        return redirect("inspections:assignments")
    messages.success(request, _("The visit was given to the inspector you chose."))
    return redirect("inspections:assignments")


@login_required
@require_GET
def photo(request: HttpRequest, public_id: str) -> HttpResponse:
    """A photo of an inspection, to those who see its visit: the clean copy, the only one kept."""
    found = queries.photo(actor_for(request.user), public_id)
    if found is None:
        raise Http404
    path = blob_path(found.sha256)
    if not path.exists():
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
