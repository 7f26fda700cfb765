"""Writing single rows on the hot path without the ORM's per-call query compilation.

The registry's steps run thousands of times a minute; building and compiling an INSERT or
UPDATE through the ORM costs more than executing it. These helpers cache the SQL per model
(and per set of columns) and convert values with the fields' own `get_db_prep_save`, so the
stored values are exactly what `Model.save()` would store. Signals are not sent: nothing in
Wasl listens to model signals (subscribers hear about steps through `registry.events`).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin

M = TypeVar("M", bound=models.Model)


def _connection() -> Any:
    # The real connection, once per call: every attribute read through the
    # `django.db.connection` proxy is a thread-local lookup.
    return connections[DEFAULT_DB_ALIAS]


# ---------------------------------------------------------------------------------------------
# A kept cursor. `connection.cursor()` checks the connection's health, opens it if need be,
# checks the thread, and wraps a new database cursor, and `with` closes it again: about as
# much as running the statement. The hot path's statements run on one cursor per open
# database connection instead, made by `connection.cursor()` and used only while what it
# checked still holds: the same database connection is open, the owning thread is the only
# one (no thread sharing), its health was checked in this request (when checks are on), and
# queries are logged or not as when it was made (a debug cursor records every statement).


def cursor(connection: Any = None) -> Any:
    """A cursor of `connection` (the default one) for a statement on the hot path; callers
    do not close it. Statements still go through Django's cursor wrapper (errors wrapped,
    a broken transaction refused, queries logged when they are)."""
    connection = connection or _connection()
    kept = connection.__dict__.get("_wasl_cursor")
    if (
        kept is not None
        and kept[0] is connection.connection
        and kept[1] == connection.queries_logged
        and not connection._thread_sharing_count
        and (connection.health_check_done or not connection.health_check_enabled)
    ):
        return kept[2]
    made = connection.cursor()
    if not connection._thread_sharing_count:
        connection.__dict__["_wasl_cursor"] = (
            connection.connection,
            connection.queries_logged,
            made,
        )
    return made


# How a field's value becomes a statement parameter. `get_db_prep_save` runs three to five
# method calls a field (pre_save, prep, adapt) even for a plain string or integer; for the
# field classes below and a value of exactly the listed type, their result is known without
# calling them, so the value is taken as it is (or adapted as Django would adapt it). Any
# other class or value type — a subclass, an enum member, a naive datetime, JSON — goes
# through the field's own methods. tests/test_rows.py checks both ways give the same
# parameters.
_SLOW, _AS_IS, _ADAPT_INT, _ADAPT_DATETIME, _ADAPT_DATE = 0, 1, 2, 3, 4


def _same_methods(field: models.Field, like: type[models.Field], *names: str) -> bool:
    return all(getattr(type(field), n) is getattr(like, n) for n in names)


def _plan(field: models.Field, connection: Any) -> tuple[int, tuple[type, ...]]:
    """How `_params` may prepare values of `field`: its way and the exact value types
    (besides None) it applies to."""
    if type(field) in (models.DateTimeField, models.DateField):
        if field.auto_now or field.auto_now_add:  # type: ignore[attr-defined]
            return _SLOW, ()  # pre_save reads the clock
        if type(field) is models.DateTimeField:
            return _ADAPT_DATETIME, (datetime,)  # an aware one only: see _params
        return _ADAPT_DATE, (date,)
    if type(field).pre_save is not models.Field.pre_save:
        return _SLOW, ()
    prep = ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        if (
            type(target) in (models.BigAutoField, models.AutoField, models.SmallAutoField)
            and type(field).get_db_prep_save is models.ForeignKey.get_db_prep_save
            and type(connection.ops).validate_autopk_value
            is BaseDatabaseOperations.validate_autopk_value
        ):
            return _AS_IS, (int,)
        return _SLOW, ()
    for like in (models.CharField, models.TextField):
        if isinstance(field, like) and _same_methods(field, like, *prep):
            return _AS_IS, (str,)
    if type(field) is models.BooleanField:
        return _AS_IS, (bool,)
    if isinstance(field, models.IntegerField) and _same_methods(field, models.IntegerField, *prep):
        return _ADAPT_INT, (int,)
    return _SLOW, ()


Plan = tuple[tuple[models.Field, str, int, tuple[type, ...], str], ...]


def _make_plan(fields: tuple[models.Field, ...], connection: Any) -> Plan:
    return tuple(
        (f, f.attname, *_plan(f, connection), f.get_internal_type())  # type: ignore[misc]
        for f in fields
    )


def _params(obj: models.Model, plan: Plan, connection: Any, insert: bool) -> list[Any]:
    """The parameters `get_db_prep_save` gives for each planned field: of `pre_save` for an
    insert (defaults such as `auto_now_add` filled in), of the attribute as set for an update."""
    values = obj.__dict__
    ops = connection.ops
    params = []
    for field, attname, way, types, internal in plan:
        value = values.get(attname, _MISSING)
        if way and (value is None or type(value) in types):
            if value is None or way == _AS_IS:
                params.append(value)
                continue
            if way == _ADAPT_INT:
                params.append(ops.adapt_integerfield_value(value, internal))
                continue
            if way == _ADAPT_DATE:
                params.append(ops.adapt_datefield_value(value))
                continue
            if value.utcoffset() is not None:  # aware: get_prep_value would not touch it
                params.append(_adapted_datetime(value, ops))
                continue
        value = field.pre_save(obj, True) if insert else getattr(obj, attname)
        params.append(field.get_db_prep_save(value, connection))
    return params


_MISSING = object()

# The last aware datetime adapted, and for which connection's operations: a step writes
# the same moment into several rows (registered, updated, the event, the audit record).
_last_datetime: tuple[Any, Any, Any] = (None, None, None)


def _adapted_datetime(value: datetime, ops: Any) -> Any:
    global _last_datetime
    last = _last_datetime
    if last[0] is value and last[1] is ops:
        return last[2]
    adapted = ops.adapt_datetimefield_value(value)
    _last_datetime = (value, ops, adapted)
    return adapted


@cache
def _insert_sql(model: type[models.Model], vendor: str) -> tuple[str, Plan]:
    connection = _connection()
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not isinstance(f, AutoFieldMixin))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "
        f"RETURNING {quote(meta.pk.column)}"
    )
    return sql, _make_plan(fields, connection)


def insert_params(obj: models.Model) -> list[Any]:
    """The values `insert` writes for `obj`, in the order of its INSERT's columns."""
    connection = _connection()
    _, plan = _insert_sql(type(obj), connection.vendor)
    return _params(obj, plan, connection, True)


def insert(obj: models.Model) -> models.Model:
    """INSERT `obj` (as `save(force_insert=True)` would) and set its primary key."""
    connection = _connection()
    sql, plan = _insert_sql(type(obj), connection.vendor)
    params = _params(obj, plan, connection, True)
    kept = cursor(connection)
    kept.execute(sql, params)
    obj.pk = kept.fetchone()[0]
    obj._state.adding = False
    obj._state.db = "default"
    return obj


@cache
def _update_sql(model: type[models.Model], names: tuple[str, ...], vendor: str) -> tuple[str, Plan]:
    connection = _connection()
    meta = model._meta
    fields = tuple(meta.get_field(n) for n in names)
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)  # type: ignore[union-attr]
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"
    return sql, _make_plan(fields, connection)  # type: ignore[arg-type]


def update(obj: models.Model, *names: str) -> None:
    """UPDATE the named fields of `obj` (as `save(update_fields=names)` would)."""
    connection = _connection()
    sql, plan = _update_sql(type(obj), names, connection.vendor)
    params = _params(obj, plan, connection, False)
    params.append(obj.pk)
    cursor(connection).execute(sql, params)


Converters = list[tuple[int, list[Any], Any]]


def _converters(connection: Any, model: type[models.Model], start: int = 0) -> Converters:
    """The converters the ORM's compiler applies to the model's columns, read from position
    `start` of a row (datetimes, UUIDs and booleans on SQLite)."""
    meta = model._meta
    found = []
    for index, field in enumerate(meta.concrete_fields, start):
        col = field.get_col(meta.db_table)
        funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if funcs:
            found.append((index, funcs, col))
    return found


def _convert(connection: Any, row: Any, converters: Converters) -> list[Any]:
    values = list(row)
    for index, funcs, col in converters:
        for func in funcs:
            values[index] = func(values[index], col, connection)
    return values


@cache
def _select_sql(
    model: type[models.Model], column: str, lock: bool, vendor: str
) -> tuple[str, Converters, tuple[str, ...]]:
    connection = _connection()
    meta = model._meta
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    columns = ", ".join(quote(f.column) for f in fields)
    lock_clause = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(column)} = %s "
        f"LIMIT 1{lock_clause}"
    )
    return sql, _converters(connection, model), tuple(f.attname for f in fields)


def fetch_one(
    model: type[models.Model], column: str, value: Any, *, lock: bool = False
) -> models.Model | None:
    """The row whose `column` (a unique one) equals `value`, as a model instance, or None.
    With `lock`, the row is locked for the rest of the transaction where the database can."""
    connection = _connection()
    sql, converters, names = _select_sql(model, column, lock, connection.vendor)
    param = model._meta.get_field(column).get_db_prep_value(value, connection)  # type: ignore[union-attr]
    kept = cursor(connection)
    kept.execute(sql, [param])
    row = kept.fetchone()
    if row is None:
        return None
    return model.from_db("default", names, _convert(connection, row, converters))


@cache
def _joined_sql(
    model: type[models.Model], column: str, relation: str, vendor: str
) -> tuple[str, Converters, tuple[str, ...], tuple[str, ...], type[models.Model]]:
    connection = _connection()
    quote = connection.ops.quote_name
    meta = model._meta
    link = meta.get_field(relation)
    other = link.related_model
    assert isinstance(link, models.ForeignKey) and other is not None
    mine, theirs = list(meta.concrete_fields), list(other._meta.concrete_fields)  # type: ignore[union-attr]
    columns = ", ".join(
        [f"a.{quote(f.column)}" for f in mine] + [f"b.{quote(f.column)}" for f in theirs]
    )
    sql = (
        f"SELECT {columns} FROM {quote(meta.db_table)} a "
        f"JOIN {quote(other._meta.db_table)} b ON b.{quote(other._meta.pk.column)} = "  # type: ignore[union-attr]
        f"a.{quote(link.column)} WHERE a.{quote(column)} = %s LIMIT 1"
    )
    converters = _converters(connection, model) + _converters(connection, other, len(mine))  # type: ignore[arg-type]
    names = tuple(f.attname for f in mine), tuple(f.attname for f in theirs)
    return sql, converters, *names, other  # type: ignore[return-value]


def fetch_one_with(
    model: type[models.Model], column: str, value: Any, relation: str
) -> models.Model | None:
    """As `fetch_one`, with the row its foreign key `relation` points to read in the same
    statement and set on it (`obj.<relation>` then needs no query)."""
    connection = _connection()
    sql, converters, names, other_names, other = _joined_sql(
        model, column, relation, connection.vendor
    )
    param = model._meta.get_field(column).get_db_prep_value(value, connection)  # type: ignore[union-attr]
    kept = cursor(connection)
    kept.execute(sql, [param])
    row = kept.fetchone()
    if row is None:
        return None
    values = _convert(connection, row, converters)
    obj = model.from_db("default", names, values[: len(names)])
    setattr(obj, relation, other.from_db("default", other_names, values[len(names) :]))
    return obj


# ---------------------------------------------------------------------------------------------
# Building a new instance. `Model(**kwargs)` walks every field, pops its value or computes its
# default, and sets foreign keys through their descriptors: on the hot path that costs more
# than writing the row. `new` puts the values in field order once, sets them as the
# positional path of `Model(*args)` (the one `from_db` takes) would, and caches the related
# objects given, as the descriptor would.


@cache
def _shape(
    model: type[models.Model],
) -> tuple[
    list[Any],
    tuple[tuple[int, Any], ...],
    dict[str, int],
    dict[str, tuple[int, Any]],
    tuple[str, ...],
]:
    fields = model._meta.concrete_fields
    template: list[Any] = []
    callables = []
    for i, f in enumerate(fields):
        if f.has_default() and callable(f.default):
            callables.append((i, f.default))
            template.append(None)
        else:
            template.append(f.get_default())
    index = {f.attname: i for i, f in enumerate(fields)}
    relations = {f.name: (i, f) for i, f in enumerate(fields) if f.is_relation}
    return template, tuple(callables), index, relations, tuple(index)


def new(model: type[M], /, **values: Any) -> M:
    """`model(**values)`, built the short way: the same attributes, defaults and cached
    related objects (tests/test_rows.py compares the two)."""
    template, callables, index, relations, attnames = _shape(model)
    args = list(template)
    given = set()
    related = []
    for name, value in values.items():
        i = index.get(name)
        if i is None:
            if name not in relations:
                raise TypeError(f"{model.__name__}() got an unexpected keyword argument {name!r}")
            i, field = relations[name]
            related.append((field, value))
            value = None if value is None else getattr(value, field.target_field.attname)
        args[i] = value
        given.add(i)
    for i, make in callables:
        if i not in given:
            args[i] = make()
    obj: M
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        obj = model(*args)
    else:  # what `model(*args)` does when nobody listens to its signals
        obj = model.__new__(model)
        obj._state = ModelState()
        obj.__dict__.update(zip(attnames, args, strict=True))
    for field, value in related:
        if value is not None and obj._state.db is None:
            obj._state.db = router.db_for_write(model, instance=value)  # as the descriptor does
        field.set_cached_value(obj, value)
    return obj
