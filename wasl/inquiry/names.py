"""Names of entities and units for search results and facets, cached per process.

A search page names a handful of entities and units; reading them from the database on every
search costs more than the search itself. The cache is dropped whenever an entity or a unit is
saved (directory changes go through `save()`), and after `TTL` seconds in any case, so an
edit made in another process shows within a minute.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save

from wasl.directory.models import Entity, Unit

TTL = 60.0


@dataclass(frozen=True)
class Names:
    entities: dict[int, Entity]
    units: dict[int, Unit]
    codes: dict[str, list[str]]  # entity code without dashes -> codes
    loaded: float


_cache: list[Names] = []


def current() -> Names:
    if _cache and time.monotonic() - _cache[0].loaded < TTL:
        return _cache[0]
    entities = {e.pk: e for e in Entity.objects.all()}
    units = {u.pk: u for u in Unit.objects.all()}
    codes: dict[str, list[str]] = {}
    for entity in entities.values():
        codes.setdefault(entity.code.replace("-", ""), []).append(entity.code)
    names = Names(entities, units, codes, time.monotonic())
    _cache[:] = [names]
    return names


def forget(*args: Any, **kwargs: Any) -> None:
    _cache.clear()


for _model in (Entity, Unit):
    post_save.connect(forget, sender=_model, dispatch_uid=f"inquiry-names-{_model.__name__}")
    post_delete.connect(forget, sender=_model, dispatch_uid=f"inquiry-names-d-{_model.__name__}")
