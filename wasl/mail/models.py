"""E-mail in: every message received, kept as it came (its raw bytes in a file named by their
SHA-256) with what became of it."""

from __future__ import annotations

import uuid

from django.db import models

from wasl.notifications.models import Notification
from wasl.registry.models import Event, Transaction

from .vocabulary import Outcome


class InboundMessage(models.Model):
    """رسالة بريد واردة — one e-mail as received, whatever became of it: added to a
    transaction (with the timeline event it made), an item to triage, a bounce, or kept only.
    Nothing is lost: the raw message is always kept and linked."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    received_at = models.DateTimeField()
    via = models.CharField(max_length=10, help_text="smtp, imap or file.")
    envelope_from = models.CharField(max_length=320, blank=True)
    from_address = models.CharField(max_length=320, blank=True, db_index=True)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.CharField(max_length=1000, blank=True, help_text="The first few addresses.")
    to_count = models.PositiveIntegerField(default=0)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=250, blank=True, db_index=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # A bounce: the message of ours that came back.
    bounced = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "رسالة بريد واردة"
        verbose_name_plural = "البريد الوارد"
        indexes = [
            models.Index(fields=["outcome", "received_at"]),
            models.Index(fields=["from_address", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.outcome}"
