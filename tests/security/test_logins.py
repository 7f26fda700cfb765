"""Probes of the doors (issue 15, item 3): guessing a password from many addresses, locking
another person out, the admin's sign-in, bad API tokens, and the public inquiry's limiter.

A "leak" here is a bypass that succeeded: a sign-in let through while the account was locked,
a victim still refused after the bounded delay, an attempt that went unaudited, or the owner
of a transaction refused the public inquiry because of someone else's attempts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, make_transaction
from tests.security.report import record
from wasl.audit.models import AuditRecord
from wasl.audit.services import verify_chain
from wasl.web.models import RefusedTokens

ADDRESSES = [f"198.51.100.{n}" for n in range(1, 22)]  # the probe's 21 addresses


class Clock:
    """Django's clock, moved by hand: the locks last minutes, the test does not."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def sign_in(username: str, password: str, address: str, path: str = "/signin/") -> bool:
    client = Client(REMOTE_ADDR=address)
    data = {"username": username, "password": password}
    if path.startswith("/admin/"):
        data["next"] = "/admin/"
    client.post(path, data)
    return "_auth_user_id" in client.session


def audited(action: str, actor: str | None = None, **data: Any) -> int:
    rows = AuditRecord.objects.filter(chain="system", action=action)
    if actor is not None:
        rows = rows.filter(actor=actor)
    return sum(1 for row in rows if all(row.data.get(k) == v for k, v in data.items()))


def test_guessing_from_21_addresses_locks_the_account(cast: Any, clock: Clock) -> None:
    attempts = leaks = 0
    for address in ADDRESSES:  # one wrong guess from each address
        attempts += 1
        leaks += sign_in("clerk", "wrong-guess", address)
    # The right password, from each of the addresses and a new one, while the lock holds.
    for address in [*ADDRESSES, "203.0.113.77"]:
        attempts += 1
        leaks += sign_in("clerk", PASSWORD, address)
    record("logins", attempts=attempts, leaks=leaks)
    assert leaks == 0
    # Only the failures before the lock and one per lock after it reached the password check.
    failed = audited("web.signin.failed", door="staff")
    assert failed == settings.WASL_SIGNIN_LOCK_AFTER
    assert audited("web.signin.locked") == 1


def test_nobody_keeps_another_person_locked_out_beyond_the_longest_lock(
    cast: Any, clock: Clock
) -> None:
    longest = settings.WASL_SIGNIN_LOCK_MAX_SECONDS
    attempts = leaks = 0
    locks: list[int] = []
    # The attacker tries for an hour and a half, a wrong password every 15 seconds from
    # another address each time.
    for step in range(90 * 4):
        attempts += 1
        leaks += sign_in("head", "not-the-password", ADDRESSES[step % len(ADDRESSES)])
        clock.advance(15)
    locked = AuditRecord.objects.filter(action="web.signin.locked").order_by("seq")
    locks.extend(row.data["seconds"] for row in locked)
    assert locks[:5] == [60, 120, 240, 480, 900] and max(locks) == longest
    # The attacker gets one guess per lock, not one per request: 360 tries, a dozen heard.
    heard = audited("web.signin.failed")
    assert heard == settings.WASL_SIGNIN_LOCK_AFTER - 1 + len(locks) and len(locks) <= 12
    # The attacker stops; within the longest lock the owner signs in with the right password.
    clock.advance(longest)
    attempts += 1
    if not sign_in("head", PASSWORD, "192.0.2.10"):
        leaks += 1
    record("logins", attempts=attempts, leaks=leaks)
    assert leaks == 0
    succeeded = AuditRecord.objects.get(action="web.signin.succeeded", actor="head")
    assert succeeded.data["refused_while_locked"] > 0  # the refused attempts were counted


def test_the_first_lock_is_short_and_the_owner_then_gets_in(cast: Any, clock: Clock) -> None:
    for _ in range(settings.WASL_SIGNIN_LOCK_AFTER):
        sign_in("clerk", "wrong", "198.51.100.200")
    assert not sign_in("clerk", PASSWORD, "192.0.2.10")
    clock.advance(settings.WASL_SIGNIN_LOCK_SECONDS)
    got_in = sign_in("clerk", PASSWORD, "192.0.2.10")
    record("logins", attempts=settings.WASL_SIGNIN_LOCK_AFTER + 2, leaks=0 if got_in else 1)
    assert got_in


def test_the_admin_sign_in_is_locked_per_account_and_audited(cast: Any, clock: Clock) -> None:
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    assert sign_in("root", PASSWORD, "192.0.2.1", "/admin/login/")
    assert audited("web.signin.succeeded", door="admin") == 1
    attempts, leaks = 1, 0
    for address in ADDRESSES:
        attempts += 1
        leaks += sign_in("root", "wrong", address, "/admin/login/")
    attempts += 1
    leaks += sign_in("root", PASSWORD, "192.0.2.1", "/admin/login/")  # locked: refused
    # The lock is the account's, whichever door: the staff pages are locked too.
    attempts += 1
    leaks += sign_in("root", PASSWORD, "192.0.2.1")
    failed = audited("web.signin.failed", door="admin")
    leaks += failed != settings.WASL_SIGNIN_LOCK_AFTER  # every failure that was heard, audited
    assert audited("web.signin.locked", door="admin") == 1
    # Someone who is not staff fails at the admin's door, audited as such.
    attempts += 1
    leaks += sign_in("clerk", PASSWORD, "192.0.2.2", "/admin/login/")
    assert audited("web.signin.failed", "clerk", door="admin") == 1
    record("logins", attempts=attempts, leaks=leaks)
    assert leaks == 0
    assert verify_chain("system") is None


def test_bad_tokens_are_audited_without_flooding_the_log(cast: Any, clock: Clock) -> None:
    client = Client(REMOTE_ADDR="198.51.100.9")
    statuses = set()
    for n in range(300):
        token = f"wasl_guess{n:040d}"
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        statuses.add(response.status_code)
    assert statuses == {401}
    refused = AuditRecord.objects.filter(action="directory.token.refused").order_by("seq")
    # 1, 2, 4, … 256: nine records for 300 refusals, each with the running count.
    assert [r.data["count"] for r in refused] == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert refused[0].data["ip"] == "198.51.100.9" and refused[0].data["prefix"] == "wasl_guess00"
    assert RefusedTokens.objects.get(source="198.51.100.9").count == 300
    # Another source is counted apart; a good token adds nothing.
    Client(REMOTE_ADDR="198.51.100.10").get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nope")
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {cast.clerk.token}")
    assert me.status_code == 200
    assert AuditRecord.objects.filter(action="directory.token.refused").count() == 10
    # The next minute's first refusal carries the last one's total.
    clock.advance(60)
    client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer wasl_later")
    later = AuditRecord.objects.filter(action="directory.token.refused").order_by("-seq")[0]
    assert later.data["count"] == 1
    unaudited = 0 if later.data["previous"]["count"] == 300 else 300
    record("logins", attempts=302, leaks=unaudited)
    assert unaudited == 0


def test_an_enumerator_does_not_lock_the_owner_out_of_the_public_inquiry(cast: Any) -> None:
    txn = make_transaction(cast)
    owner_id = "1058529940"
    enumerator = Client(REMOTE_ADDR="198.51.100.66")
    owner = Client(REMOTE_ADDR="192.0.2.44")

    def ask(client: Client, id_number: str) -> int:
        query = {"reference": txn.reference, "id_number": id_number}
        return client.get("/api/v1/public/inquiry", query).status_code

    wrong_ids = ["1001244019", "1000000008", "1000000016", "1000000024", "1000000032"]
    codes = [ask(enumerator, wrong_ids[n % len(wrong_ids)]) for n in range(40)]
    assert set(codes) == {404, 429} and codes[-1] == 429
    assert codes.count(404) == settings.WASL_INQUIRY_THROTTLE_PER_REFERENCE
    # The enumerator, once throttled, does not get through even with the right pair.
    leaks = ask(enumerator, owner_id) == 200
    # The owner, meanwhile, gets the answer every time they ask.
    refused_owner = sum(ask(owner, owner_id) != 200 for _ in range(5))
    record("logins", attempts=46, leaks=int(leaks) + refused_owner)
    assert not leaks and refused_owner == 0


def test_the_limits_come_from_the_environment(tmp_path: Any) -> None:
    import subprocess
    import sys

    def read(env: dict[str, str], name: str) -> subprocess.CompletedProcess[str]:
        code = f"from django.conf import settings; print(settings.{name})"
        return subprocess.run(  # noqa: S603 — our own settings module, in a fresh interpreter
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={
                "DJANGO_SETTINGS_MODULE": "wasl.settings",
                "PATH": "/usr/bin:/bin",
                "WASL_VAR_DIR": str(tmp_path),
                **env,
            },
            capture_output=True,
            text=True,
            check=False,
        )

    assert read({}, "WASL_SIGNIN_LOCK_AFTER").stdout.strip() == "5"
    assert read({"WASL_SIGNIN_LOCK_AFTER": "8"}, "WASL_SIGNIN_LOCK_AFTER").stdout.strip() == "8"
    assert read({"WASL_INQUIRY_THROTTLE_PER_CLIENT": "90"}, "WASL_INQUIRY_THROTTLE_PER_CLIENT")
    bad = read({"WASL_SIGNIN_LOCK_SECONDS": "soon"}, "WASL_SIGNIN_LOCK_SECONDS")
    assert bad.returncode != 0 and "WASL_SIGNIN_LOCK_SECONDS must be a whole number" in bad.stderr
    zero = read({"WASL_INQUIRY_THROTTLE_PER_CLIENT": "0"}, "WASL_INQUIRY_THROTTLE_PER_CLIENT")
    assert zero.returncode != 0 and "at least 1" in zero.stderr
