from __future__ import annotations

import os

import pytest
from django.db import connection

from . import report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get("WASL_SECURITY_TABLE")
    if not path or not report.has_figures():
        return
    text = report.table(connection.vendor, "make audit-security")
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    print("\n" + text)
