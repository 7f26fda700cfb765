"""`wasl worker`: every background job of this node, in one process.

    wasl worker [--poll 0.2]

- the task queue (`django-tasks-db`'s worker): exchange deliveries and retries, and whatever
  the apps enqueue; an idle worker looks for new tasks every `--poll` seconds;
- the periodic jobs of `wasl/worker/schedule.py`, enqueued as tasks when due (a thread that
  looks once a second).

Run as many as the load needs, on one machine or several, against one database. SIGTERM or
Ctrl-C: the task running finishes, then the worker stops (a second signal stops it at once).
A worker killed in the middle of a task leaves that task's effect to the periodic jobs
(the exchange's outbox leases come due again): nothing is done twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from ... import schedule

logger = logging.getLogger("wasl.worker")
TICK_SECONDS = 1.0


def run_schedule(stopping: threading.Event) -> None:
    """Enqueue the periodic jobs as they come due, until `stopping` is set (a thread)."""
    while not stopping.wait(TICK_SECONDS):
        try:
            schedule.enqueue_due()
        except Exception:
            logger.exception("worker: the periodic jobs could not be enqueued; trying again")
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "Run every background job: the task queue and the periodic jobs."
    # The checks import every URL and API module: seconds at each start.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--poll",
            type=float,
            default=settings.WASL_WORKER_POLL_SECONDS,
            help="Seconds an idle worker waits before it looks for new tasks",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            schedule.ensure_rows()
        except DatabaseError as error:
            raise CommandError(
                f"the worker cannot use the database ({type(error).__name__}: {error}); "
                "is it running, and migrated (`wasl migrate`)?"
            ) from None
        stopping = threading.Event()
        threading.Thread(
            target=run_schedule, args=(stopping,), name="wasl-schedule", daemon=True
        ).start()
        worker = Worker(
            queue_names=list(settings.TASKS["default"].get("QUEUES", ["default"])),
            excluded_queue_names=[],
            interval=options["poll"],
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"{socket.gethostname()[:40]}-{os.getpid()}",
        )
        worker.configure_signals()
        self.stdout.write(
            f"worker {worker.worker_id}: tasks every {options['poll']} s when idle, "
            f"{len(schedule.SCHEDULE)} periodic jobs (Ctrl-C to stop)"
        )
        self.stdout.flush()
        try:
            worker.run()
        finally:
            stopping.set()
