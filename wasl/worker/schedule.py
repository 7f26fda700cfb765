"""The periodic jobs, declared once: what runs, how often. `wasl worker` enqueues each job as
a task when it is due; any worker then runs it.

Several workers on one database enqueue a job once per period: the first to find it due moves
its `next_run_at` on with an UPDATE conditioned on the value it read, in the same database
transaction as the task's row, so the others' UPDATE matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from wasl.dashboards import tasks as dashboards
from wasl.directory import idempotency
from wasl.exchange import tasks as exchange
from wasl.mail import tasks as mail
from wasl.notifications import tasks as notifications
from wasl.portal.eservices import tasks as eservices
from wasl.portal.jalsa import tasks as jalsa

from . import tasks as housekeeping
from .models import PeriodicJob


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Any  # a django_tasks Task that takes no arguments
    every: timedelta
    why: str


SCHEDULE = (
    Periodic(
        "exchange.deliver_due",
        exchange.deliver_outbox,
        timedelta(seconds=10),
        "outbox messages whose worker died come due again when their lease ends; retries "
        "are tasks of their own, this only catches what nothing else will",
    ),
    Periodic(
        "notifications.send_due",
        notifications.send_due,
        timedelta(seconds=10),
        "notifications to retry come due (a backend that cannot defer leaves them to this), "
        "and those whose worker died come back when their lease ends",
    ),
    Periodic(
        "mail.poll_imap",
        mail.poll_imap,
        timedelta(seconds=30),
        "the visitors' e-mail that reaches an existing mailbox (nothing when no IMAP host is set)",
    ),
    Periodic(
        "dashboards.followup",
        dashboards.run_followup,
        timedelta(hours=1),
        "the day's reminders and escalations (each sent once a day, however often it runs)",
    ),
    Periodic(
        "worker.prune_task_results",
        housekeeping.prune_task_results,
        timedelta(days=1),
        "finished tasks are deleted after a week",
    ),
    Periodic(
        "directory.prune_idempotent_requests",
        idempotency.prune_idempotent_requests,
        timedelta(hours=1),
        "answers kept for Idempotency-Key repeats are deleted after 24 hours",
    ),
    Periodic(
        "eservices.sweep_draft_files",
        eservices.sweep_draft_files,
        timedelta(days=1),
        "the files of e-service drafts untouched for WASL_PORTAL_DRAFT_FILES_DAYS days are "
        "deleted (the drafts keep their other answers)",
    ),
    Periodic(
        "jalsa.remind_due",
        jalsa.remind_due,
        timedelta(minutes=15),
        "audience reminders whose own task was lost are sent (each booking once)",
    ),
)


def ensure_rows(now: datetime | None = None) -> None:
    """A row per job (a new job is due at once)."""
    now = now or timezone.now()
    PeriodicJob.objects.bulk_create(
        [PeriodicJob(name=job.name, next_run_at=now) for job in SCHEDULE],
        ignore_conflicts=True,
    )


def due(now: datetime) -> dict[str, datetime]:
    """The jobs due at `now`, each with the `next_run_at` read."""
    return dict(PeriodicJob.objects.filter(next_run_at__lte=now).values_list("name", "next_run_at"))


def take(job: Periodic, seen: datetime, now: datetime) -> bool:
    """Enqueue `job` if its `next_run_at` is still the one read (`seen`): moved on and
    enqueued in one transaction. False when another worker took this period first."""
    with transaction.atomic():
        taken = PeriodicJob.objects.filter(name=job.name, next_run_at=seen).update(
            next_run_at=now + job.every, last_enqueued_at=now
        )
        if taken:
            job.task.enqueue()
    return bool(taken)


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue the jobs that are due (those another worker enqueued first are skipped).
    Returns the names of the jobs this call enqueued."""
    now = now or timezone.now()
    seen = due(now)
    return [job.name for job in SCHEDULE if job.name in seen and take(job, seen[job.name], now)]
