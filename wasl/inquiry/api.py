"""The inquiry's API, mounted under /api/v1/: the staff search (bearer token, like the rest of
the API), its export, and the public inquiry (no token; throttled)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status

from wasl.directory.actors import actor_for
from wasl.registry.presenters import dual_date, transaction_summary

from . import exports, public, queries
from .throttle import Throttled

router = Router(tags=["inquiry"])


class Error(Schema):
    code: str
    message_ar: str
    message_en: str


ERRORS: dict[int, Any] = {400: Error, 401: Error, 404: Error, 422: Error, 429: Error}


class SearchParams(Schema):
    q: str = ""
    entity: str = ""
    unit: str = ""
    kind: str = ""
    state: str = ""
    urgency: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    per_page: int = queries.PER_PAGE

    def filters(self) -> queries.Filters:
        return queries.parse_filters(
            {
                "entity": self.entity,
                "unit": self.unit,
                "kind": self.kind,
                "state": self.state,
                "urgency": self.urgency,
                "from": self.date_from,
                "to": self.date_to,
            }
        )


def _segments(pieces: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    return [{"text": text, "match": match} for text, match in pieces]


def results_data(results: queries.Results) -> dict[str, Any]:
    understood = results.understood
    return {
        "understood_as": understood.kind,
        "total": results.total,
        "tiers": {queries.TIER_NAMES[t]: n for t, n in sorted(results.tiers.items())},
        "not_found": list(results.not_found),
        "did_you_mean": results.suggestion or None,
        "corrections": [{"typed": c.typed, "word": c.word} for c in results.corrections],
        "page": results.page,
        "pages": results.pages,
        "per_page": results.per_page,
        "results": [
            {
                **transaction_summary(hit.transaction),
                "score": round(hit.score, 4),
                "tier": queries.TIER_NAMES[hit.tier],
                "missing_words": list(hit.missing),
                "highlight": {
                    "subject": _segments(hit.subject),
                    "body": _segments(hit.snippet),
                },
            }
            for hit in results.hits
        ],
        "facets": {
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in facets]
            for name, facets in results.facets.items()
        },
    }


@router.get(
    "/inquiry",
    response={200: dict, **ERRORS},
    summary="Unified inquiry: a reference, an ID, a mobile number or words, with filters",
)
def search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    actor = actor_for(request.auth)  # type: ignore[attr-defined]
    results = queries.search(
        actor, params.q, params.filters(), page=params.page, per_page=params.per_page
    )
    return results_data(results)


class ExportParams(SearchParams):
    format: Literal["csv", "xlsx"] = "csv"


@router.get(
    "/inquiry/export",
    response={200: None, **ERRORS},
    summary="The same search as a CSV or XLSX file (at most 10,000 rows)",
)
def export(request: HttpRequest, params: Query[ExportParams]) -> HttpResponse:
    actor = actor_for(request.auth)  # type: ignore[attr-defined]
    found = queries.export(actor, params.q, params.filters())
    return export_response(found, params.format)


def export_response(found: list[Any], fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(found),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(exports.to_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wasl-inquiry.{fmt}"'
    return response


class PublicParams(Schema):
    reference: str = ""
    id_number: str = ""


def public_data(found: public.PublicStatus) -> dict[str, Any]:
    return {
        "reference": found.reference,
        "state": found.state,
        "state_ar": found.state_ar,
        "state_en": found.state_en,
        "explanation_ar": found.explanation_ar,
        "explanation_en": found.explanation_en,
        "held_by": {
            "entity_ar": found.entity_ar,
            "entity_en": found.entity_en,
            "units_ar": list(found.units_ar),
            "units_en": list(found.units_en),
        },
        "last_update": dual_date(found.last_update),
        "expected": dual_date(found.expected),
    }


def throttled_response(error: Throttled) -> HttpResponse:
    import json

    response = HttpResponse(
        json.dumps(error.as_dict(), ensure_ascii=False),
        status=429,
        content_type="application/json; charset=utf-8",
    )
    response["Retry-After"] = str(error.retry_after)
    return response


@router.get(
    "/public/inquiry",
    auth=None,
    response={200: dict, **ERRORS},
    summary="Public inquiry: reference number + ID number of the person concerned (no token)",
)
def public_inquiry(
    request: HttpRequest, params: Query[PublicParams]
) -> dict[str, Any] | HttpResponse | Status[Any]:
    try:
        found = public.status(params.reference, params.id_number, client=public.client_of(request))
    except Throttled as error:
        return throttled_response(error)
    return public_data(found)
