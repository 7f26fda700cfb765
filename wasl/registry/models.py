"""The registry: transactions (معاملات), referrals (إحالات), the timeline, attachments."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from wasl.directory.models import Entity, Unit

from .states import OPEN_REFERRAL_STATES, Action, ReferralState, State
from .vocabulary import (
    Classification,
    Confidentiality,
    Direction,
    Kind,
    LinkKind,
    PartyType,
    Urgency,
)


class Transaction(models.Model):
    """معاملة — a registered matter with a reference number; the unit of work."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="transactions", db_index=False
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="transactions",
        help_text="Owning unit.",
        db_index=False,
    )
    reference = models.CharField(max_length=40, unique=True)
    hijri_year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    classification = models.CharField(max_length=20, choices=Classification.choices)
    urgency = models.CharField(max_length=12, choices=Urgency.choices)
    confidentiality = models.CharField(max_length=12, choices=Confidentiality.choices)
    subject = models.CharField(max_length=500)
    body = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=State.choices)
    registered_at = models.DateTimeField()
    registered_on = models.DateField(help_text="Local (Riyadh) date of registration.")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField()
    due_date = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    party_type = models.CharField(max_length=10, choices=PartyType.choices, default=PartyType.NONE)
    party_name = models.CharField(max_length=200, blank=True)
    party_id_number = models.CharField(max_length=10, blank=True, db_index=True)
    party_phone = models.CharField(max_length=16, blank=True)
    party_email = models.CharField(max_length=254, blank=True)
    party_cr = models.CharField(max_length=10, blank=True)
    party_entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    correspondent = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The entity a letter comes from (incoming) or goes to (outgoing).",
    )
    external_reference = models.CharField(max_length=60, blank=True)
    external_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "معاملة"
        verbose_name_plural = "المعاملات"
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "hijri_year", "sequence"], name="transaction_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["unit", "state", "registered_at"]),
            models.Index(fields=["entity", "state", "registered_at"]),
        ]

    def __str__(self) -> str:
        return self.reference


class NumberSequence(models.Model):
    """The last reference number given by an entity in a Hijri year (gap-free)."""

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+", db_index=False)
    hijri_year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "hijri_year"], name="sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entity_id}/{self.hijri_year}: {self.last_value}"


class Referral(models.Model):
    """إحالة — routing a transaction to a unit, with an instruction and a due date."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="referrals_in", db_index=False
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    instruction = models.TextField()
    due_date = models.DateField()
    state = models.CharField(max_length=12, choices=ReferralState.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    answer = models.TextField(blank=True)

    class Meta:
        verbose_name = "إحالة"
        verbose_name_plural = "الإحالات"
        indexes = [
            models.Index(fields=["to_unit", "state", "due_date"]),
            models.Index(fields=["transaction", "state"]),
        ]
        constraints = [
            # A transaction is referred to a unit once at a time: refer and forward write and
            # let this refuse a second open referral (race-free, no query to check first).
            models.UniqueConstraint(
                fields=["transaction", "to_unit"],
                condition=models.Q(state__in=sorted(OPEN_REFERRAL_STATES)),
                name="referral_one_open_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id} → {self.to_unit_id} ({self.state})"


class Event(models.Model):
    """One step in a transaction's timeline: who, when, what. Immutable."""

    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = "حدث"
        verbose_name_plural = "سجل الأحداث"
        indexes = [models.Index(fields=["transaction", "created_at"])]

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("Timeline events are immutable.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Timeline events are immutable.")


class Attachment(models.Model):
    """مرفق — a file on a transaction, stored once by its SHA-256."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="attachments"
    )
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    filename = models.CharField(max_length=160)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "مرفق"
        verbose_name_plural = "المرفقات"

    def __str__(self) -> str:
        return self.filename


class Link(models.Model):
    """A link between two transactions of the same entity (related, answers, follows up)."""

    LinkKind = LinkKind  # the vocabulary, also known by its old place

    source = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="links_out")
    target = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="links_in")
    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class Holiday(models.Model):
    """A public holiday: not a working day when counting due dates."""

    date = models.DateField(unique=True)
    name_ar = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = "عطلة رسمية"
        verbose_name_plural = "العطل الرسمية"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name_ar}"
