"""Forget the one-time form tokens old enough that they can no longer be sent.

A step's token is refused after `web.once.MAX_AGE_SECONDS`, and a register form's token is
retired from the session when it registers, so a claim older than twice that guards
nothing: run this daily (cron or a systemd timer) so that `web.SubmittedForm` stays small.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from wasl.web.models import SubmittedForm
from wasl.web.once import MAX_AGE_SECONDS


class Command(BaseCommand):
    help = "Delete one-time form claims older than twice the tokens' lifetime."

    def handle(self, *args: Any, **options: Any) -> None:
        before = timezone.now() - timedelta(seconds=2 * MAX_AGE_SECONDS)
        deleted, _ = SubmittedForm.objects.filter(created_at__lt=before).delete()
        self.stdout.write(f"deleted {deleted} form claims older than {before.isoformat()}")
