"""Insert many rows at once, faster than `bulk_create`, for the paths that save thousands.

`bulk_create` prepares every value of every row through the ORM, about 0.1 ms a row: too
slow when an upload of 100,000 returns, or the thousands of alerts it may open, is saved
inside one request. Only JSON, date-times and UUIDs need adapting for the database.
"""

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache, partial
from itertools import islice
from typing import Any, cast

from django.db import connection, models


def _adapter(field: models.Field) -> Any:
    ops = connection.ops
    if isinstance(field, models.JSONField):
        return partial(ops.adapt_json_value, encoder=field.encoder)
    if isinstance(field, models.DateTimeField):
        return lru_cache(maxsize=8)(ops.adapt_datetimefield_value)  # usually one `now`
    if isinstance(field, models.UUIDField):
        return partial(field.get_db_prep_value, connection=connection)
    return None


def insert_rows(model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows of raw values for the fields `names`: COPY on PostgreSQL, else one executemany.

    Values are given as the database stores them (ids, not objects). Nothing is read back.
    """
    if not rows:
        return
    ops = connection.ops
    fields = [cast(models.Field, model._meta.get_field(name)) for name in names]
    columns = list(zip(*rows, strict=True))
    for i, field in enumerate(fields):
        adapt = _adapter(field)
        if adapt is not None:
            columns[i] = tuple(map(adapt, columns[i]))
    table = ops.quote_name(model._meta.db_table)
    names_sql = ", ".join(ops.quote_name(f.column) for f in fields)
    values = zip(*columns, strict=True)
    # The driver's own COPY bypasses Django's cursor wrapper, so turn its errors into Django's
    # (a unique violation is an IntegrityError, which callers catch).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            # COPY, PostgreSQL's bulk load: Django's client-side-binding cursor would send
            # every INSERT as a separate query, parsed and planned each time.
            with cursor.cursor.copy(f"COPY {table} ({names_sql}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names_sql}) VALUES ({marks})", list(values))


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
