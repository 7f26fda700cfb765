"""Signing in: Django's authentication, with a lock-out per account and an audit of every door.

Doors: the staff pages (`SignInForm`), the Django admin (`AdminSignInForm`, wired in
wasl/urls.py) and the API's bearer tokens (`record_refused_token`).

The lock-out is per ACCOUNT — the username as typed, known or not, so that it tells nobody
which accounts exist — whatever address the attempts come from: spreading them over many
addresses gains nothing. After ``WASL_SIGNIN_LOCK_AFTER`` failures in a row the account is
locked for ``WASL_SIGNIN_LOCK_SECONDS``; each further failure doubles the lock, up to
``WASL_SIGNIN_LOCK_MAX_SECONDS``. While locked, attempts are refused without the password being
checked and without lengthening the lock (they are only counted), so someone who tries to lock
another person out can keep an account locked at most one longest lock after their last
attempt, and can guess at most once per lock. The owner then signs in with the right password;
a success clears the count. (The lock is read before the password is checked and the
failure counted after, so requests already past the check when the lock falls are still heard:
at most one per request in flight.)

**Trusted devices** (OWASP's "device cookies"): a successful sign-in leaves a signed cookie
(`DEVICE_COOKIE`, HttpOnly, SameSite=Lax, Secure under PRODUCTION, `DEVICE_COOKIE_DAYS` days)
naming the account and a random nonce. An attempt that carries a valid device cookie for the
username typed is not subject to the account's lock — that lock is for untrusted clients —
so an attacker guessing from elsewhere cannot keep the owner out at all. Its failures are
counted against the device instead (the row keyed ``device:<nonce>``, same growing locks), so a
stolen device cookie gives no more guesses than the account's lock. A forged, expired or
other account's cookie is ignored. A success on a trusted device clears the device's count
only: the account's lock, if an attacker caused one, stays for untrusted clients.

Every success and failure is recorded in the audit log (chain ``system``) in the same
database transaction as the count it changes: ``web.signin.succeeded``, ``web.signin.failed``,
``web.signin.locked`` (with ``door``: ``staff`` or ``admin``, and ``trusted_device``); attempts refused during a lock
are counted on the row and reported with the account's next audited event. Bad bearer tokens:
see `record_refused_token`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wasl.audit import services as audit
from wasl.core.arabic import fold_digits

from .models import RefusedTokens, SignInFailure

USERNAME_MAX = 150
# The audit log keeps object ids to 64 characters; a longer username typed at the sign-in
# is recorded cut (whole in `actor`), never refused with a server error.
AUDIT_OBJECT_ID_MAX = 64
# Bad bearer tokens are counted per source address and per minute.
TOKEN_WINDOW_SECONDS = 60
TOKEN_PREFIX_SHOWN = 12
# Device cookies: the signed cookie a successful sign-in leaves on the browser.
DEVICE_COOKIE = "wasl_device"
DEVICE_COOKIE_DAYS = 90
DEVICE_SALT = "wasl.web.signin.device"
# A device's row in SignInFailure; typing "device:<nonce>" as a username needs the secret nonce.
DEVICE_KEY_PREFIX = "device:"
# Where a successful sign-in leaves the new cookie's value for the view to set.
DEVICE_REQUEST_ATTR = "wasl_device_cookie"


@dataclass(frozen=True)
class Policy:
    after: int
    seconds: int
    max_seconds: int
    forget_seconds: int

    def lock_for(self, failures: int) -> int | None:
        """Seconds of lock after `failures` failures in a row, or None below the threshold."""
        if failures < self.after:
            return None
        doublings = min(failures - self.after, 30)
        return min(self.seconds * 2**doublings, self.max_seconds)


def policy() -> Policy:
    return Policy(
        after=settings.WASL_SIGNIN_LOCK_AFTER,
        seconds=settings.WASL_SIGNIN_LOCK_SECONDS,
        max_seconds=max(settings.WASL_SIGNIN_LOCK_MAX_SECONDS, settings.WASL_SIGNIN_LOCK_SECONDS),
        forget_seconds=settings.WASL_SIGNIN_FORGET_SECONDS,
    )


@dataclass(frozen=True)
class Lock:
    until: datetime

    def minutes_left(self, now: datetime) -> int:
        return max(1, -(-int((self.until - now).total_seconds()) // 60))


def client_address(request: HttpRequest | None) -> str:
    """The peer's address, for the audit log only (the lock-out does not depend on it).
    Behind a proxy, the proxy must set REMOTE_ADDR (see docs/web.md)."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def normal_username(value: object) -> str:
    """Usernames are compared as typed, with Arabic digits folded and spaces trimmed."""
    return fold_digits(str(value or "")).strip()[:USERNAME_MAX]


def issue_device_cookie(username: str) -> str:
    """A new device cookie's value for `username`: signed and timestamped, with a fresh
    nonce that names this device's count of failures."""
    issued = int(timezone.now().timestamp())
    return signing.dumps(
        {"u": username, "n": secrets.token_urlsafe(16), "t": issued}, salt=DEVICE_SALT
    )


def trusted_device(request: HttpRequest | None, username: str) -> str | None:
    """The nonce of the request's device cookie if it is valid, unexpired and names
    `username`; None otherwise."""
    value = request.COOKIES.get(DEVICE_COOKIE) if request is not None else None
    if not value or not username:
        return None
    try:
        data = signing.loads(value, salt=DEVICE_SALT)
    except signing.BadSignature:  # forged or altered
        return None
    if not isinstance(data, dict) or data.get("u") != username:
        return None
    # Its age by the issue time it carries, on Django's clock like the locks.
    issued = data.get("t")
    oldest = timezone.now() - timedelta(days=DEVICE_COOKIE_DAYS)
    if not isinstance(issued, int) or issued < oldest.timestamp():
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) and nonce else None


def device_key(nonce: str) -> str:
    return f"{DEVICE_KEY_PREFIX}{nonce}"


def set_device_cookie(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Put the device cookie that a successful sign-in of this request issued on `response`
    (the staff pages' and the admin's sign-in views call it)."""
    value = getattr(request, DEVICE_REQUEST_ATTR, None)
    if value:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_COOKIE_DAYS * 24 * 60 * 60,
            secure=settings.PRODUCTION or settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def current_lock(username: str, now: datetime | None = None) -> Lock | None:
    """The account's lock, if it is locked now; the refused attempt is counted."""
    now = now or timezone.now()
    locked = SignInFailure.objects.filter(username=username, locked_until__gt=now)
    until = locked.values_list("locked_until", flat=True).first()
    if until is None:
        return None
    locked.update(refused=F("refused") + 1)
    return Lock(until)


def _row_for_update(username: str, now: datetime) -> SignInFailure:
    row = SignInFailure.objects.select_for_update().filter(username=username).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return SignInFailure.objects.create(username=username, last_failed_at=now)
    except IntegrityError:  # another request counted the first failure meanwhile
        return SignInFailure.objects.select_for_update().get(username=username)


def record_failure(
    username: str, ip: str, *, door: str = "staff", device: str | None = None
) -> Lock | None:
    """Count one failure of the account — or of the trusted `device` (a device cookie's
    nonce) it was tried from; returns the lock when this failure locks it."""
    rule = policy()
    now = timezone.now()
    with transaction.atomic():
        row = _row_for_update(device_key(device) if device else username, now)
        if row.failures and row.last_failed_at < now - timedelta(seconds=rule.forget_seconds):
            row.failures = 0  # an old streak of mistakes is forgotten
        row.failures += 1
        row.last_failed_at = now
        seconds = rule.lock_for(row.failures)
        row.locked_until = now + timedelta(seconds=seconds) if seconds else None
        refused, row.refused = row.refused, 0
        row.save(update_fields=["failures", "refused", "last_failed_at", "locked_until"])
        subject = {"object_type": "signin", "object_id": username[:AUDIT_OBJECT_ID_MAX]}
        audit.record(
            "web.signin.failed",
            chain="system",
            actor=username,
            data={
                "ip": ip,
                "door": door,
                "trusted_device": device is not None,
                "failures": row.failures,
                "refused_while_locked": refused,
            },
            at=now,
            **subject,
        )
        if row.locked_until is not None:
            audit.record(
                "web.signin.locked",
                chain="system",
                actor=username,
                data={
                    "ip": ip,
                    "door": door,
                    "trusted_device": device is not None,
                    "failures": row.failures,
                    "seconds": seconds,
                    "until": row.locked_until.isoformat(),
                },
                at=now,
                **subject,
            )
    return Lock(row.locked_until) if row.locked_until else None


def record_success(
    user_id: int, username: str, ip: str, *, door: str = "staff", device: str | None = None
) -> None:
    """Clear the count the attempt was under (the account's, or the trusted device's — an
    account lock stays for untrusted clients) and audit the success."""
    key = device_key(device) if device else username
    with transaction.atomic():
        row = SignInFailure.objects.select_for_update().filter(username=key).first()
        data: dict[str, object] = {"ip": ip, "door": door, "trusted_device": device is not None}
        if row is not None:
            data.update(failures_before=row.failures, refused_while_locked=row.refused)
            row.delete()
        audit.record(
            "web.signin.succeeded",
            chain="system",
            object_type="person",
            object_id=str(user_id),
            actor_id=user_id,
            actor=username,
            data=data,
        )


def unlock(username: str, *, by: str) -> int:
    """Lift an account's lock and forget its failures: the answer of a helpdesk to a person
    whom someone else keeps locked out (trusted devices are never under the account's lock;
    this is for a new browser). Devices' own counts stay. Audited; returns the failures
    forgotten (0 when the account was not counted)."""
    name = normal_username(username)
    with transaction.atomic():
        row = SignInFailure.objects.select_for_update().filter(username=name).first()
        forgotten = row.failures if row is not None else 0
        if row is not None:
            row.delete()
        audit.record(
            "web.signin.unlocked",
            chain="system",
            object_type="signin",
            object_id=name[:AUDIT_OBJECT_ID_MAX],
            actor=by,
            data={"failures_forgotten": forgotten},
        )
    return forgotten


def locked_message(lock: Lock) -> str:
    minutes = lock.minutes_left(timezone.now())
    return ngettext(
        "Too many failed attempts. Try again in %(minutes)d minute.",
        "Too many failed attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LockedOutForm(AuthenticationForm):
    """Django's sign-in form, with the account's lock checked before the password is, and
    the outcome counted and audited."""

    door = "staff"

    def clean(self) -> dict[str, object]:
        username = normal_username(self.cleaned_data.get("username"))
        self.cleaned_data["username"] = username
        ip = client_address(self.request)
        # A valid device cookie for this account puts the attempt under the device's lock
        # instead of the account's.
        device = trusted_device(self.request, username)
        lock = current_lock(device_key(device) if device else username) if username else None
        if lock is not None:
            raise ValidationError(locked_message(lock), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            if username and self.cleaned_data.get("password"):
                new_lock = record_failure(username, ip, door=self.door, device=device)
                if new_lock is not None:
                    raise ValidationError(locked_message(new_lock), code="locked") from None
            raise
        user = self.get_user()
        if user is not None:
            record_success(user.pk, username, ip, door=self.door, device=device)
            if self.request is not None:  # the view puts it on the answer: set_device_cookie
                setattr(self.request, DEVICE_REQUEST_ATTR, issue_device_cookie(username))
        return cleaned


class SignInForm(LockedOutForm):
    """The staff pages' sign-in."""

    error_messages = {
        "invalid_login": _("The username or password is not correct."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request: HttpRequest | None = None, *args: object, **kwargs: object):
        super().__init__(request, *args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "dir": "ltr", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"dir": "ltr"})


class AdminSignInForm(LockedOutForm, AdminAuthenticationForm):
    """The Django admin's sign-in, under the same lock-out and audit as the staff pages (a
    person who is not staff counts as a failure)."""

    door = "admin"


def record_refused_token(token: str, source: str) -> None:
    """Count one API request refused for its bearer token, and audit in aggregate.

    A flood of bad tokens must not flood the audit chain: refusals are counted per source
    address and per minute, and ``directory.token.refused`` is recorded at the 1st, 2nd,
    4th, 8th … refusal of a source's minute (so at most about log2(n) records for n refusals),
    carrying the running count, the shown prefix of the last token and the final count of the
    source's previous minute. Counter and record change in one database transaction.
    """
    minute = int(timezone.now().timestamp() // TOKEN_WINDOW_SECONDS)
    source = source[:45]
    with transaction.atomic():
        row = RefusedTokens.objects.select_for_update().filter(source=source).first()
        if row is None:
            try:
                with transaction.atomic():
                    # New sources are rare; forget those silent for an hour.
                    RefusedTokens.objects.filter(minute__lt=minute - 60).delete()
                    row = RefusedTokens.objects.create(source=source, minute=minute, count=0)
            except IntegrityError:
                row = RefusedTokens.objects.select_for_update().get(source=source)
        if row.minute != minute:
            row.previous_minute, row.previous_count = row.minute, row.count
            row.minute, row.count = minute, 0
        row.count += 1
        row.save(update_fields=["minute", "count", "previous_minute", "previous_count"])
        if row.count & (row.count - 1):
            return  # not a power of two: counted, recorded later in aggregate
        data: dict[str, object] = {
            "ip": source,
            "minute": datetime.fromtimestamp(minute * TOKEN_WINDOW_SECONDS, tz=UTC).isoformat(),
            "count": row.count,
            "prefix": token[:TOKEN_PREFIX_SHOWN] if token.startswith("wasl_") else "",
        }
        if row.count == 1 and row.previous_minute is not None:
            data["previous"] = {
                "minute": datetime.fromtimestamp(
                    row.previous_minute * TOKEN_WINDOW_SECONDS, tz=UTC
                ).isoformat(),
                "count": row.previous_count,
            }
        audit.record(
            "directory.token.refused",
            chain="system",
            object_type="api_token",
            object_id=source,
            actor="",
            data=data,
        )
