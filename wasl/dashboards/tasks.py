"""The dashboards' background jobs (run by `wasl worker`, see wasl/worker/schedule.py)."""

from __future__ import annotations

from django_tasks import task

from . import followup


@task()
def run_followup() -> int:
    """The day's reminders and escalations (`followup.run`): run every hour, it sends each
    reminder once a day whatever the number of runs. Returns how many it sent."""
    return followup.run().total
