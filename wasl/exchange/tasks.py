"""The exchange's background job: moving the outbox (run by `wasl worker`).

One task, enqueued after every commit that puts a message in the outbox, again for each
retry (at its time), and every few seconds by the worker's schedule (wasl/worker/schedule.py).
It takes no ids: the outbox rows are the queue's truth (state, attempts, next attempt, a lease
while a delivery is under way), so running it twice, or from two workers at once, delivers
each message once — a second run finds nothing due. A worker killed in the middle leaves its
messages leased; they come due again when the lease ends and the next run takes them."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from . import delivery

# One run delivers at most this many batches, then leaves the rest to the next run (so that
# a long queue does not hold one worker while the others have tasks to run).
MAX_PASSES = 20


@task()
def deliver_outbox() -> dict[str, int]:
    """Deliver what is due in the outbox, batch after batch, until nothing is (or
    `MAX_PASSES`). Messages to retry later get a run of this task at their time."""
    totals = delivery.Counts()
    for _ in range(MAX_PASSES):
        counts = delivery.deliver_due()
        totals.add(counts)
        if counts.claimed == 0:
            break
    else:
        deliver_outbox.enqueue()  # more is due: another run, perhaps on another worker
    if totals.retry_at is not None:
        retry_at(totals.retry_at)
    return {"delivered": totals.delivered, "retrying": totals.retrying, "failed": totals.failed}


def retry_at(when: datetime) -> None:
    """A run of `deliver_outbox` at `when`. A backend that cannot defer (the tests' inline
    one) leaves the retry to the worker's periodic run."""
    if deliver_outbox.get_backend().supports_defer:
        deliver_outbox.using(run_after=when).enqueue()
