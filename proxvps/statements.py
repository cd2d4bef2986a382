"""Row writes on the worker's hot path, with their SQL built once per shape.

The ORM builds and compiles an UPDATE or INSERT afresh on every call. On the 2-core machines we measure on, that
cost most of a deploy's worker CPU: a conditional `QuerySet.update` took about 0.5 ms of Python against 0.13 ms for
the same statement sent as SQL, and a deploy makes some fifty such writes (its state changes, their action-log
rows, the task ids its steps record). Django has no cache of compiled statements, so these helpers keep one: the
SQL is built once per (database, model, columns, condition) and values are bound as the ORM binds them
(`Field.get_db_prep_save`, a model instance as its primary key), so what reaches the database is what `update()`
and `create()` would have sent.

They cover what the hot path needs and nothing more: writes with equality conditions (`None` meaning IS NULL) and
plain values, no expressions, no signals (the models written here have no signal receivers), no auto_now (callers
set their timestamps); reads of rows by equality conditions, converted as the ORM converts them (a select_related
load of a service cost 2.7 ms, this costs a tenth of it). Anything else goes through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, TypeVar

from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

Values = Mapping[str, Any]
M = TypeVar("M", bound=models.Model)


@lru_cache(maxsize=512)
def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is not a field"
    return field


def column(model: type[models.Model], name: str) -> str:
    """The database column of a field (by field name, `pk` for the key), unquoted: for SQL written by hand."""
    name_in_table = _field(model, name).column
    assert name_in_table is not None, f"{model.__name__}.{name} is not a column"
    return name_in_table


@lru_cache(maxsize=512)
def _update_sql(
    alias: str, model: type[models.Model], columns: tuple[str, ...], where: tuple[tuple[str, bool], ...]
) -> str:
    # Only identifiers from the model's meta, quoted by the backend, go into the text; every value is a parameter.
    quote = connections[alias].ops.quote_name
    sets = ", ".join(f"{quote(column(model, name))} = %s" for name in columns)
    tests = " AND ".join(
        f"{quote(column(model, name))} IS NULL" if is_null else f"{quote(column(model, name))} = %s"
        for name, is_null in where
    )
    return f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {tests}"  # noqa: S608 - see above


@lru_cache(maxsize=64)
def _insert_sql(alias: str, model: type[models.Model], columns: tuple[str, ...]) -> str:
    quote = connections[alias].ops.quote_name
    names = ", ".join(quote(column(model, name)) for name in columns)
    marks = ", ".join("%s" for _ in columns)
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 - identifiers only


# Fields of exactly these classes send a value of this Python type as it is (their get_db_prep_save returns it
# unchanged), so binding one skips the conversion chain, which was a third of a state change's CPU.
_PLAIN: Final[dict[type[models.Field[Any, Any]], type]] = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.PositiveIntegerField: int,
    models.BigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.FloatField: float,
}


Binder = tuple["models.Field[Any, Any]", type | None, bool]


@lru_cache(maxsize=512)
def _binders(model: type[models.Model], names: tuple[str, ...]) -> tuple[Binder, ...]:
    """Per name, its field, the Python type the field sends as it is (see `_PLAIN`), and whether it is a plain
    DateTimeField: looked up once per shape, not once per value."""
    fields = [_field(model, name) for name in names]
    return tuple((field, _PLAIN.get(type(field)), type(field) is models.DateTimeField) for field in fields)


def _params(binders: tuple[Binder, ...], values: Iterable[Any], connection: BaseDatabaseWrapper) -> list[Any]:
    """The values as the ORM sends them: a related instance as its key, then the field's own conversion (a
    datetime as SQLite's text, an encrypted field's ciphertext). An aware datetime for a DateTimeField goes
    straight to the backend's adaptation, which is all `get_db_prep_save` does with one after its checks: a state
    change binds half a dozen of them."""
    params = []
    for (field, plain, moment), value in zip(binders, values, strict=True):
        if isinstance(value, models.Model):
            value = value.pk
        if value is None or type(value) is plain:
            params.append(value)
        elif moment and type(value) is datetime and value.tzinfo is not None:
            params.append(connection.ops.adapt_datetimefield_value(value))
        else:
            params.append(field.get_db_prep_save(value, connection))
    return params


def _update_parts(
    model: type[models.Model], where: Values, values: Values, connection: BaseDatabaseWrapper
) -> tuple[tuple[tuple[str, bool], ...], list[Any]]:
    """An UPDATE's shape (each condition's name and whether it tests for NULL) and its parameters: the values, then
    the conditions that are not NULL."""
    shape = tuple((name, value is None) for name, value in where.items())
    tests = {name: value for name, value in where.items() if value is not None}
    params = _params(_binders(model, tuple(values)), values.values(), connection)
    params += _params(_binders(model, tuple(tests)), tests.values(), connection)
    return shape, params


def update(model: type[models.Model], where: Values, values: Values) -> int:
    """`UPDATE model SET values WHERE where` (each condition an equality, None meaning IS NULL); the rows written.

    Keys are field names (`server`, not `server_id`; `pk` for the key), as in `QuerySet.update`."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    shape, params = _update_parts(model, where, values, connection)
    sql = _update_sql(alias, model, tuple(values), shape)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def insert(model: type[models.Model], values: Values) -> None:
    """`INSERT INTO model (...) VALUES (...)` for a row whose key the database assigns and the caller never needs."""
    alias = router.db_for_write(model)
    sql = _insert_sql(alias, model, tuple(values))
    connection = connections[alias]
    params = _params(_binders(model, tuple(values)), values.values(), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@lru_cache(maxsize=64)
def _update_and_insert_sql(
    alias: str,
    model: type[models.Model],
    columns: tuple[str, ...],
    where: tuple[tuple[str, bool], ...],
    child: type[models.Model],
    link: str,
    child_columns: tuple[str, ...],
) -> str:
    """PostgreSQL's one statement for `update_and_insert`: a data-modifying WITH. Each child value is cast to its
    column's type, so the text holds with client-side and server-side binding alike."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    key = quote(column(model, "pk"))
    names = ", ".join(quote(column(child, name)) for name in (link, *child_columns))
    casts = ", ".join(f"CAST(%s AS {_field(child, name).db_type(connection)})" for name in child_columns)
    return (
        f"WITH moved AS ({_update_sql(alias, model, columns, where)} RETURNING {key})"  # noqa: S608 - identifiers
        f" INSERT INTO {quote(child._meta.db_table)} ({names}) SELECT moved.{key}, {casts} FROM moved"
    )


def update_and_insert(
    model: type[models.Model], where: Values, values: Values, child: type[models.Model], link: str, row: Values
) -> int:
    """`update(model, where, values)` of the row `where` names by its key (`pk`) and, if it was written,
    `insert(child, row)` with the child's `link` field pointing at it: both or neither; the rows written (0 or 1).

    On PostgreSQL this is one statement, which needs no transaction around it: a state change and its action-log
    row cost one round trip instead of four (BEGIN, UPDATE, INSERT, COMMIT). Elsewhere the two statements run in
    one transaction."""
    assert "pk" in where, "the row is named by its key"
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=alias):
            written = update(model, where, values)
            if written:
                insert(child, {**row, link: where["pk"]})
        return written
    shape, params = _update_parts(model, where, values, connection)
    sql = _update_and_insert_sql(alias, model, tuple(values), shape, child, link, tuple(row))
    params += _params(_binders(child, tuple(row)), row.values(), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


@lru_cache(maxsize=64)
def _select(
    alias: str, model: type[models.Model], where: tuple[str, ...], for_update: bool
) -> tuple[str, tuple[str, ...], tuple[Any, ...]]:
    """The SELECT of the rows matching equality conditions on `where`, in key order; the attribute names of its
    columns; and per column its converters (the backend's, then the field's own: a datetime parsed from SQLite's
    text, a secret decrypted) with the column expression they take, as the ORM's compiler applies them."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(column(model, field.name)) for field in fields)
    tests = " AND ".join(f"{quote(column(model, name))} = %s" for name in where)
    key = quote(column(model, "pk"))
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {tests} ORDER BY {key}"  # noqa: S608
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    converters = []
    for field in fields:
        col = field.get_col(model._meta.db_table)
        converters.append((connection.ops.get_db_converters(col) + col.get_db_converters(connection), col))
    return sql, tuple(field.attname for field in fields), tuple(converters)


def select(model: type[M], where: Values, *, for_update: bool = False) -> list[M]:
    """The rows matching `where` (equalities, keys as in `update`; None is not allowed), in key order, as the ORM
    gives them (`select_for_update()` with `for_update`, inside a transaction). No related row is loaded with
    them."""
    assert None not in where.values(), "select matches equalities only"
    alias = router.db_for_read(model)
    connection = connections[alias]
    sql, names, converters = _select(alias, model, tuple(where), for_update)
    params = _params(_binders(model, tuple(where)), where.values(), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for index, (functions, col) in enumerate(converters):
            for convert in functions:
                values[index] = convert(values[index], col, connection)
        found.append(model.from_db(alias, list(names), values))
    return found


def load(model: type[M], pk: Any, *, for_update: bool = False) -> M:
    """The row with this key as `model.objects.get(pk=pk)` gives it (`select_for_update()` with `for_update`, inside
    a transaction); raises model.DoesNotExist when there is none. No related row is loaded with it."""
    found = select(model, {"pk": pk}, for_update=for_update)
    if not found:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist")  # type: ignore[attr-defined]
    return found[0]


def refresh(instance: models.Model, *, for_update: bool = False) -> None:
    """Read the instance's row again into it, as `refresh_from_db` does: a related object stays cached only while
    its key is unchanged."""
    fresh = load(type(instance), instance.pk, for_update=for_update)
    for field in instance._meta.concrete_fields:
        value = getattr(fresh, field.attname)
        changed = getattr(instance, field.attname) != value
        if changed and isinstance(field, models.ForeignObject) and field.is_cached(instance):
            field.delete_cached_value(instance)
        setattr(instance, field.attname, value)
