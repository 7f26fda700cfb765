"""The worker's own housekeeping."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

# Finished tasks are kept this long (to look into a failure), then deleted.
KEEP_FINISHED = timedelta(days=7)


@task()
def prune_task_results() -> int:
    """Delete the rows of tasks that finished more than `KEEP_FINISHED` ago (safe to run
    twice). Returns how many went."""
    deleted, _ = (
        DBTaskResult.objects.finished()
        .filter(finished_at__lt=timezone.now() - KEEP_FINISHED)
        .delete()
    )
    return deleted
