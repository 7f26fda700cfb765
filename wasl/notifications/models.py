"""Notifications to visitors: the templates (data, per step, channel and language), the
visitor's choices for one transaction, the outbox, and the receipts providers sent."""

from __future__ import annotations

import uuid

from django.db import models

from wasl.directory.models import Entity
from wasl.registry.models import Event, Transaction

from .states import Channel, Language, Status, Step


class Template(models.Model):
    """قالب إشعار — the text a visitor gets at one step, in one channel and language.

    The defaults are declared once, in code (`defaults.SMS`, `defaults.EMAIL`); a row is an
    entity's own text, written by its administrator (`services.save_templates`), which wins.
    A row with no entity is a text for every entity that an operator put in (none ships).
    `enabled` off: the entity sends nothing at this step on this channel (never for a
    mandatory step). Placeholders: {reference}, {entity}."""

    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.CharField(max_length=20, choices=Step.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    body = models.TextField()
    # E-mail only: the subject after the reference (which always leads it); empty: the
    # default subject (`defaults.SUBJECT`).
    subject = models.CharField(max_length=120, blank=True, default="")
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "قالب إشعار"
        verbose_name_plural = "قوالب الإشعارات"
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "step", "channel", "language"], name="notif_template_unique"
            ),
            models.UniqueConstraint(
                fields=["step", "channel", "language"],
                condition=models.Q(entity__isnull=True),
                name="notif_default_template_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id or '*'}:{self.step}:{self.channel}:{self.language}"


class Contact(models.Model):
    """بيانات التواصل — how the visitor of one transaction wants to hear about it: the mobile
    number, the language, and whether they take the messages that are not mandatory.

    Kept beside the transaction rather than on it: the registry's party stays as registered,
    and the visitor's choices change here without touching the spine."""

    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="+", primary_key=True
    )
    phone = models.CharField(max_length=16, blank=True, help_text="E.164 (+9665XXXXXXXX).")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.AR)
    sms = models.BooleanField(default=True, help_text="Messages by SMS.")
    optional = models.BooleanField(
        default=True, help_text="Messages that are not mandatory (mandatory ones always go)."
    )
    email = models.EmailField(
        blank=True, help_text="Messages by e-mail, and the one address whose mail joins it."
    )
    # Set when a delivery status notification (bounce) says the address takes no mail; the
    # outbox writes no e-mail to it until someone saves the address again.
    email_failing = models.CharField(max_length=300, blank=True)
    email_failing_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "تفضيلات التواصل"
        verbose_name_plural = "تفضيلات التواصل"

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.language}"


class Notification(models.Model):
    """إشعار — one message to one visitor, in the outbox from the step that caused it until
    the provider's last receipt. Written in the same database transaction as the step."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+", db_index=False)
    step = models.CharField(max_length=20, choices=Step.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    to = models.CharField(max_length=320)
    body = models.TextField()
    # E-mail only: the subject (with the reference), our Message-ID (made when the message is
    # written, so a retry sends the same one) and the message it answers, for threading.
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=250, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    encoding = models.CharField(max_length=5, blank=True)
    parts = models.PositiveSmallIntegerField(default=0)
    mandatory = models.BooleanField(default=False)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField()

    class Meta:
        verbose_name = "إشعار"
        verbose_name_plural = "الإشعارات"
        indexes = [
            models.Index(fields=["transaction", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            # The automatic answers to one address in a day (wasl.mail's cap).
            models.Index(fields=["to", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_ref"],
                condition=~models.Q(provider_ref=""),
                name="notif_provider_ref_unique",
            ),
            # One message per step, channel and address: a repeated event handler adds none.
            models.UniqueConstraint(fields=["event", "channel", "to"], name="notif_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"


class Receipt(models.Model):
    """إشعار تسليم — a delivery receipt as a provider sent it, kept once by its id: a repeat
    finds its row and changes nothing."""

    provider = models.CharField(max_length=20)
    receipt_id = models.CharField(max_length=100)
    notification = models.ForeignKey(
        Notification, null=True, on_delete=models.PROTECT, related_name="receipts"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    detail = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "receipt_id"], name="notif_receipt_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.receipt_id} {self.status}"
