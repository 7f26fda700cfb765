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
from wasl.web.signin import DEVICE_COOKIE, DEVICE_COOKIE_DAYS, issue_device_cookie

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


def owner_device(username: str, path: str = "/signin/") -> str:
    """The device cookie the owner's browser keeps from an earlier, successful sign-in."""
    client = Client(REMOTE_ADDR="192.0.2.10")
    data = {"username": username, "password": PASSWORD}
    if path.startswith("/admin/"):
        data["next"] = "/admin/"
    response = client.post(path, data)
    assert "_auth_user_id" in client.session
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == DEVICE_COOKIE_DAYS * 24 * 60 * 60
    return cookie.value


def sign_in_with(device: str, username: str, password: str, path: str = "/signin/") -> bool:
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.cookies[DEVICE_COOKIE] = device
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


def lock_out(username: str, path: str = "/signin/") -> int:
    """The attacker, from many addresses, guesses until the account is locked."""
    for address in ADDRESSES:
        sign_in(username, "attackers-guess", address, path)
    assert not sign_in(username, PASSWORD, "203.0.113.5", path)  # locked for strangers
    return len(ADDRESSES) + 1


def test_the_owner_with_a_device_cookie_gets_in_while_the_account_is_locked(
    cast: Any, clock: Clock
) -> None:
    device = owner_device("clerk")
    attempts = 1 + lock_out("clerk")
    # The owner, from the browser they signed in with before, gets in at once.
    attempts += 1
    locked_out = not sign_in_with(device, "clerk", PASSWORD)
    succeeded = AuditRecord.objects.filter(action="web.signin.succeeded").order_by("-seq")[0]
    assert succeeded.data["trusted_device"] is True
    # The account's lock still holds for everybody else.
    attempts += 1
    bypass = sign_in("clerk", PASSWORD, "203.0.113.6")
    record("logins", attempts=attempts, leaks=int(locked_out) + int(bypass))
    assert not locked_out and not bypass
    assert verify_chain("system") is None


def test_the_admin_owner_with_a_device_cookie_gets_in_while_locked(cast: Any, clock: Clock) -> None:
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    device = owner_device("root", "/admin/login/")
    attempts = 1 + lock_out("root", "/admin/login/")
    attempts += 2
    locked_out = not sign_in_with(device, "root", PASSWORD, "/admin/login/")
    bypass = sign_in("root", PASSWORD, "203.0.113.6", "/admin/login/")
    assert audited("web.signin.succeeded", "root", door="admin", trusted_device=True) == 1
    record("logins", attempts=attempts, leaks=int(locked_out) + int(bypass))
    assert not locked_out and not bypass


def test_a_forged_expired_or_other_accounts_cookie_gives_no_exemption(
    cast: Any, clock: Clock
) -> None:
    heads = owner_device("head")  # a real device cookie, of another account
    attempts = 1 + lock_out("clerk")
    genuine = issue_device_cookie("clerk")
    forged = genuine[:-3] + ("aaa" if not genuine.endswith("aaa") else "bbb")
    unsigned = issue_device_cookie("clerk").rsplit(":", 2)[0]
    cookies = [heads, forged, unsigned, "clerk", ""]
    leaks = 0
    for cookie in cookies:
        attempts += 1
        leaks += sign_in_with(cookie, "clerk", PASSWORD)
    # A genuine cookie of the clerk's, once it is older than its life, no longer counts.
    clock.advance(DEVICE_COOKIE_DAYS * 24 * 60 * 60 + 1)
    lock_out("clerk")  # the attacker is still at it
    attempts += 1
    leaks += sign_in_with(genuine, "clerk", PASSWORD)
    record("logins", attempts=attempts, leaks=leaks)
    assert leaks == 0


def test_a_device_cookie_guessing_passwords_is_locked_too(cast: Any, clock: Clock) -> None:
    device = owner_device("clerk")  # say, stolen with the laptop
    attempts, leaks = 1, 0
    for _ in range(30):
        attempts += 1
        leaks += sign_in_with(device, "clerk", "thiefs-guess")
    heard = audited("web.signin.failed", "clerk", trusted_device=True)
    assert audited("web.signin.locked", "clerk", trusted_device=True) == 1
    assert heard == settings.WASL_SIGNIN_LOCK_AFTER  # the device's lock holds as the account's
    # Locked, the device is refused even the right password; the account itself is not locked
    # (the owner's other browsers, and strangers with the password, still get in).
    attempts += 1
    leaks += sign_in_with(device, "clerk", PASSWORD)
    attempts += 1
    owner_refused = not sign_in("clerk", PASSWORD, "192.0.2.11")
    record("logins", attempts=attempts, leaks=leaks + int(owner_refused))
    assert leaks == 0 and not owner_refused


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
