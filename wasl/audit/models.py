"""The audit log: append-only records, hash-chained.

Records are kept in several chains (one per entity, plus `system`), each with its own head
row: a writer locks only the head of the chain it appends to, so writers of different
entities never wait on one another, yet every chain is a tamper-evident sequence.
"""

from __future__ import annotations

from django.db import models


class ChainHead(models.Model):
    """The last sequence number and hash of one chain; the row writers lock to append."""

    chain = models.CharField(max_length=40, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC of (chain, last_seq, last_hash) under a key outside the database (wasl.chains).
    seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "رأس سلسلة التدقيق"
        verbose_name_plural = "رؤوس سلاسل التدقيق"

    def __str__(self) -> str:
        return f"{self.chain} #{self.last_seq}"


class ChainRoster(models.Model):
    """The chains one hash-chained log holds (`log`: its head table), sealed with the heads'
    key (wasl.chains): a chain deleted together with its head shows."""

    log = models.CharField(max_length=40, unique=True)
    chains = models.TextField(blank=True, default="", help_text="The chains' names, one a line.")
    seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "قائمة سلاسل السجل"
        verbose_name_plural = "قوائم سلاسل السجلات"

    def __str__(self) -> str:
        return self.log


class AuditRecord(models.Model):
    """One change: who did what to which object, with old and new values."""

    chain = models.CharField(max_length=40)
    seq = models.BigIntegerField()
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "سجل تدقيق"
        verbose_name_plural = "سجل التدقيق"
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")
        ]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit records are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit records are append-only.")
