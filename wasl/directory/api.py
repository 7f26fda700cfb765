"""Directory reads for API clients: who am I, which units can I route to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from .actors import actor_for
from .models import Unit

router = Router(tags=["directory"])


@router.get("/me", response=dict, summary="The person behind the token")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    actor = actor_for(user)
    units = {
        pk: (public_id, name_ar, entity)
        for pk, public_id, name_ar, entity in Unit.objects.filter(pk__in=actor.unit_ids)
        .order_by()
        .values_list("pk", "public_id", "name_ar", "entity__code")
    }
    return {
        "username": actor.username,
        "name": user.get_full_name(),
        "memberships": [
            {
                "unit": str(units[unit_id][0]),
                "unit_name_ar": units[unit_id][1],
                "entity": units[unit_id][2],
                "role": role,
            }
            for unit_id, _entity_id, role in actor.memberships
        ],
    }


@router.get("/units", response=list[dict], summary="Units of my entities")
def units(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_for(request.auth)  # type: ignore[attr-defined]
    return [
        {
            "id": str(u.public_id),
            "code": u.code,
            "entity": u.entity.code,
            "name_ar": u.name_ar,
            "name_en": u.name_en,
            "is_registry": u.is_registry,
        }
        for u in Unit.objects.select_related("entity")
        .filter(entity_id__in=actor.entity_ids, is_active=True)
        .order_by("entity__code", "code")
    ]
