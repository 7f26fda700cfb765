"""Signing in: Django's authentication, with a lock-out after repeated failures.

Failures are counted per username and address over a window; after ``LOCKOUT_THRESHOLD`` of
them the pair is locked for ``LOCKOUT_SECONDS`` and the password is not even checked. Every
failure, lock-out and sign-in is recorded in the audit log (chain ``system``). Any username
is counted, known or not, so the lock-out tells nobody which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wasl.audit import services as audit
from wasl.core.arabic import fold_digits

from .models import SignInFailure

LOCKOUT_THRESHOLD = 5
LOCKOUT_WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60
USERNAME_MAX = 150
# The audit log keeps object ids to 64 characters; a longer username typed at the sign-in
# is recorded cut (whole in `actor`), never refused with a server error.
AUDIT_OBJECT_ID_MAX = 64


@dataclass(frozen=True)
class Lock:
    until: datetime

    def minutes_left(self, now: datetime) -> int:
        return max(1, -(-int((self.until - now).total_seconds()) // 60))


def client_address(request: HttpRequest | None) -> str:
    """The peer's address. Behind a proxy, the proxy must set REMOTE_ADDR (see docs/web.md):
    a client-supplied X-Forwarded-For would let anyone pick their own lock-out key."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def normal_username(value: object) -> str:
    """Usernames are compared as typed, with Arabic digits folded and spaces trimmed."""
    return fold_digits(str(value or "")).strip()[:USERNAME_MAX]


def current_lock(username: str, ip: str, now: datetime | None = None) -> Lock | None:
    now = now or timezone.now()
    until = (
        SignInFailure.objects.filter(username=username, ip=ip, locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    return Lock(until) if until else None


def record_failure(username: str, ip: str) -> Lock | None:
    """Count one failure; returns the lock when this failure locks the pair."""
    now = timezone.now()
    window_start = now - timedelta(seconds=LOCKOUT_WINDOW_SECONDS)
    with transaction.atomic():
        row = SignInFailure.objects.select_for_update().filter(username=username, ip=ip).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = SignInFailure.objects.create(
                        username=username,
                        ip=ip,
                        failures=0,
                        first_failed_at=now,
                        last_failed_at=now,
                    )
            except IntegrityError:  # another request counted the first failure meanwhile
                row = SignInFailure.objects.select_for_update().get(username=username, ip=ip)
        if row.first_failed_at < window_start:
            row.failures = 0
            row.first_failed_at = now
            row.locked_until = None
        row.failures += 1
        row.last_failed_at = now
        locked = row.failures >= LOCKOUT_THRESHOLD
        if locked:
            row.locked_until = now + timedelta(seconds=LOCKOUT_SECONDS)
        row.save(update_fields=["failures", "first_failed_at", "last_failed_at", "locked_until"])
        audit.record(
            "web.signin.failed",
            chain="system",
            object_type="signin",
            object_id=username[:AUDIT_OBJECT_ID_MAX],
            actor=username,
            data={"ip": ip, "failures": row.failures},
            at=now,
        )
        if locked:
            audit.record(
                "web.signin.locked",
                chain="system",
                object_type="signin",
                object_id=username[:AUDIT_OBJECT_ID_MAX],
                actor=username,
                data={"ip": ip, "until": row.locked_until.isoformat()},
                at=now,
            )
    return Lock(row.locked_until) if locked and row.locked_until else None


def record_success(user_id: int, username: str, ip: str) -> None:
    with transaction.atomic():
        SignInFailure.objects.filter(username=username, ip=ip).delete()
        audit.record(
            "web.signin.succeeded",
            chain="system",
            object_type="person",
            object_id=str(user_id),
            actor_id=user_id,
            actor=username,
            data={"ip": ip},
        )


def locked_message(lock: Lock) -> str:
    minutes = lock.minutes_left(timezone.now())
    return ngettext(
        "Too many failed attempts. Try again in %(minutes)d minute.",
        "Too many failed attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the lock-out checked before the password is."""

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

    def clean(self) -> dict[str, object]:
        username = normal_username(self.cleaned_data.get("username"))
        self.cleaned_data["username"] = username
        ip = client_address(self.request)
        lock = current_lock(username, ip) if username else None
        if lock is not None:
            raise ValidationError(locked_message(lock), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            if username and self.cleaned_data.get("password"):
                new_lock = record_failure(username, ip)
                if new_lock is not None:
                    raise ValidationError(locked_message(new_lock), code="locked") from None
            raise
        user = self.get_user()
        if user is not None:
            record_success(user.pk, username, ip)
        return cleaned
