"""Insert many rows at once, faster than `bulk_create`, for the paths that save thousands.

`bulk_create` prepares every value of every row through the ORM, about 0.1 ms a row: too
slow when an upload of 100,000 returns, or the thousands of alerts it may open, is saved
inside one request. Only JSON, date-times and UUIDs need adapting for the database.

JSON is written with orjson: the standard library's encoder took 3 s of a 100,000-row
upload (a return's values and its audit row's changes), orjson a tenth of that. Both
databases keep the same data either way (PostgreSQL's jsonb parses it; SQLite's JSON
functions ignore the spaces `json.dumps` adds).
"""

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache, partial
from itertools import islice
from typing import Any, cast

import orjson
from django.db import connection, models

_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS  # like json.dumps, which turns 1 into "1"


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=_JSON_OPTIONS)


def _json_text(value: Any) -> str:
    return _dumps(value).decode()


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    return [cast(models.Field, model._meta.get_field(name)) for name in names]


def _columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """The quoted column names of these fields."""
    return [connection.ops.quote_name(cast(str, field.column)) for field in _fields(model, names)]


def _adapter(field: models.Field) -> Any:
    ops = connection.ops
    if isinstance(field, models.JSONField):
        if field.encoder is not None:
            return partial(ops.adapt_json_value, encoder=field.encoder)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            return partial(Jsonb, dumps=_dumps)
        return _json_text
    if isinstance(field, models.DateTimeField):
        return lru_cache(maxsize=8)(ops.adapt_datetimefield_value)  # usually one `now`
    if isinstance(field, models.UUIDField):
        return partial(field.get_db_prep_value, connection=connection)
    return None


def adapt_rows(model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]
               ) -> list[tuple[Any, ...]]:
    """The rows with their values made ready for the database (JSON encoded, and so on)."""
    if not rows:
        return rows
    adapters = [(i, adapt) for i, field in enumerate(_fields(model, names)) if (adapt := _adapter(field)) is not None]
    if not adapters:
        return rows
    columns = list(zip(*rows, strict=True))
    for i, adapt in adapters:
        columns[i] = tuple(map(adapt, columns[i]))
    return list(zip(*columns, strict=True))


def insert_rows(model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]],
                *, adapted: bool = False) -> None:
    """Insert rows of raw values for the fields `names`: COPY on PostgreSQL, else one executemany.

    Values are given as the database stores them (ids, not objects), and already passed
    through `adapt_rows` when `adapted` is true. Nothing is read back.
    """
    if not rows:
        return
    if not adapted:
        rows = adapt_rows(model, names, rows)
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names_sql = ", ".join(_columns(model, names))
    # The driver's own COPY bypasses Django's cursor wrapper, so turn its errors into Django's
    # (a unique violation is an IntegrityError, which callers catch).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            # COPY, PostgreSQL's bulk load: Django's client-side-binding cursor would send
            # every INSERT as a separate query, parsed and planned each time.
            with cursor.cursor.copy(f"COPY {table} ({names_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({names_sql}) VALUES ({marks})", rows)


def upsert_rows(model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]],
                unique: Sequence[str]) -> None:
    """Insert rows, or update the row already there with the same `unique` fields.

    One statement run for every row: on PostgreSQL through psycopg's own cursor, which sends
    the values apart from the query and prepares it once (Django's cursor writes each value
    into the query text, slowly when there are thousands).
    """
    if not rows:
        return
    rows = adapt_rows(model, names, rows)
    ops = connection.ops
    columns, keys = _columns(model, names), _columns(model, unique)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
    sql = (f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}")
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            import psycopg

            with psycopg.Cursor(cursor.connection) as raw:
                raw.executemany(sql, rows)
        else:
            cursor.executemany(sql, rows)


def new_ids(model: type[models.Model], count: int) -> list[int] | None:
    """`count` primary keys for new rows, taken from the table's sequence on PostgreSQL, so
    rows that refer to them can be built before any is inserted. None on SQLite, which has
    no sequence: insert, then read the keys back."""
    if connection.vendor != "postgresql" or not count:
        return None
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [table, column, count])
        return [pk for (pk,) in cursor.fetchall()]


def insert_objects(objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model with every concrete field but the primary key.

    Their primary keys are not set: read them back by a unique key if they are needed.
    """
    if not objects:
        return
    model = type(objects[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    insert_rows(model, [f.name for f in fields], [tuple(getattr(o, n) for n in names) for o in objects])


def batched(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """The rows in lists of `size` (the last may be shorter)."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
