"""The inbox: what waits for the unit a person acts for, in boxes with counts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import forms
from .. import inbox as inbox_queries
from ..workspace import Workspace, staff_page
from .common import active_entities


@staff_page()
def inbox(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """الوارد — what waits for the unit, in boxes with counts, filtered and sorted."""
    entities = active_entities()
    form = forms.InboxFilterForm(request.GET or None, entities=entities)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    box = data.get("box") or ""
    sort = data.get("sort") or "due"
    filters = inbox_queries.Filters(
        kind=data.get("kind") or "",
        urgency=data.get("urgency") or "",
        confidentiality=data.get("confidentiality") or "",
        entity=data.get("entity") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        addressed_to=ws.actor.user_id if data.get("mine") else None,
    )
    result = None
    if ws.unit is not None:
        result = inbox_queries.page(
            ws.actor,
            ws.unit.pk,
            box=box,
            sort=sort,
            filters=filters,
            cursor=data.get("after") or "",
        )
    query = request.GET.copy()
    query.pop("after", None)
    titles = [
        ("open", _("Referrals to the unit")),
        ("new", _("New")),
        ("in_progress", _("In progress")),
        ("due_soon", _("Due soon")),
        ("overdue", _("Overdue")),
        ("incoming", _("From other entities")),
        ("held", _("Back with the unit")),
    ]
    counts = result.counts if result else {}
    boxes = [(key, title, counts.get(key, 0)) for key, title in titles]
    return render(
        request,
        "web/inbox.html",
        {
            "ws": ws,
            "form": form,
            "page": result,
            "box": result.box if result else box or "open",
            "boxes": boxes,
            "query_without_box": _query_without(query, "box"),
            "query": query.urlencode(),
            "filtered": any(
                [
                    filters.kind,
                    filters.urgency,
                    filters.confidentiality,
                    filters.entity,
                    filters.date_from,
                    filters.date_to,
                    filters.addressed_to,
                ]
            ),
            "is_first_page": not data.get("after"),
            "today": timezone.localdate(),
        },
    )


def _query_without(query: Any, key: str) -> str:
    copy = query.copy()
    copy.pop(key, None)
    return copy.urlencode()
