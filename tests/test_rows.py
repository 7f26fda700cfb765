"""wasl.rows reads and writes single rows as the ORM would, with statements compiled once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import IntEnum
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection, connections
from django.db.models import Field, signals
from django.db.models.fields import AutoFieldMixin
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from wasl import rows
from wasl.audit.models import AuditRecord
from wasl.directory.models import Entity, Unit
from wasl.exchange.models import LogEntry, Node
from wasl.registry import services as registry
from wasl.registry.models import Event, State, Transaction

from .conftest import make_referred, make_transaction


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


# ---------------------------------------------------------------------------------------------
# Parameters: the short way for plain strings, integers and booleans gives what the fields'
# own `get_db_prep_save` gives, value for value and type for type.


def django_params(obj):
    """What `insert` wrote before the short way: each field's own preparation."""
    fields = [f for f in obj._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    out = []
    for f in fields:
        # pre_save of auto_now fields reads the clock: both ways call it, so compare the
        # value already on the object instead.
        value = getattr(obj, f.attname) if type(f).pre_save is not Field.pre_save else None
        out.append(
            f.get_db_prep_save(f.pre_save(obj, True) if value is None else value, connection)
        )
    return out


def assert_params_as_django(obj):
    ours = rows.insert_params(obj)
    theirs = django_params(obj)
    names = [f.attname for f in obj._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    for name, a, b in zip(names, ours, theirs, strict=True):
        if type(a).__name__ == "Jsonb":  # psycopg's JSON wrapper compares by identity
            a, b = (a.obj, type(a)), (b.obj, type(b))
        assert (a, type(a)) == (b, type(b)), f"{type(obj).__name__}.{name}: {a!r} != {b!r}"


def test_insert_params_are_django_params_for_every_stored_row(cast):
    txn, _ = make_referred(cast)
    registry.comment(cast.clerk.actor, txn.public_id, text="للمتابعة")
    seen = 0
    for config in apps.get_app_configs():
        if not config.name.startswith("wasl."):
            continue
        for model in config.get_models():
            for obj in model.objects.all()[:5]:
                assert_params_as_django(obj)
                seen += 1
    assert seen > 30  # transactions, referrals, events, audit, units, entities, roll-ups…


def test_values_off_the_short_way_go_through_the_field():
    txn = Transaction(
        subject=gettext_lazy("Subject"),  # a lazy string: the field casts it
        state=State.REGISTERED,  # an enum member, a str subclass
        entity_id=True,  # a bool where an id goes
        sequence=IntEnum("N", "ONE").ONE,  # an int subclass
        unit_id=None,
        due_date=None,
    )
    ours = rows.insert_params(txn)
    assert ours == django_params(txn)
    names = [f.attname for f in Transaction._meta.concrete_fields if f.attname != "id"]
    got = dict(zip(names, ours, strict=True))
    assert type(got["subject"]) is str and got["subject"] == str(gettext_lazy("Subject"))
    assert got["unit_id"] is None and got["due_date"] is None


def test_the_plan_takes_the_short_way_only_for_plain_fields():
    plan = {
        p[1]: p[2] for p in rows._make_plan(tuple(Transaction._meta.concrete_fields), connection)
    }
    assert plan["subject"] == rows._AS_IS  # TextField/CharField
    assert plan["entity_id"] == rows._AS_IS  # a foreign key to an auto id
    assert plan["public_id"] == rows._SLOW  # a UUID
    assert plan["registered_at"] == rows._ADAPT_DATETIME
    assert plan["registered_on"] == rows._ADAPT_DATE
    node = {p[1]: p[2] for p in rows._make_plan(tuple(Node._meta.concrete_fields), connection)}
    assert node["updated_at"] == rows._SLOW  # auto_now: its pre_save reads the clock


def test_a_naive_or_foreign_datetime_goes_through_the_field():
    aware = datetime(2026, 12, 1, 9, 30, 15, 250, tzinfo=ZoneInfo("Asia/Riyadh"))
    for value in (aware, aware.astimezone(UTC), aware.replace(microsecond=0)):
        txn = Transaction(registered_at=value, registered_on=value.date(), subject="خطاب")
        assert rows.insert_params(txn) == django_params(txn)
    naive = Transaction(registered_at=datetime(2026, 12, 1, 9, 30), subject="خطاب")
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        theirs = django_params(naive)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        ours = rows.insert_params(naive)  # the field's own way: warned and made aware
    assert ours == theirs


# ---------------------------------------------------------------------------------------------
# rows.new builds what Model(**kwargs) builds.


def _state_of(obj):
    return (
        {k: v for k, v in obj.__dict__.items() if k != "_state"},
        obj._state.db,
        dict(obj._state.fields_cache),
        obj._state.adding,
    )


def test_new_builds_what_the_model_builds(cast):
    txn = make_transaction(cast)
    unit = cast.registry
    cases = [
        (  # foreign keys as objects and as ids, a None relation, defaults left out
            Transaction,
            {
                "entity_id": unit.entity_id,
                "unit": unit,
                "reference": "EMK-1448-000001",
                "subject": "خطاب",
                "correspondent": None,
                "public_id": txn.public_id,
            },
        ),
        (Event, {"transaction": txn, "action": "commented", "actor_id": None, "data": {"a": 1}}),
        (AuditRecord, {"chain": "EMK", "seq": 3, "action": "x.y", "data": {}}),
        (LogEntry, {"chain": "EMK", "seq": 1, "what": "envelope", "payload": "{}"}),
    ]
    for model, kwargs in cases:
        theirs, ours = model(**kwargs), rows.new(model, **kwargs)
        assert type(ours) is model
        assert _state_of(ours) == _state_of(theirs), model.__name__
        assert list(ours.__dict__) == list(theirs.__dict__)


def test_new_calls_callable_defaults_for_each_instance_only_when_not_given():
    a, b = rows.new(Transaction, subject="أ"), rows.new(Transaction, subject="ب")
    assert isinstance(a.public_id, uuid.UUID) and a.public_id != b.public_id
    given = uuid.uuid4()
    assert rows.new(Transaction, public_id=given).public_id == given


def test_new_refuses_an_unknown_field():
    with pytest.raises(TypeError, match="no_such_field"):
        rows.new(Transaction, no_such_field=1)


def test_new_takes_the_models_own_path_when_someone_listens_to_its_signals():
    heard = []

    def listener(sender, instance, **kwargs):
        heard.append(instance)

    signals.post_init.connect(listener, sender=Transaction)
    try:
        made = rows.new(Transaction, subject="خطاب")
    finally:
        signals.post_init.disconnect(listener, sender=Transaction)
    assert heard == [made]


# ---------------------------------------------------------------------------------------------
# The kept cursor, and the moment adapted once.


@pytest.mark.django_db(transaction=True)  # outside a transaction, close() closes
def test_the_kept_cursor_is_kept_while_the_same_connection_is_open():
    first = rows.cursor()
    assert rows.cursor() is first
    first.execute("SELECT 1")
    assert first.fetchone()[0] == 1
    connection.close()
    again = rows.cursor()  # a new database connection: a new cursor, on it
    assert again is not first
    again.execute("SELECT 2")
    assert again.fetchone()[0] == 2
    assert rows.cursor() is again


@pytest.mark.django_db
def test_statements_on_the_kept_cursor_are_captured_when_queries_are_logged(cast):
    rows.cursor()  # kept before the capture starts: not a debug cursor
    with CaptureQueriesContext(connection) as captured:
        txn = make_transaction(cast)
    sql = [q["sql"] for q in captured.captured_queries]
    assert any(s.startswith('INSERT INTO "registry_transaction"') for s in sql)
    assert any("registry_numbersequence" in s for s in sql)  # on the kept cursor
    assert any("audit_chainhead" in s for s in sql)
    after = rows.cursor()
    after.execute("SELECT 1")
    with CaptureQueriesContext(connection) as captured:
        rows.cursor().execute("SELECT %s", [txn.pk])
    assert [q["sql"] for q in captured.captured_queries] == [f"SELECT {txn.pk}"]


@pytest.mark.django_db
def test_no_cursor_is_kept_for_a_connection_shared_between_threads():
    connection.inc_thread_sharing()
    try:
        assert rows.cursor() is not rows.cursor()
    finally:
        connection.dec_thread_sharing()
    assert rows.cursor() is rows.cursor()


@pytest.mark.django_db
def test_the_kept_cursor_waits_for_the_health_check_of_the_request():
    conn = connections["default"]
    kept = rows.cursor()
    checked = []
    saved = conn.health_check_enabled, conn.health_check_done
    conn.is_usable = lambda: checked.append(1) or True
    try:
        conn.health_check_enabled, conn.health_check_done = True, False  # a new request
        fresh = rows.cursor()  # checked first, as connection.cursor() checks
        assert fresh is not kept and checked == [1] and conn.health_check_done
        assert rows.cursor() is fresh and checked == [1]
    finally:
        del conn.is_usable
        conn.health_check_enabled, conn.health_check_done = saved


def test_the_same_moment_is_adapted_once_per_connection():
    moment = datetime(2026, 12, 1, 9, 30, 15, 250, tzinfo=UTC)
    calls = []

    class Ops:
        def adapt_datetimefield_value(self, value):
            calls.append(value)
            return value.isoformat()

    ops, other = Ops(), Ops()
    assert rows._adapted_datetime(moment, ops) == moment.isoformat()
    assert rows._adapted_datetime(moment, ops) == moment.isoformat()
    assert len(calls) == 1
    rows._adapted_datetime(moment, other)  # another connection's operations
    equal = moment.replace()  # equal, but another object: adapted again
    rows._adapted_datetime(equal, other)
    assert len(calls) == 3
    later = datetime(2026, 12, 1, 9, 30, 16, tzinfo=UTC)
    assert rows._adapted_datetime(later, other) == later.isoformat()
