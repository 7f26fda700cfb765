"""What the workers share besides the task queue: when each periodic job is next due."""

from __future__ import annotations

from django.db import models


class PeriodicJob(models.Model):
    """عمل دوري — one row per job of `schedule.SCHEDULE`. A worker that finds a job due moves
    `next_run_at` on and enqueues the job in one database transaction, under a condition on
    the old value: of several workers on one database, one enqueues each period."""

    name = models.CharField(max_length=80, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "عمل دوري"
        verbose_name_plural = "الأعمال الدورية"

    def __str__(self) -> str:
        return self.name
