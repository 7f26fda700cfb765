"""The demo region, loaded once for a test module and rolled back after it.

Loading months of history takes a while: the tests of a module share one load (in a
transaction that is rolled back when the module ends; each test runs in a savepoint inside
it). The history ends at a fixed moment, so every run of the tests sees the same data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

# A Thursday afternoon, Riyadh time. The tests play two and a half months of the history (the
# demo plays six: the same code, a longer loop; a full load costs minutes on PostgreSQL): from
# late May to early August 2026, across the Hijri new year (1 Muharram 1448, mid-June).
END = datetime(2026, 8, 6, 13, 0, tzinfo=ZoneInfo("Asia/Riyadh"))
MONTHS = 2.5
START = END - timedelta(days=round(MONTHS * 30.44))  # as the loader counts


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded once for the module; its output."""
    # As tests/conftest.py's fast_password_hashing, which is function-scoped.
    md5 = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), md5, transaction.atomic():
        out = StringIO()
        call_command("loaddemo", "--end", END.isoformat(), f"--months={MONTHS}", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
