"""Rebuilding the search index from the registry in batches (`wasl reindex`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db import transaction as db

from wasl.registry.models import Referral, Transaction

from . import indexer
from .backends import get_backend
from .models import Document

Progress = Callable[[int, int], None]

_FIELDS = (
    "id",
    "entity_id",
    "registered_by_id",
    "reference",
    "subject",
    "body",
    "party_name",
    "party_id_number",
    "party_phone",
    "party_cr",
    "party_entity_id",
    "correspondent_id",
    "external_reference",
)


def reindex(
    *, batch: int = 2000, only_missing: bool = False, progress: Progress | None = None
) -> int:
    """Write the document of every transaction (or of those without a current one), `batch` per
    database transaction, calling `progress(done, total)` after each batch. Safe while the
    registry is in use: each batch upserts, so a document written meanwhile is rewritten
    with the same content. Returns the number of documents written."""
    indexer.reset_caches()
    todo = Transaction.objects.all()
    if only_missing:
        current = Document.objects.filter(version=indexer.VERSION)
        todo = todo.exclude(pk__in=current.values("transaction_id"))
    total = todo.count()
    done = 0
    last = 0
    while True:
        chunk = list(todo.filter(pk__gt=last).order_by("pk").only(*_FIELDS)[:batch])
        if not chunk:
            break
        last = chunk[-1].pk
        named: dict[int, set[int]] = defaultdict(set)
        for txn_id, user_id in Referral.objects.filter(
            transaction_id__in=[t.pk for t in chunk], to_user__isnull=False
        ).values_list("transaction_id", "to_user_id"):
            named[txn_id].add(user_id)
        rows = [indexer.document_row(t, named.get(t.pk, ())) for t in chunk]
        with db.atomic():
            indexer.write(rows)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    get_backend().optimise()
    return done
