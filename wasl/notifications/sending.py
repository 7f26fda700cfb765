"""Sending the outbox: claim the notifications that are due, hand each to the provider (an
e-mail to the SMTP server, `emails`), and record what it answered — taken (sending, or
delivered at once), refused for now (temporary failure, tried again after an exponential
back-off or the provider's Retry-After), or refused for good (permanent failure). After `WASL_NOTIFY_MAX_ATTEMPTS` a message that never got
through is a technical failure. Run by the task `tasks.send_due`.

A claim is a lease (the next attempt moves past it): two workers never send one message at
once, and a worker that dies leaves its messages to come due when the lease ends. Every write
after sending is conditioned on the lease, so a receipt that arrived first (the provider may
call back before its answer reaches us) is never overwritten.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction as db
from django.db.models import F
from django.utils import timezone

from . import conf, emails, providers
from .models import Notification
from .states import DUE, Channel, Status

logger = logging.getLogger("wasl.notifications")


@dataclass
class Counts:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    retry_at: datetime | None = None


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from BASE up to MAX, with jitter; at
    least what the provider asked for."""
    base = conf.get("WASL_NOTIFY_BACKOFF_BASE_SECONDS")
    wait = min(conf.get("WASL_NOTIFY_BACKOFF_MAX_SECONDS"), base * 2 ** max(attempts - 1, 0))
    wait *= 1 + random.random() / 4  # noqa: S311 — spread, not a secret
    return timedelta(seconds=max(wait, retry_after or 0))


def claim(limit: int) -> list[Notification]:
    now = timezone.now()
    lease = now + timedelta(
        seconds=conf.get("WASL_NOTIFY_LEASE_SECONDS"),
        microseconds=random.randrange(1000),  # noqa: S311 — spread, not a secret
    )
    due = Notification.objects.filter(status__in=DUE, next_attempt_at__lte=now)
    picked = list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
    if not picked:
        return []
    with db.atomic():
        due.filter(pk__in=picked).update(next_attempt_at=lease, attempts=F("attempts") + 1)
    return list(Notification.objects.filter(pk__in=picked, next_attempt_at=lease).order_by("id"))


def expire_unanswered(now: datetime | None = None) -> int:
    """Messages the provider took whose receipt never came (`WASL_NOTIFY_RECEIPT_WAIT_SECONDS`)
    end as a temporary failure with no further attempt; a late receipt still settles them."""
    now = now or timezone.now()
    wait = timedelta(seconds=conf.get("WASL_NOTIFY_RECEIPT_WAIT_SECONDS"))
    return Notification.objects.filter(status=Status.SENDING, sent_at__lt=now - wait).update(
        status=Status.TEMPORARY_FAILURE,
        status_at=now,
        next_attempt_at=None,
        error="no delivery receipt from the provider",
    )


def send_due(limit: int | None = None, provider: providers.SmsProvider | None = None) -> Counts:
    """One pass: claim what is due and send it."""
    claimed = claim(limit or conf.get("WASL_NOTIFY_BATCH_SIZE"))
    counts = Counts(claimed=len(claimed))
    if not claimed:
        return counts
    mailer: emails.Mailer | None = None
    for row in claimed:
        if row.channel == Channel.EMAIL:
            mailer = mailer or emails.Mailer()
            settle(row, mailer.name, _send_email(mailer, row), counts)
            continue
        provider = provider or providers.sms_provider()
        outcome = _send_one(provider, row)
        settle(row, provider.name, outcome, counts)
    return counts


def _send_email(mailer: emails.Mailer, row: Notification) -> providers.Accepted | providers.Refused:
    try:
        return mailer.send(row)
    except Exception as error:  # a bad message must not stop the others'
        logger.exception("notifications: e-mail %s could not be sent", row.public_id)
        return providers.Refused(f"mailer error: {type(error).__name__}", temporary=True)


def _send_one(
    provider: providers.SmsProvider, row: Notification
) -> providers.Accepted | providers.Refused:
    message = providers.Outgoing(
        id=str(row.public_id), to=row.to, body=row.body, encoding=row.encoding, parts=row.parts
    )
    try:
        return provider.send(message)
    except Exception as error:  # a bug in an adapter must not stop the others' messages
        logger.exception("notifications: provider %s failed on %s", provider.name, row.public_id)
        return providers.Refused(f"provider error: {type(error).__name__}", temporary=True)


def settle(
    row: Notification,
    provider: str,
    outcome: providers.Accepted | providers.Refused,
    counts: Counts,
) -> None:
    now = timezone.now()
    mine = Notification.objects.filter(pk=row.pk, next_attempt_at=row.next_attempt_at)
    if isinstance(outcome, providers.Accepted):
        counts.sent += 1
        status = Status.DELIVERED if outcome.delivered else Status.SENDING
        with db.atomic():
            Notification.objects.filter(pk=row.pk).update(
                provider=provider, provider_ref=outcome.provider_ref, sent_at=now, error=""
            )
            mine.filter(status__in=DUE).update(status=status, status_at=now, next_attempt_at=None)
        return
    if not outcome.temporary:
        counts.failed += 1
        mine.update(
            status=Status.PERMANENT_FAILURE,
            status_at=now,
            provider=provider,
            error=outcome.reason[:300],
            next_attempt_at=None,
        )
        return
    if row.attempts >= conf.get("WASL_NOTIFY_MAX_ATTEMPTS"):
        counts.failed += 1
        mine.update(
            status=Status.TECHNICAL_FAILURE,
            status_at=now,
            provider=provider,
            error=f"gave up after {row.attempts} attempts: {outcome.reason}"[:300],
            next_attempt_at=None,
        )
        return
    counts.retrying += 1
    when = now + backoff(row.attempts, outcome.retry_after)
    counts.retry_at = max(counts.retry_at or when, when)
    mine.update(
        status=Status.TEMPORARY_FAILURE,
        status_at=now,
        provider=provider,
        error=outcome.reason[:300],
        next_attempt_at=when,
    )
