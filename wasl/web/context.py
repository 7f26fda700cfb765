"""Template context for every page: the person's workspace for the header (the unit they act
for, and whether they may register), also on the pages of the other apps (the inquiry, the
dashboards), which do not build one themselves. Lazy: read only when a page shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .workspace import workspace_for


def workspace(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"ws": SimpleLazyObject(lambda: workspace_for(request))}
