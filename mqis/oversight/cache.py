"""Dashboard cache: the expensive part of a page, kept until the data it came from changes.

An entry is keyed by the page, the viewer's scope (what `mqis.accounts.scope` lets them
see depends only on their membership), the normalised choices in the URL, today's date
and the data version. The data version is read from the database on every request:
any write that changes what a dashboard shows adds a row to one of the version sources
(a return saved by any channel adds a `ReturnChange`, a CQC import an `ImportRun`), so
the next request after it misses the cache. Entries also expire after `TTL` seconds, a
safety net for writes that add no such row (an administrator editing a location).
A page about one council can ask for a narrower version, in which only that council's
saved returns count.

Never cache a whole page: its header carries the user's name and CSRF token.
"""

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from mqis.accounts import scope
from mqis.accounts.scope import AnyUser

TTL = 300
# The version also counts the newest rows, not only the largest id: on PostgreSQL a
# transaction that took a lower id can commit after one that took a higher id. A row
# committed that late behind more than RECENT_ROWS others (a large upload) is caught
# only by the TTL.
RECENT_ROWS = 200


@dataclass(frozen=True)
class Source:
    """A model whose new rows make dashboards stale; `council` is the lookup from a row to
    its council, when a row concerns one council only (None: it concerns every page)."""

    label: str
    council: str | None = None


_SOURCES: list[Source] = [
    Source("returns.ReturnChange", council="return_obj__location__council"),
    Source("registry.ImportRun"),
    Source("returns.ReturnTemplate"),
]
_VERSION_SQL: dict[tuple[tuple[Source, ...], int | None], tuple[str, list[Any]]] = {}
_flights: dict[str, threading.Lock] = {}
_flights_lock = threading.Lock()

T = TypeVar("T")


def register_version_source(model: type[Model], *, council: str | None = None) -> None:
    """Make new rows of this model invalidate dashboards (call from AppConfig.ready).

    With `council`, the lookup from a row to its council (e.g. "alert__location__council"),
    a new row invalidates only the pages about that council and those above it.
    """
    label = model._meta.label
    if all(source.label != label for source in _SOURCES):
        _SOURCES.append(Source(label, council))


def _recent(source: Source, council_id: int | None) -> QuerySet[Any]:
    """The source's newest rows (those of one council, if asked and it can tell)."""
    model = apps.get_model(source.label)
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)  # type: ignore[union-attr]
    newest = RawSQL(f"(SELECT COALESCE(MAX({pk}), 0) FROM {table}) - %s", [RECENT_ROWS])
    recent = model._default_manager.filter(pk__gt=newest)
    if source.council and council_id is not None:
        # The slice never drops a row (the ids are unique), but it tells PostgreSQL's
        # planner that few come out, so it looks each up rather than joining whole tables.
        newest_ids = recent.order_by("-pk").values("pk")[:RECENT_ROWS]
        recent = model._default_manager.filter(pk__in=newest_ids, **{source.council: council_id})
    return recent.order_by().values("pk")


def _version_sql(council_id: int | None) -> tuple[str, list[Any]]:
    """The version query, built once per council: the ORM takes longer to build it than
    the database to run it."""
    key = (tuple(_SOURCES), council_id)
    if key not in _VERSION_SQL:
        parts: list[str] = []
        params: list[Any] = []
        for n, source in enumerate(_SOURCES):
            sql, source_params = _recent(source, council_id).query.sql_with_params()
            parts.append(f"SELECT {n}, MAX(pk), COUNT(pk) FROM ({sql}) recent{n}")
            params += source_params
        _VERSION_SQL[key] = (" UNION ALL ".join(parts), params)
    return _VERSION_SQL[key]


def data_version(council_id: int | None = None) -> tuple[tuple[int, int], ...]:
    """(largest id, number) of the newest rows of each version source: one cheap query.

    With `council_id`, rows of a source that knows its council count only if they are
    that council's: a council's page need not be computed again when a home in another
    council sends a return.
    """
    sql, params = _version_sql(council_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall())
    return tuple((int(top or 0), int(count or 0)) for _, top, count in rows)


def scope_key(user: AnyUser) -> str:
    """Who the user sees for: everyone with the same key sees the same dashboards."""
    m = scope.membership(user)
    if m is None:
        return "none"
    org = m.region_id or m.council_id or m.provider_id
    return f"{m.role}:{org}" if org else str(m.role)


def _key(page: str, user: AnyUser, choice: str, council_id: int | None) -> str:
    version = data_version(council_id)
    parts = [page, scope_key(user), choice, timezone.localdate().isoformat(), repr(version)]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"mqis:dashboard:{page}:{digest}"


@contextmanager
def _one_at_a_time(key: str) -> Iterator[None]:
    """Let one thread compute a missing entry while the others asking for it wait."""
    with _flights_lock:
        lock = _flights.setdefault(key, threading.Lock())
    try:
        with lock:
            yield
    finally:
        with _flights_lock:
            _flights.pop(key, None)


def cached(
    page: str, user: AnyUser, choice: str, compute: Callable[[], T], *, council_id: int | None = None
) -> T:
    """The cached result of `compute` for this page, viewer's scope and choice, or compute it.

    Pass `council_id` when the page shows one council's locations and nothing else, so
    that only its returns make it stale (see `data_version`).
    """
    key = _key(page, user, choice, council_id)
    found: Any = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    with _one_at_a_time(key):
        found = cache.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = compute()
        cache.set(key, value, TTL)
        return value
