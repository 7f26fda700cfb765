"""Rebuilding the search index from the registry in batches (`wasl reindex`).

The analysis of the texts (normalising, stemming, compound names) is most of a rebuild's
work and needs no database: with `workers`, batches are analysed in that many worker
processes while this process reads the next batches and writes the analysed ones, in order.
Every read and write stays in this process (and its database connection), so a rebuild sees
and writes exactly what it would in one process.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterator

from django.db import transaction as db

from wasl.registry.models import Referral, Transaction

from . import documents, indexer
from .backends import get_backend
from .models import Document

Progress = Callable[[int, int], None]

# Below this many documents a rebuild is quicker in one process than starting workers.
PARALLEL_FROM = 20_000

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


def default_workers(total: int) -> int:
    """As many workers as cores for a large rebuild; none (this process) for a small one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    return cores if total >= PARALLEL_FROM and cores > 1 else 0


def reindex(
    *,
    batch: int = 2000,
    only_missing: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> int:
    """Write the document of every transaction (or of those without a current one), `batch` per
    database transaction, calling `progress(done, total)` after each batch. Safe while the
    registry is in use: each batch upserts, so a document written meanwhile is rewritten
    with the same content. `workers`: processes that analyse the texts (None: as many as
    cores for a large rebuild, 0: none). Returns the number of documents written."""
    indexer.reset_caches()
    todo = Transaction.objects.all()
    if only_missing:
        current = Document.objects.filter(version=indexer.VERSION)
        todo = todo.exclude(pk__in=current.values("transaction_id"))
    total = todo.count()
    if workers is None:
        workers = default_workers(total)
    done = 0

    def write(analysed: list[documents.Analysed]) -> None:
        nonlocal done
        with db.atomic():
            indexer.write([indexer.row_of(a) for a in analysed])
        done += len(analysed)
        if progress is not None:
            progress(done, total)

    sources = _sources(todo, batch)
    if workers <= 0:
        for chunk in sources:
            write(documents.analyse_many(chunk))
    else:
        # While the workers analyse, this process reads the next batches and writes the
        # analysed ones, in order.
        with documents.Workers(workers) as pool:
            for chunk in sources:
                ready = pool.submit(chunk)
                if ready is not None:
                    write(ready)
            for ready in pool.rest():
                write(ready)
    get_backend().optimise()
    return done


def _sources(todo: object, batch: int) -> Iterator[list[documents.Source]]:
    """The texts of the transactions of `todo`, `batch` at a time, in order of id."""
    last = 0
    while True:
        # Named tuples with the fields' names, not model instances: a rebuild reads them all.
        chunk = list(
            todo.filter(pk__gt=last).order_by("pk").values_list(*_FIELDS, named=True)[:batch]  # type: ignore[attr-defined]
        )
        if not chunk:
            return
        last = chunk[-1].id
        named: dict[int, set[int]] = defaultdict(set)
        for txn_id, user_id in Referral.objects.filter(
            transaction_id__in=[t.id for t in chunk], to_user__isnull=False
        ).values_list("transaction_id", "to_user_id"):
            named[txn_id].add(user_id)
        yield [indexer.document_source(t, named.get(t.id, ())) for t in chunk]
