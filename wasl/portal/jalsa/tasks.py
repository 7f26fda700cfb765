"""Jalsa's background jobs (run by `wasl worker`): the reminder of a booked slot, and the
periodic catch-up of reminders whose task was lost (`remind_due`, in `wasl.worker.schedule`).

Enqueued after the booking's commit, to run `services.REMIND_BEFORE` before the slot (at once
when booked later than that). It takes the booking's public id and is safe to run twice: a
booking reminded, cancelled or past is left alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django_tasks import task

if TYPE_CHECKING:
    from .models import Booking


@task()
def remind(booking_id: str) -> bool:
    from . import services  # services enqueue this task: imported when it runs

    return services.send_reminder(booking_id)


@task()
def remind_due() -> int:
    from . import services

    return services.remind_due()


def schedule_reminder(booking: Booking) -> None:
    """Queue the reminder of `booking` for its time. A backend that cannot defer (the tests'
    inline one) runs it only when the slot is within the reminder's lead time."""
    from .services import REMIND_BEFORE

    when = booking.slot_at - REMIND_BEFORE
    if when <= timezone.now():
        remind.enqueue(str(booking.public_id))
    elif remind.get_backend().supports_defer:
        remind.using(run_after=when).enqueue(str(booking.public_id))
