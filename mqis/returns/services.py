"""The one write path for returns, shared by the web form, the API and bulk uploads."""

import datetime as dt
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import attrgetter
from typing import Any, cast

from django.db import connection, models, transaction
from django.utils import timezone

from mqis.accounts import scope
from mqis.registry.models import Location
from mqis.returns.measures import MEASURES, derive_measures
from mqis.returns.models import Period, Return, ReturnChange, ReturnTemplate
from mqis.returns.periods import describe, refusal_reason
from mqis.returns.signals import stored
from mqis.returns.templates import applies_to
from mqis.returns.validation import FieldCache, FieldError, Value, validate_values


class ReturnRejected(Exception):
    """Raised with every error found; nothing was saved."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass
class Submission:
    """A validated return, ready to store."""

    location: Location
    period: Period
    template: ReturnTemplate
    values: dict[str, Value]
    row: int | None = None


@dataclass
class SaveSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    returns: list[Return] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)

    def describe(self) -> str:
        if not self.changed_anything:
            return "No changes: the figures match what is already stored."
        parts = []
        if self.created:
            parts.append(f"{self.created} new return{'s' if self.created != 1 else ''}")
        if self.updated:
            parts.append(f"{self.updated} updated")
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        return "Saved: " + ", ".join(parts) + "."


def check_submission(
    user: Any,
    location: Location,
    template: ReturnTemplate,
    period: Period,
    raw: Mapping[str, object],
    *,
    row: int | None = None,
    now: dt.datetime | None = None,
    allowed_location_ids: Container[int] | None = None,
    refusals: dict[tuple[str, dt.date], str | None] | None = None,
    field_cache: FieldCache | None = None,
) -> tuple[Submission | None, list[FieldError]]:
    """Check scope, template, period and values; return a Submission or every error.

    A caller checking many rows passes `allowed_location_ids`, the pks of
    `scope.submittable_locations(user)` fetched once, instead of one query per row, and
    a `refusals` dict in which each period's refusal reason is worked out once, and a
    `field_cache` (see `validate_values`) shared by the rows of one template.
    """
    if allowed_location_ids is not None:
        allowed = location.pk in allowed_location_ids
    else:
        allowed = scope.can_submit_for(user, location)
    if not allowed:
        return None, [FieldError("cqc_location_id", "forbidden",
                                 f"You cannot submit returns for {location.cqc_location_id}", row)]
    if not applies_to(template, location):
        message = f"The {template.name.lower()} does not apply to {location.name}"
        return None, [FieldError("template", "wrong_template", message, row)]
    if refusals is None:
        reason = refusal_reason(period, now)
    else:
        key = (period.template_slug, period.start)
        if key not in refusals:
            refusals[key] = refusal_reason(period, now)
        reason = refusals[key]
    if reason:
        return None, [FieldError("period", "period_closed", reason, row)]
    cleaned, errors = validate_values(template.fields, template.rules, raw, field_cache)
    if errors:
        return None, [FieldError(e.field, e.code, e.message, row, e.value) for e in errors]
    return Submission(location, period, template, cleaned, row), []


def _pairs_sql(columns: str, location_ids: Iterable[int], period_ids: Iterable[int]
               ) -> Iterator[tuple[str, list[int]]]:
    """SELECT returns by location and period, 2,000 locations a query. Plain SQL: the ORM
    prepares each of the thousands of ids in an IN list one by one."""
    quote = connection.ops.quote_name
    periods = sorted(period_ids)
    locations = sorted(location_ids)
    for i in range(0, len(locations), 2000):
        part = locations[i : i + 2000]
        yield (f"SELECT {columns} FROM {quote(Return._meta.db_table)} "
               f"WHERE period_id IN ({', '.join(['%s'] * len(periods))}) "
               f"AND location_id IN ({', '.join(['%s'] * len(part))})", [*periods, *part])


def _existing(submissions: list[Submission]) -> dict[tuple[int, int], Return]:
    found: dict[tuple[int, int], Return] = {}
    period_ids = {s.period.pk for s in submissions}
    # A new week's upload meets empty periods: one cheap query saves looking up every pair.
    period_ids = set(Return.objects.filter(period_id__in=period_ids)
                     .values_list("period_id", flat=True).distinct())
    if not period_ids:
        return found
    location_ids = {s.location.pk for s in submissions}
    for sql, params in _pairs_sql("*", location_ids, period_ids):
        for ret in Return.objects.raw(sql, params):
            found[(ret.location_id, ret.period_id)] = ret
    return found


def _diff(old: Mapping[str, Value], new: Mapping[str, Value]) -> dict[str, list[Value]]:
    if not old:  # a first submission: every given value is new
        return {k: [None, new[k]] for k in sorted(new) if new[k] is not None}
    return {k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


RETURN_COLUMNS = ["location", "period", "template", "values", "submitted_at", "submitted_by",
                  "channel", "on_time", *MEASURES]
RETURN_ATTNAMES = [f.attname for f in Return._meta.concrete_fields]


def _new_return(**attrs: Any) -> Return:
    # Positional arguments take Django's fast path: a keyword per field costs 100,000 times.
    return Return(*(attrs.get(name) for name in RETURN_ATTNAMES))


def _insert_rows(model: type[models.Model], names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows at once: one executemany, or COPY on PostgreSQL.

    `bulk_create` prepares every value through the ORM, about 0.1 ms a row: too slow for
    a 100,000-row upload. Only JSON and date-times need adapting for the database.
    """
    if not rows:
        return
    ops = connection.ops
    fields = [cast(models.Field, model._meta.get_field(name)) for name in names]
    columns = list(zip(*rows, strict=True))
    for i, f in enumerate(fields):
        if isinstance(f, models.JSONField):
            columns[i] = tuple(map(partial(ops.adapt_json_value, encoder=f.encoder), columns[i]))
        elif isinstance(f, models.DateTimeField):
            adapt = lru_cache(maxsize=8)(ops.adapt_datetimefield_value)  # usually one `now`
            columns[i] = tuple(map(adapt, columns[i]))
    table = ops.quote_name(model._meta.db_table)
    names_sql = ", ".join(ops.quote_name(f.column) for f in fields)
    values = zip(*columns, strict=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY, PostgreSQL's bulk load: Django's client-side-binding cursor would send
            # every INSERT as a separate query, parsed and planned each time.
            with cursor.cursor.copy(f"COPY {table} ({names_sql}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names_sql}) VALUES ({marks})", list(values))


def _insert_returns(returns: list[Return]) -> None:
    """Insert new returns, then give each its primary key (executemany cannot return them)."""
    if not returns:
        return
    values_of = attrgetter(*(cast(models.Field, Return._meta.get_field(name)).attname
                             for name in RETURN_COLUMNS))
    _insert_rows(Return, RETURN_COLUMNS, [values_of(r) for r in returns])
    ids: dict[tuple[int, int], int] = {}
    period_ids = {r.period_id for r in returns}
    location_ids = {r.location_id for r in returns}
    with connection.cursor() as cursor:
        for sql, params in _pairs_sql("id, location_id, period_id", location_ids, period_ids):
            cursor.execute(sql, params)
            for pk, location_id, period_id in cursor.fetchall():
                ids[(location_id, period_id)] = pk
    alias = connection.alias
    for ret in returns:
        ret.pk = ids[(ret.location_id, ret.period_id)]
        ret._state.adding = False
        ret._state.db = alias


def store(
    submissions: Iterable[Submission], *, user: Any, channel: str, now: dt.datetime | None = None
) -> SaveSummary:
    """Save validated submissions with their audit rows. Call inside a transaction."""
    now = now or timezone.now()
    subs = list(submissions)
    existing = _existing(subs)
    actor = user if getattr(user, "is_authenticated", False) else None
    actor_id = actor.pk if actor else None
    summary = SaveSummary()
    new_returns: list[Return] = []
    updated: list[Return] = []
    diffs: list[tuple[Return, dict[str, list[Value]], int]] = []
    for sub in subs:
        location_id, period_id = sub.location.pk, sub.period.pk
        ret = existing.get((location_id, period_id))
        if ret is not None and ret.values == sub.values:
            summary.unchanged += 1
            summary.returns.append(ret)
            continue
        measures = derive_measures(sub.template.fields, sub.values)
        diff = _diff(ret.values if ret else {}, sub.values)
        if ret is None:
            ret = _new_return(location_id=location_id, period_id=period_id,
                              template_id=sub.template.pk, values=sub.values, submitted_at=now,
                              submitted_by_id=actor_id, channel=channel,
                              on_time=now <= sub.period.due_at, **measures)
            new_returns.append(ret)
        else:
            updated.append(ret)
            ret.template = sub.template
            ret.values = sub.values
            ret.submitted_at = now
            ret.submitted_by = actor
            ret.channel = channel
            for name, value in measures.items():
                setattr(ret, name, value)
        diffs.append((ret, diff, sub.template.version))
        summary.returns.append(ret)
    _insert_returns(new_returns)
    if updated:
        fields = ["template", "values", "submitted_at", "submitted_by", "channel", *MEASURES]
        Return.objects.bulk_update(updated, fields, batch_size=500)
    _insert_rows(
        ReturnChange,
        ["return_obj", "changed_at", "changed_by", "channel", "template_version", "diff"],
        [(ret.pk, now, actor_id, channel, version, diff)
         for ret, diff, version in diffs],
    )
    summary.created, summary.updated = len(new_returns), len(updated)
    if diffs:
        stored(Return, {ret.location_id for ret, _, _ in diffs}, channel, now)
    return summary


def submit_return(
    user: Any,
    location: Location,
    template: ReturnTemplate,
    period: Period,
    raw: Mapping[str, object],
    *,
    channel: str,
    now: dt.datetime | None = None,
) -> SaveSummary:
    """Validate and save one return; raise ReturnRejected with every error."""
    submission, errors = check_submission(user, location, template, period, raw, now=now)
    if submission is None:
        raise ReturnRejected(errors)
    with transaction.atomic():
        return store([submission], user=user, channel=channel, now=now)


def last_return(location: Location, template_slug: str) -> Return | None:
    return (
        Return.objects.filter(location=location, period__template_slug=template_slug)
        .select_related("period", "template")
        .order_by("-period__start")
        .first()
    )


def history(location: Location) -> list[ReturnChange]:
    return list(
        ReturnChange.objects.filter(return_obj__location=location)
        .select_related("return_obj__period", "changed_by")
        .order_by("-changed_at", "-id")
    )


__all__ = ["ReturnRejected", "Submission", "SaveSummary", "check_submission", "store",
           "submit_return", "last_return", "history", "describe"]
