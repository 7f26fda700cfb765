"""The demo region, loaded once for a test module and rolled back after it.

Loading six months of history takes a while: the tests of a module share one load (in a
transaction that is rolled back when the module ends; each test runs in a savepoint inside
it). The history ends at a fixed moment, so every run of the tests sees the same data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

# A Thursday afternoon, Riyadh time: the history runs from early June to early December 2026
# (Dhu al-Hijjah 1447 to Jumada al-Akhirah 1448) and crosses the Hijri new year.
END = datetime(2026, 12, 3, 13, 0, tzinfo=ZoneInfo("Asia/Riyadh"))


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded once for the module; its output."""
    # As tests/conftest.py's fast_password_hashing, which is function-scoped.
    md5 = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), md5, transaction.atomic():
        out = StringIO()
        call_command("loaddemo", "--end", END.isoformat(), stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
