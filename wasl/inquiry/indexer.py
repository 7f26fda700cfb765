"""Keeping the search index in step with the registry, inside the registry's own transaction.

The registry publishes every step (`wasl.registry.events`); `on_published` runs in the step's
database transaction, so a transaction is searchable exactly when its registration commits and
an index write that fails rolls the step back. Only what the index holds is written:

- `registered`: the document (the subject, body and party are fixed from then on);
- `referred`: only when a referral names a person, whose scope token is then added (the
  entity's token already covers everyone else who may see the transaction);
- every other step: nothing. State, unit, urgency and dates are filters read from the
  registry's own row at query time, so state changes cost the index nothing.

With the documents, the indexer adds their new words to the vocabulary (`models.Word`, what
a one-letter slip is corrected to): one INSERT that skips the words already known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from wasl.registry.events import Published
from wasl.registry.models import Referral, Transaction

from . import documents, names
from .backends import get_backend
from .models import Document, Word

# Bump when the analysis changes what a document holds; `wasl reindex --missing` rewrites the
# documents of an older version (2: بحي also yields حي; 3: bare hamza seats, more plurals,
# the vocabulary).
VERSION = 3

_REWRITTEN = ["subject", "body", "stems", "scope", "version"]

# A hashed stand-in for a personal number (documents.py): never a word anyone types.
_HASHED = re.compile(r"zx[0-9a-f]{16}")


@dataclass(frozen=True)
class Row:
    transaction_id: int
    subject: str
    body: str
    stems: str
    scope: str

    def document(self) -> Document:
        return Document(
            transaction_id=self.transaction_id,
            subject=self.subject,
            body=self.body,
            stems=self.stems,
            scope=self.scope,
            version=VERSION,
        )

    def indexed(self) -> tuple[object, ...]:
        """What the full-text index holds: (transaction_id, subject, body, stems, scope)."""
        return (self.transaction_id, self.subject, self.body, self.stems, self.scope)


def entity_token(entity_id: int) -> str:
    return f"e{entity_id}"


def user_token(user_id: int) -> str:
    return f"u{user_id}"


def _entity_name(entity_id: int | None) -> str:
    """From the names cached per process (dropped when an entity is saved, and after a
    minute), so a renamed entity is indexed under its new name."""
    if entity_id is None:
        return ""
    entity = names.current().entities.get(entity_id)
    if entity is None:  # made in another process since the names were read
        names.forget()
        entity = names.current().entities.get(entity_id)
    return entity.name_ar if entity is not None else ""


def phone_words(e164: str) -> list[str]:
    """A stored mobile (+9665…) as the words a person may type: 9665… and 05…."""
    if not e164.startswith("+966"):
        return [e164.lstrip("+")] if e164 else []
    return [e164[1:], "0" + e164[4:]]


def searchable_extra(txn: Transaction) -> str:
    """Text searched besides the body: the party, numbers and the correspondent."""
    parts = [
        txn.party_name,
        txn.party_id_number,
        txn.party_cr,
        *phone_words(txn.party_phone),
        txn.external_reference,
        txn.reference,
        _entity_name(txn.correspondent_id),
        _entity_name(txn.party_entity_id),
    ]
    return " ".join(p for p in parts if p)


def document_source(txn: Transaction, named_users: Iterable[int] = ()) -> documents.Source:
    """The texts of one transaction that its document is made of (reads the directory for
    the correspondent's name, cached per process). `txn` may also be a named tuple of the
    fields the document needs (`reindex._FIELDS`)."""
    users = sorted({txn.registered_by_id, *named_users})
    scope = [entity_token(txn.entity_id), *(user_token(u) for u in users)]
    return (txn.id, txn.subject, f"{txn.body}\n{searchable_extra(txn)}", " ".join(scope))


def row_of(analysed: documents.Analysed) -> Row:
    return Row(*analysed)


def document_row(txn: Transaction, named_users: Iterable[int] = ()) -> Row:
    """The document of one transaction."""
    return row_of(documents.analyse(document_source(txn, named_users)))


def write(rows: Sequence[Row], *, new: bool = False) -> None:
    """Insert or replace documents and their full-text entries; `new` when none of them can
    exist yet (a registration), which saves taking old entries out of the index."""
    if not rows:
        return
    backend = get_backend()
    with connection.cursor() as cursor:
        if not new:
            backend.before_upsert(cursor, [r.transaction_id for r in rows])
        Document.objects.bulk_create(
            [r.document() for r in rows],
            update_conflicts=True,
            unique_fields=["transaction"],
            update_fields=_REWRITTEN,
        )
        backend.after_upsert(cursor, [r.indexed() for r in rows])
    # In sorted order: two registrations adding the same new words wait for each other
    # instead of deadlocking.
    Word.objects.bulk_create(
        [Word(word=w) for w in vocabulary(rows)], ignore_conflicts=True, batch_size=2000
    )


def vocabulary(rows: Sequence[Row]) -> list[str]:
    """The words of the documents' subjects and bodies (already normalised, space-separated)
    that a slip may be corrected to: three to forty letters, no digits, no hashed numbers."""
    words = {
        word
        for row in rows
        for word in f"{row.subject} {row.body}".split()
        if 3 <= len(word) <= 40 and not any(c.isdigit() for c in word)
    }
    return sorted(w for w in words if not _HASHED.fullmatch(w))


def named_users(transaction_id: int) -> set[int]:
    return set(
        Referral.objects.filter(transaction_id=transaction_id, to_user__isnull=False).values_list(
            "to_user_id", flat=True
        )
    )


def on_published(published: Published) -> None:
    """The registry's in-transaction subscriber (see the module docstring)."""
    action = published.event.action
    if action == "registered":
        write([document_row(published.transaction)], new=True)
    elif action == "referred":
        referral = published.event.referral
        if referral is not None and referral.to_user_id is None:
            return  # the common case: one referral to a unit, nobody named
        users = named_users(published.transaction.pk)
        if users:
            write([document_row(published.transaction, users)])


def reset_caches() -> None:
    names.forget()
