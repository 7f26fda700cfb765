"""The periodic jobs: declared once, enqueued when due, once per period however many workers
look at the same time."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.utils import timezone

from wasl.worker import schedule
from wasl.worker.models import PeriodicJob


@pytest.fixture
def ran(monkeypatch):
    """The names of the jobs whose task was enqueued (run inline in the tests)."""
    names: list[str] = []

    class Recorded:
        def __init__(self, name: str) -> None:
            self.name = name

        def enqueue(self) -> None:
            names.append(self.name)

    monkeypatch.setattr(
        schedule,
        "SCHEDULE",
        tuple(dataclasses.replace(job, task=Recorded(job.name)) for job in schedule.SCHEDULE),
    )
    return names


def test_every_job_is_due_at_once_then_after_its_interval(db, ran):
    now = timezone.now()
    schedule.ensure_rows(now)
    everything = [job.name for job in schedule.SCHEDULE]
    assert schedule.enqueue_due(now) == everything
    assert ran == everything
    assert schedule.enqueue_due(now + timedelta(seconds=1)) == []
    later = now + timedelta(seconds=11)
    assert schedule.enqueue_due(later) == ["exchange.deliver_due", "notifications.send_due"]
    assert schedule.enqueue_due(now + timedelta(days=1, seconds=1)) == everything


def test_two_workers_that_find_a_job_due_together_enqueue_it_once(db, ran):
    now = timezone.now()
    schedule.ensure_rows(now)
    job = schedule.SCHEDULE[0]
    first_saw, second_saw = schedule.due(now), schedule.due(now)  # both look, then both act
    assert schedule.take(job, first_saw[job.name], now) is True
    assert schedule.take(job, second_saw[job.name], now) is False
    assert ran == [job.name]
    row = PeriodicJob.objects.get(name=job.name)
    assert (row.next_run_at, row.last_enqueued_at) == (now + job.every, now)


def test_the_rows_are_made_once_and_a_new_job_is_due_at_once(db):
    now = timezone.now()
    schedule.ensure_rows(now)
    PeriodicJob.objects.update(next_run_at=now + timedelta(hours=5))
    PeriodicJob.objects.filter(name="worker.prune_task_results").delete()
    schedule.ensure_rows(now)
    assert PeriodicJob.objects.count() == len(schedule.SCHEDULE)
    assert set(schedule.due(now)) == {"worker.prune_task_results"}


def test_the_jobs_run_as_tasks(db, cast):
    # The tests' backend runs a task when it is enqueued: each job runs for real.
    results = [job.task.enqueue() for job in schedule.SCHEDULE]
    assert [r.status for r in results] == ["SUCCESSFUL"] * len(results)
