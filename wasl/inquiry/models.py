"""The inquiry's own tables: the search document of each transaction and the public
inquiry's attempt counters. Neither is ever written by hand: the indexer and the limiter do."""

from __future__ import annotations

from django.db import models

from wasl.registry.models import Transaction


class Document(models.Model):
    """What the search index holds for one transaction, already analysed (see analysis.py).

    `subject` and `body` are the exact normalised words (space-separated), `stems` the match
    keys of every word, `scope` the access tokens that narrow a search before the access rule
    decides (the entity, and the people a top-secret transaction is open to by name). The
    full-text index over these columns is created per database in the migrations: an
    external-content FTS5 table on SQLite, a generated tsvector with a GIN index on
    PostgreSQL.
    """

    transaction = models.OneToOneField(
        Transaction, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.TextField(blank=True)
    body = models.TextField(blank=True)
    stems = models.TextField(blank=True)
    scope = models.TextField(blank=True)
    version = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = "وثيقة فهرسة"
        verbose_name_plural = "فهرس الاستعلام"

    def __str__(self) -> str:
        return f"document {self.pk}"


class AttemptCounter(models.Model):
    """Attempts of the public inquiry in the current window, per hashed key (a client or a
    reference): the limiter's memory, shared by every process that uses the database."""

    key = models.CharField(max_length=64, unique=True)
    period = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "عداد محاولات"
        verbose_name_plural = "عدادات المحاولات"
        indexes = [models.Index(fields=["period"])]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.count}"


class Word(models.Model):
    """A word of the index, exactly as normalised (كلمة من الفهرس): what a one-letter slip is
    corrected to and what "did you mean" offers. A word here is only a candidate: it is used
    or shown only when a transaction the reader may see holds it (see queries.py), so the
    table never tells anyone what hidden transactions say. Kept by the indexer; a word whose
    transactions are gone stays, harmlessly (it can no longer be confirmed)."""

    word = models.CharField(max_length=40, unique=True)

    class Meta:
        verbose_name = "كلمة مفهرسة"
        verbose_name_plural = "مفردات الفهرس"

    def __str__(self) -> str:
        return self.word
