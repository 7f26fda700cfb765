"""The notifications' background job (run by `wasl worker`): sending the outbox.

One task, enqueued after every commit that queues a notification, again for each retry (at
its time), and every few seconds by the worker's schedule (wasl/worker/schedule.py). It takes
no ids: the outbox rows are the queue's truth (status, attempts, a lease while a message is
being sent), so running it twice, or on two workers at once, sends each message once."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from . import sending

MAX_PASSES = 20


@task()
def send_due() -> dict[str, int]:
    """Send what is due, batch after batch, until nothing is (or `MAX_PASSES`); give up on
    the receipts that never came."""
    sending.expire_unanswered()
    total = sending.Counts()
    for _ in range(MAX_PASSES):
        counts = sending.send_due()
        total.claimed += counts.claimed
        total.sent += counts.sent
        total.retrying += counts.retrying
        total.failed += counts.failed
        if counts.retry_at is not None:
            total.retry_at = max(total.retry_at or counts.retry_at, counts.retry_at)
        if counts.claimed == 0:
            break
    else:
        send_due.enqueue()
    if total.retry_at is not None:
        retry_at(total.retry_at)
    return {"sent": total.sent, "retrying": total.retrying, "failed": total.failed}


def enqueue_send() -> None:
    send_due.enqueue()


def retry_at(when: datetime) -> None:
    """A run of `send_due` at `when`. A backend that cannot defer (the tests' inline one)
    leaves the retry to the worker's periodic run."""
    if send_due.get_backend().supports_defer:
        send_due.using(run_after=when).enqueue()
