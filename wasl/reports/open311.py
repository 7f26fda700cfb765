"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests
(list with the standard filters, one by id, POST with an API key) and tokens, in XML and
JSON; errors as `[{"code", "description"}]`. Public answers carry no personal data.

Specification: http://wiki.open311.org/GeoReport_v2 (frozen). A request's id is the
transaction's reference; names are in the language of the request (Arabic by default).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from wasl.core.errors import InvalidInput, NotFound, WaslError

from . import flood, presenters, queries, services
from . import photos as photo_files
from .models import Category, Report
from .presenters import status_of
from .vocabulary import Channel, PhotoKind

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
MAX_IDS = 100
CHANGESET = "2026-12-03T00:00:00Z"

View = Callable[..., HttpResponse]


class Open311Error(WaslError):
    pass


def _english(request: HttpRequest) -> bool:
    return getattr(request, "LANGUAGE_CODE", "ar") == "en"


# ---------------------------------------------------------------------------------------------
# Rendering


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is None:
        child.text = ""
    elif isinstance(value, list):
        item_name = {
            "values": "value",
            "attributes": "attribute",
            "formats": "format",
            "endpoints": "endpoint",
            "keywords": "keyword",
        }.get(name, "item")
        for item in value:
            if isinstance(item, dict):
                element = ET.SubElement(child, item_name)
                for key, inner in item.items():
                    _xml_value(element, key, inner)
            else:
                _xml_value(child, item_name, item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(child, key, inner)
    else:
        child.text = str(value)


def _render(data: Any, fmt: str, root: str, item: str, status: int = 200) -> HttpResponse:
    """JSON as is; XML as `<root><item>…</item></root>` (or `<root>…</root>` for an object)."""
    if fmt == "json":
        return JsonResponse(
            data, safe=False, status=status, json_dumps_params={"ensure_ascii": False}
        )
    element = ET.Element(root)
    for row in data if isinstance(data, list) else [data]:
        target = ET.SubElement(element, item) if isinstance(data, list) else element
        for key, value in row.items():
            _xml_value(target, key, value)
    body = ET.tostring(element, encoding="unicode")
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + body,
        content_type=FORMATS["xml"],
        status=status,
    )


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(
        [{"code": status, "description": description}], fmt, "errors", "error", status=status
    )


def open311_view(view: View) -> View:
    """Answer every refusal, malformed or oversized request in the standard error format."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return _error("json", 404, "Unknown format: use .json or .xml.")
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except WaslError as error:
            return _error(fmt, error.status, f"{error.message_en} — {error.message_ar}")
        except RequestDataTooBig:
            return _error(fmt, 413, "The request is too large. — حجم الطلب أكبر من المسموح.")
        except TooManyFieldsSent:
            return _error(fmt, 413, "Too many fields were sent. — عدد الحقول أكبر من المسموح.")

    return wrapped


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.get_current_timezone()).isoformat() if value else None


# ---------------------------------------------------------------------------------------------
# Discovery and services


@require_GET
@open311_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311:root"))
    data = {
        "changeset": CHANGESET,
        "contact": "مركز بلاغات 940 — 940 call centre",
        "key_service": "Ask the amanah's 940 centre for an api_key — اطلب مفتاحاً من مركز 940",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _render(data, fmt, "discovery", "discovery")


def _service(category: Category, english: bool) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name_en if english else category.name_ar,
        "description": category.description_en if english else category.description_ar,
        "metadata": bool(category.questions),
        "type": "realtime",
        "keywords": category.group,
        "group": category.group,
    }


@require_GET
@open311_view
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    english = _english(request)
    data = [_service(c, english) for c in queries.categories()]
    return _render(data, fmt, "services", "service")


@require_GET
@open311_view
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = Category.objects.filter(code=code[:40], is_active=True).first()
    if category is None:
        raise NotFound("الخدمة غير موجودة.", f"No service with code {code[:40]!r}.")
    english = _english(request)
    attributes = [
        {
            "variable": True,
            "code": q["code"],
            "datatype": q["type"],
            "required": bool(q.get("required")),
            "datatype_description": "",
            "order": order,
            "description": q["label_en"] if english else q["label_ar"],
            **(
                {
                    "values": [
                        {"key": v["key"], "name": v["name_en"] if english else v["name_ar"]}
                        for v in q["values"]
                    ]
                }
                if q.get("values")
                else {}
            ),
        }
        for order, q in enumerate(category.questions, start=1)
    ]
    data = {"service_code": category.code, "attributes": attributes}
    return _render(data, fmt, "service_definition", "service_definition")


# ---------------------------------------------------------------------------------------------
# Requests


def _request_row(report: Report, english: bool, request: HttpRequest) -> dict[str, Any]:
    """A service request as anyone may see it: no reporter, no contact, no answers."""
    txn = report.transaction
    closed = status_of(report) == "closed"
    return {
        "service_request_id": txn.reference,
        "status": status_of(report),
        "status_notes": report.resolution_note or None,
        "service_name": report.category.name_en if english else report.category.name_ar,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": txn.unit.name_en if english else txn.unit.name_ar,
        "service_notice": None,
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(txn.updated_at),
        "expected_datetime": (
            None
            if closed or txn.due_date is None
            else _iso(timezone.make_aware(datetime.combine(txn.due_date, datetime.max.time())))
        ),
        "address": report.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lon,
        "media_url": _media_url(report, request),
    }


def _media_url(report: Report, request: HttpRequest) -> str | None:
    """The first photo of the report (prefetched by `queries.public_reports`)."""
    first = next((p for p in report.photos.all() if p.kind == PhotoKind.REPORTED), None)
    if first is None:
        return None
    return request.build_absolute_uri(presenters.photo_url(first))


def _date(raw: str, name: str) -> datetime:
    value = parse_datetime(raw[:40].replace(" ", "+")) if raw else None
    if value is None or timezone.is_naive(value):
        raise InvalidInput(
            f"التاريخ «{name}» غير صحيح؛ استخدم صيغة W3C مثل 2026-01-01T00:00:00Z.",
            f"'{name}' must be a W3C date-time with a time zone, e.g. 2026-01-01T00:00:00Z.",
            code="invalid_date",
        )
    return value


def _list(raw: str) -> tuple[str, ...]:
    items = tuple(x.strip()[:60] for x in raw[:8000].split(",") if x.strip())
    if len(items) > MAX_IDS:
        raise InvalidInput(
            "عدد المعرّفات أكبر من المسموح.",
            f"At most {MAX_IDS} values per filter.",
            code="too_many_values",
        )
    return items


def _filters(params: Any) -> queries.PublicFilters:
    ids = _list(params.get("service_request_id", ""))
    if ids:  # the standard: service_request_id overrides every other filter
        return queries.PublicFilters(ids=ids)
    start = _date(params["start_date"], "start_date") if params.get("start_date") else None
    end = _date(params["end_date"], "end_date") if params.get("end_date") else None
    if start is None and end is None:
        start = timezone.now() - MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN  # type: ignore[operator]
    elif end is not None and end - start > MAX_SPAN:
        raise InvalidInput(
            "لا يزيد مدى البحث على 90 يوماً.",
            "start_date to end_date may not span more than 90 days.",
            code="span_too_long",
        )
    statuses = set(_list(params.get("status", "")))
    if statuses - {"open", "closed"}:
        raise InvalidInput(
            "الحالة إما open أو closed.", "status must be open or closed.", code="invalid_status"
        )
    return queries.PublicFilters(
        categories=_list(params.get("service_code", "")),
        start=start,
        end=end,
        status=statuses.pop() if len(statuses) == 1 else "",
    )


@csrf_exempt  # a keyed API for other apps, not a page: no session, no cookie
@require_http_methods(["GET", "POST"])
@open311_view
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    rows = queries.public_reports(_filters(request.GET), limit=MAX_REQUESTS)
    english = _english(request)
    return _render(
        [_request_row(r, english, request) for r in rows], fmt, "service_requests", "request"
    )


@require_GET
@open311_view
def request_detail(request: HttpRequest, rid: str, fmt: str) -> HttpResponse:
    report = queries.public_report(rid)
    if report is None:
        raise NotFound("البلاغ غير موجود.", f"No service request {rid[:40]!r}.")
    data = [_request_row(report, _english(request), request)]
    return _render(data, fmt, "service_requests", "request")


@require_GET
@open311_view
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """Requests are created at once, so a token is the report's public id and always
    resolves to its service_request_id."""
    report = (
        Report.objects.select_related("transaction").filter(public_id=token).first()
        if _is_uuid(token)
        else None
    )
    if report is None:
        raise NotFound("الرمز غير معروف.", "Unknown token.")
    data = [{"service_request_id": report.transaction.reference, "token": str(report.public_id)}]
    return _render(data, fmt, "service_requests", "request")


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    photo_files.read_body(request)  # the photo limits, before the body is read
    form = request.POST
    try:
        key = services.open311_key(form.get("api_key", ""))
    except NotFound:
        return _error(fmt, 403, "A valid api_key is required. — يلزم مفتاح Open311 صالح.")
    flood.check("key", str(key.pk))  # an app posts for many people: counted per key
    if not form.get("lat") or not form.get("long"):
        raise InvalidInput(
            "حدد الموقع بخطي العرض والطول (lat و long)؛ العناوين النصية لا تُحدَّد على الخريطة.",
            "lat and long are required; addresses alone are not geocoded.",
            code="location_required",
        )
    category = services.active_category(form.get("service_code", ""))
    answers: dict[str, Any] = {}
    for question in category.questions:
        code = question["code"]
        values = form.getlist(f"attribute[{code}][]") or form.getlist(f"attribute[{code}]")
        if values:
            answers[code] = values if question["type"] == "multivaluelist" else values[0]
    unknown = [
        k
        for k in form
        if k.startswith("attribute[")
        and k.split("[")[1].rstrip("]") not in {q["code"] for q in category.questions}
    ]
    if unknown:
        answers[unknown[0].split("[")[1].rstrip("]")] = form.get(unknown[0])
    name = " ".join(p for p in (form.get("first_name", ""), form.get("last_name", "")) if p)
    report = services.submit_report(
        category=category.code,
        lat=form.get("lat"),
        lon=form.get("long"),
        description=form.get("description", ""),
        address=form.get("address_string", ""),
        answers=answers,
        contact=services.Contact(
            name=name[:200], phone=form.get("phone", ""), email=form.get("email", "")
        ),
        channel=Channel.OPEN311,
        api_key=key,
        language="en" if _english(request) else "ar",
        photos=photo_files.prepare_all(request.FILES.getlist("media")),
    )
    data = [
        {
            "service_request_id": report.transaction.reference,
            "service_notice": None,
            "account_id": None,
            "token": str(report.public_id),
        }
    ]
    return _render(data, fmt, "service_requests", "request", status=201)
