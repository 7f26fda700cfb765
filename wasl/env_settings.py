"""One reading of an app's optional setting: Django's settings first, then the environment
(so that processes started by tests and the Procfile can be configured), then the app's
default, whose type decides how a string from the environment is read."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings


def read(name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name)
        if raw is None or raw == "":
            return default
        value = raw
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value
