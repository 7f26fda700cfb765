"""Pages of the unified inquiry: the staff search, its export, the public inquiry and the
kiosk. Views parse, call one query, and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from wasl.core.errors import WaslError
from wasl.directory.actors import actor_for
from wasl.directory.models import Entity
from wasl.registry.models import Kind, Urgency
from wasl.registry.states import State

from . import public, queries
from .api import export_response
from .throttle import Throttled

FACET_TITLES = {
    "state": _("State"),
    "kind": _("Kind"),
    "urgency": _("Urgency"),
    "entity": _("Entity"),
    "unit": _("Unit"),
}


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), queries.MAX_PAGE))
    except ValueError:
        return 1


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """البحث الموحد: one box, filters, facets with counts, highlighted results, export."""
    actor = actor_for(request.user)
    q = request.GET.get("q", "")
    context: dict[str, Any] = {
        "q": q[: queries.MAX_QUERY],
        "states": State.choices,
        "kinds": Kind.choices,
        "urgencies": Urgency.choices,
        "raw": {
            k: request.GET.get(k, "")
            for k in ("entity", "unit", "kind", "state", "urgency", "from", "to")
        },
        "facet_titles": FACET_TITLES,
    }
    status = 200
    try:
        filters = queries.parse_filters(request.GET)
        results = queries.search(actor, q, filters, page=_page_number(request.GET.get("page")))
        context["results"] = results
        params = filters.as_params()
        if q:
            params["q"] = q
        context["query_string"] = urlencode(params)
        context["facets"] = [
            (
                FACET_TITLES[name],
                [
                    {
                        "facet": facet,
                        "active": params.get(name) == facet.value,
                        "href": "?" + urlencode({**params, name: facet.value}),
                    }
                    for facet in results.facets[name]
                ],
            )
            for name in ("state", "kind", "urgency", "entity", "unit")
            if results.facets.get(name)
        ]
        if results.page > 1:
            context["previous"] = "?" + urlencode({**params, "page": results.page - 1})
        if results.page < results.pages:
            context["next"] = "?" + urlencode({**params, "page": results.page + 1})
        if results.suggestion:
            context["suggestion_href"] = "?" + urlencode({**params, "q": results.suggestion})
        context["rows"] = []
        previous_tier = queries.TIER_ALL
        for hit in results.hits:
            context["rows"].append(
                {
                    "hit": hit,
                    # A heading before the first result of a lower tier on this page.
                    "tier_start": hit.tier if hit.tier != previous_tier else None,
                }
            )
            previous_tier = hit.tier
    except WaslError as error:
        context["error"] = error
        status = 400
    return render(request, "inquiry/search.html", context, status=status)


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The current search as CSV or XLSX, through the same access rule."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    actor = actor_for(request.user)
    try:
        found = queries.export(actor, request.GET.get("q", ""), queries.parse_filters(request.GET))
    except WaslError as error:
        return render(request, "inquiry/search.html", {"error": error}, status=400)
    return export_response(found, fmt)


def _public(
    request: HttpRequest, template: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    context: dict[str, Any] = {"reference": "", "id_number": "", **(extra or {})}
    status = 200
    if request.method == "POST":
        reference = request.POST.get("reference", "")[:60]
        id_number = request.POST.get("id_number", "")[:40]
        context.update(reference=reference, id_number=id_number)
        try:
            found = public.status(reference, id_number, client=public.client_of(request))
            context["found"] = found
        except Throttled as error:
            context["error"] = error
            status = 429
        except WaslError as error:
            context["error"] = error
            status = error.status
    response = render(request, template, context, status=status)
    # Personal numbers were typed on this page: never keep it in a shared cache or history.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def public_inquiry(request: HttpRequest) -> HttpResponse:
    """الاستعلام عن معاملة: reference + ID number → where it stands. No sign-in."""
    return _public(request, "inquiry/public.html")


KIOSK_CODES = 12
_DIGITS = [(str(d), "٠١٢٣٤٥٦٧٨٩"[d]) for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)]


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest) -> HttpResponse:
    """The same inquiry on a self-service kiosk: full screen, digit pad, no links out.

    A kiosk is started at ``/kiosk/?entities=EMK,GOV-JED``: the entity codes it offers as
    keys (a reference starts with one); without it, the first twelve codes of the directory.
    """
    wanted = [c.strip().upper() for c in request.GET.get("entities", "").split(",") if c.strip()]
    codes = Entity.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
    if wanted:
        codes = codes.filter(code__in=wanted[:KIOSK_CODES])
    entity_codes = list(codes[:KIOSK_CODES])
    entities_param = ",".join(entity_codes) if wanted else ""
    # The start screen, where the form posts, "New inquiry" and the idle reset lead.
    start = reverse("kiosk") + (
        "?" + urlencode({"entities": entities_param}) if entities_param else ""
    )
    return _public(
        request,
        "inquiry/kiosk.html",
        {
            "entity_codes": entity_codes,
            "entities_param": entities_param,
            "start_url": start,
            "digits": _DIGITS,
        },
    )
