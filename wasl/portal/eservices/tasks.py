"""The e-services' background job (run by `wasl worker` on its schedule,
wasl/worker/schedule.py): letting go of the files of abandoned drafts."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_draft_files() -> int:
    """The files of drafts untouched for `WASL_PORTAL_DRAFT_FILES_DAYS` days (safe to run
    twice). Returns how many files were deleted."""
    from . import services  # imported when it runs: services import much of Wasl

    return services.sweep_draft_files()
