"""Writing a batch of model instances at once: the sync's hot path.

The rows go in with PostgreSQL's COPY, the fastest way in (Django's bulk_create and
bulk_update build and compile one SQL expression per value, which costs more than the writing
itself); updates and upserts go through a temporary table that COPY fills.

Values are the instances' attributes, prepared as bulk_create would: auto_now fields are set,
and a value that is not a plain str, int, bool, Decimal or date goes through its field's own
preparation (so MoneyField still refuses a float, JSON becomes JSON). Rows that are only
written, never used as instances afterwards, may be given as dicts of attribute names
(`Rows`; an insert sets their ids in them): building thousands of model instances costs more
than writing them.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import orjson
from django.db import connection, transaction
from django.db.models import DateField, DateTimeField, JSONField
from django.utils import timezone

# Values psycopg writes as they are, faster than any field could prepare them.
PLAIN = (str, int, bool, Decimal, datetime.date)
# The same as exact types, with None: one set lookup tells most values apart.
PLAIN_TYPES = frozenset({*PLAIN, datetime.datetime, type(None)})
_names = itertools.count()


class Rows(list):
    """Rows of `model` as dicts of attribute names; a missing one takes the field's default."""

    def __init__(self, model, rows=()):
        super().__init__(rows)
        self.model = model


def insert(objs: list, *, need_ids: bool = True) -> list:
    """INSERT new instances (or Rows); their primary keys are set (unless `need_ids` is
    False)."""
    if not objs:
        return objs
    model = _model(objs)
    fields = _fields(model, add=True, with_pk=need_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        if need_ids:
            table, pk = model._meta.db_table, model._meta.pk.column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, len(objs)],
            )
            _set_ids(objs, model, [pk_value for (pk_value,) in cursor.fetchall()])
        _copy(cursor, model._meta.db_table, fields, objs, add=True)
    if not isinstance(objs, Rows):
        for obj in objs:
            obj._state.adding = False
    return objs


def update(objs: list, field_names: list[str]) -> None:
    """UPDATE existing instances' `field_names` (auto_now fields are refreshed too)."""
    if not objs:
        return
    model = _model(objs)
    names = _with_auto_now(model, field_names)
    fields = [model._meta.pk, *(model._meta.get_field(name) for name in names)]
    table = model._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        temporary = _temporary_table(cursor, table, fields)
        _copy(cursor, temporary, fields, objs, add=False)
        assignments = ", ".join(f'"{f.column}" = t."{f.column}"' for f in fields[1:])
        cursor.execute(
            f'UPDATE "{table}" SET {assignments} FROM "{temporary}" t '  # noqa: S608 (names from the models)
            f'WHERE "{table}"."{fields[0].column}" = t."{fields[0].column}"'
        )
        cursor.execute(f'DROP TABLE "{temporary}"')


def upsert(objs: list, *, unique_fields: list[str], update_fields: list[str]) -> None:
    """INSERT instances, or UPDATE `update_fields` of the row with the same `unique_fields`."""
    if not objs:
        return
    model = _model(objs)
    with_pk = all(_pk(obj, model) is not None for obj in objs)
    fields = _fields(model, add=True, with_pk=with_pk)
    table = model._meta.db_table
    columns = ", ".join(f'"{f.column}"' for f in fields)
    conflict = ", ".join(f'"{model._meta.get_field(name).column}"' for name in unique_fields)
    assignments = ", ".join(
        f'"{column}" = EXCLUDED."{column}"'
        for column in (model._meta.get_field(name).column for name in update_fields)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        temporary = _temporary_table(cursor, table, fields)
        _copy(cursor, temporary, fields, objs, add=True)
        cursor.execute(
            f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{temporary}" '  # noqa: S608 (names from the models)
            f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"
        )
        cursor.execute(f'DROP TABLE "{temporary}"')


def commit_without_waiting_for_disk() -> None:
    """This transaction's commit returns before its WAL reaches the disk (PostgreSQL writes it
    within a fraction of a second). For writes that can always be made again from what Shopify
    holds, by what comes after them: a crash of PostgreSQL can lose only the last commits, never
    a later one without them (the WAL is flushed in order), so a batch is lost with its
    checkpoint, and a webhook's changes with the mark that they were made, and are made again.
    https://www.postgresql.org/docs/current/wal-async-commit.html"""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _set_ids(objs, model, ids: list[int]) -> None:
    if isinstance(objs, Rows):
        attname = model._meta.pk.attname
        for row, pk_value in zip(objs, ids, strict=True):
            row[attname] = pk_value
        return
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value


def _model(objs):
    return objs.model if isinstance(objs, Rows) else type(objs[0])


def _pk(obj, model):
    if isinstance(obj, dict):
        return obj.get(model._meta.pk.attname)
    return obj.pk


def _fields(model, *, add: bool, with_pk: bool) -> list:
    return [
        field
        for field in model._meta.concrete_fields
        if with_pk or not field.primary_key
        if add or not field.primary_key
    ]


def _with_auto_now(model, names: list[str]) -> list[str]:
    auto = [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, (DateField, DateTimeField)) and field.auto_now
    ]
    return list(dict.fromkeys([*names, *auto]))


def _temporary_table(cursor, table: str, fields: list) -> str:
    name = f"_writes_{next(_names)}"
    columns = ", ".join(f'"{field.column}"' for field in fields)
    cursor.execute(
        f'CREATE TEMPORARY TABLE "{name}" ON COMMIT DROP AS '  # noqa: S608 (names from the models)
        f'SELECT {columns} FROM "{table}" WITH NO DATA'
    )
    return name


def _copy(cursor, table: str, fields: list, objs: list, *, add: bool):
    columns = ", ".join(f'"{field.column}"' for field in fields)
    if isinstance(objs, Rows):
        now = timezone.now()
        prepare = [_row_preparer(field, add, now) for field in fields]
    else:
        prepare = [_preparer(field, add) for field in fields]
    # The raw psycopg cursor: Django's error classes are put back on what COPY raises.
    statement = f'COPY "{table}" ({columns}) FROM STDIN'
    with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for obj in objs:
            copy.write_row([step(obj) for step in prepare])


def _preparer(field, add: bool):
    attname = field.attname
    if isinstance(field, (DateField, DateTimeField)) and (field.auto_now or field.auto_now_add):
        return lambda obj: field.pre_save(obj, add)
    if _plain_json(field):
        return lambda obj: _json_text(getattr(obj, attname))

    def prepare(obj):
        value = getattr(obj, attname)
        if type(value) in PLAIN_TYPES or isinstance(value, PLAIN):
            return value
        return field.get_db_prep_save(value, connection)

    return prepare


def _plain_json(field) -> bool:
    """A JSON field Django would encode with the standard encoder: orjson writes the same
    JSON several times faster (a batch writes thousands)."""
    return isinstance(field, JSONField) and field.encoder is None


def _json_text(value):
    if value is None:
        return None  # SQL NULL, as Django writes it
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _row_preparer(field, add: bool, now):
    attname = field.attname
    if isinstance(field, (DateField, DateTimeField)) and (
        field.auto_now or (field.auto_now_add and add)
    ):
        return lambda row: now
    # What Django would give an instance without it ("" for text, None for the rest).
    default = field.get_default()
    if _plain_json(field):
        return lambda row: _json_text(row.get(attname, default))

    def prepare(row):
        value = row.get(attname, default)
        if type(value) in PLAIN_TYPES or isinstance(value, PLAIN):
            return value
        return field.get_db_prep_save(value, connection)

    return prepare
