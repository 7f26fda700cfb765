"""wasl.rows reads and writes single rows as the ORM would, with statements compiled once."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from wasl import rows
from wasl.directory.models import Entity, Unit
from wasl.registry import services as registry
from wasl.registry.models import Transaction


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_fetch_one_gives_what_the_orm_gives(cast):
    txn = registry.register_transaction(
        cast.clerk.actor,
        unit=cast.registry,
        direction="incoming",
        kind="letter",
        subject="خطاب",
        correspondent_code=cast.amanah.code,
    )
    found = rows.fetch_one(Transaction, "public_id", txn.public_id)  # a UUID and datetimes
    assert isinstance(found, Transaction)
    assert _fields(found) == _fields(Transaction.objects.get(pk=txn.pk))
    assert rows.fetch_one(Transaction, "reference", "EMK-1448-999999") is None


def test_fetch_one_with_reads_the_related_row_in_the_same_statement(cast):
    with CaptureQueriesContext(connection) as seen:
        unit = rows.fetch_one_with(Unit, "id", cast.registry.pk, "entity")
        assert isinstance(unit, Unit)
        entity = unit.entity  # already there: no second query
    assert len(seen.captured_queries) == 1
    assert _fields(unit) == _fields(Unit.objects.get(pk=cast.registry.pk))
    assert _fields(entity) == _fields(Entity.objects.get(pk=cast.emk.pk))
    assert isinstance(entity.is_active, bool)  # converted as the ORM converts
    assert rows.fetch_one_with(Unit, "id", 10**9, "entity") is None
