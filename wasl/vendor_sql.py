"""Migrations that run raw SQL written per database vendor (full-text index, triggers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def run_for_vendor(statements_by_vendor: dict[str, list[str]]) -> Callable[[Any, Any], None]:
    """A RunPython function executing the statements listed for the database's vendor."""

    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run
