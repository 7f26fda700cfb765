"""The exchange's data: the directory of nodes, members and their keys; the outbox and the
inbox (which is also the de-duplication table); and the append-only message log."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from wasl.directory.models import Entity, Unit
from wasl.registry.models import Transaction

from .states import DeliveryState, Kind


class Node(models.Model):
    """عقدة — one deployment of Wasl, hosting one or more member entities."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200, blank=True)
    base_url = models.CharField(
        max_length=300, blank=True, help_text="Where /exchange/v1/ is served (https://…)."
    )
    is_self = models.BooleanField(default=False, help_text="This deployment.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "عقدة"
        verbose_name_plural = "العقد"
        constraints = [
            models.UniqueConstraint(
                fields=["is_self"], condition=models.Q(is_self=True), name="exchange_one_self_node"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Member(models.Model):
    """عضو — an entity that exchanges correspondence through Wasl, and the node hosting it."""

    entity = models.OneToOneField(Entity, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=20, unique=True, help_text="The entity's code.")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="members")
    # For members hosted here: where incoming letters are registered, and by whom.
    inbox_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    system_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=300, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "عضو"
        verbose_name_plural = "الأعضاء"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class MemberKey(models.Model):
    """A member's Ed25519 key. Signs from `valid_from` until `valid_until` (set when the next
    key takes over: older signatures stay verifiable); a revoked key verifies nothing new.

    The private key is kept only for members hosted here, sealed (AES-GCM) with a key derived
    from the node's secret; it never leaves `keys.py`.
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="keys")
    key_id = models.CharField(max_length=32, unique=True)
    public_key = models.CharField(max_length=64, help_text="Raw Ed25519 public key, base64.")
    sealed_private_key = models.TextField(blank=True, editable=False)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "مفتاح عضو"
        verbose_name_plural = "مفاتيح الأعضاء"
        indexes = [models.Index(fields=["member", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.key_id}"

    def __repr__(self) -> str:
        # Never the sealed private key, not even in a traceback.
        return f"<MemberKey {self.key_id} member={self.member_id}>"


class OutgoingMessage(models.Model):
    """صادر وصل — one signed envelope to one receiver, in the outbox until its receipt comes.

    Written in the same database transaction as the step that caused it (the outgoing
    registration, or the receiver-side step whose status flows back)."""

    message_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sender = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", db_index=False)
    receiver = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", db_index=False)
    # letter: our outgoing transaction; status: our incoming transaction whose state it tells.
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    role = models.CharField(max_length=2, blank=True, help_text="to / cc (letters)")
    # status: the incoming letter it reports on
    about = models.ForeignKey(
        "IncomingMessage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    envelope = models.TextField(help_text="The signed envelope, canonical JSON.")
    envelope_sha256 = models.CharField(max_length=64)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error_code = models.CharField(max_length=40, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    receipt = models.TextField(blank=True, help_text="The receiver's signed receipt.")
    their_reference = models.CharField(max_length=40, blank=True)
    their_registered_on = models.DateField(null=True, blank=True)
    # The latest state of the letter on the receiver's side (from status messages).
    their_state = models.CharField(max_length=12, blank=True)
    their_state_at = models.DateTimeField(null=True, blank=True)
    their_status_seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "رسالة صادرة"
        verbose_name_plural = "صندوق الصادر"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["transaction", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.state})"


class IncomingMessage(models.Model):
    """وارد وصل — an accepted envelope; its message id is never accepted twice.

    A repeat of the same envelope is answered with the receipt kept here (as Estonia's DHX
    does); a different envelope under the same id is refused."""

    message_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sender = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", db_index=False)
    receiver = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", db_index=False)
    envelope = models.TextField()
    envelope_sha256 = models.CharField(max_length=64)
    receipt = models.TextField()
    # letter: the incoming transaction registered for it
    transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # status: the letter of ours it reports on; answer letter: the letter of ours it answers
    about = models.ForeignKey(
        OutgoingMessage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    their_reference = models.CharField(max_length=40, blank=True)
    their_date = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField()
    # letters: how many status messages went back about it (the next one's number)
    statuses_sent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "رسالة واردة"
        verbose_name_plural = "صندوق الوارد"

    def __str__(self) -> str:
        return str(self.message_id)


class LogHead(models.Model):
    """The last sequence number and hash of one chain of the message log."""

    chain = models.CharField(max_length=40, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC of (chain, last_seq, last_hash) under a key outside the database (wasl.chains).
    seal = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.chain} #{self.last_seq}"


class LogEntry(models.Model):
    """سجل الرسائل — every envelope and receipt in and out, and every refusal, hash-chained
    per local member (plus `node` for what could not be tied to one). Append-only."""

    class Direction(models.TextChoices):
        IN = "in", "وارد"
        OUT = "out", "صادر"

    class What(models.TextChoices):
        ENVELOPE = "envelope", "رسالة"
        RECEIPT = "receipt", "إشعار استلام"
        REJECTED = "rejected", "مرفوضة"

    chain = models.CharField(max_length=40)
    seq = models.BigIntegerField()
    at = models.DateTimeField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    what = models.CharField(max_length=10, choices=What.choices)
    message_id = models.CharField(max_length=36, blank=True)
    counterpart = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40, blank=True, help_text="Outcome or refusal code.")
    payload = models.TextField(help_text="The signed message (or what was refused).")
    payload_sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "سجل رسائل وصل"
        verbose_name_plural = "سجل رسائل وصل"
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="exchange_log_chain_seq_unique")
        ]
        indexes = [models.Index(fields=["message_id"])]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.direction} {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("The message log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("The message log is append-only.")


def new_message_id() -> uuid.UUID:
    return uuid.uuid4()


def answered_transaction(answers: Any) -> Transaction | None:
    """The transaction of ours that a letter's `answers` block names, by the message id of
    our letter it answers (or of theirs, for a letter we sent in answer); None when it names
    none of ours. Read wherever that block is shown, so that what it names passes the rule."""
    if not isinstance(answers, dict):
        return None
    try:
        mid = uuid.UUID(str(answers.get("message_id")))
    except ValueError:
        return None
    row: OutgoingMessage | IncomingMessage | None = (
        OutgoingMessage.objects.filter(message_id=mid).select_related("transaction").first()
    )
    if row is None:
        row = IncomingMessage.objects.filter(message_id=mid).select_related("transaction").first()
    return row.transaction if row is not None else None
