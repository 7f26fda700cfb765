"""The deployment tests run in the PostgreSQL pass of `make test` (`make test-postgres`), where
the suite's own PostgreSQL server is up; the SQLite pass leaves them out, and says so."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if "postgresql" in str(settings.DATABASES["default"]["ENGINE"]):
        return
    left_out = [item for item in items if item.get_closest_marker("postgres_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
