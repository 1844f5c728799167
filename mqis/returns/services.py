"""The one write path for returns, shared by the web form, the API and bulk uploads."""

import datetime as dt
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from mqis.accounts import scope
from mqis.lib.bulk import adapt_rows, insert_rows, new_ids
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
    return_ids: list[int] = field(default_factory=list)

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
               ) -> Iterator[tuple[str, list[Any]]]:
    """SELECT returns by location and period, 2,000 locations a query. Plain SQL: the ORM
    prepares each of the thousands of ids in an IN list one by one. On PostgreSQL the ids go
    as two arrays: psycopg rewrites a query's placeholders on the client, slowly when there
    are thousands."""
    quote = connection.ops.quote_name
    periods = sorted(period_ids)
    locations = sorted(location_ids)
    select = f"SELECT {columns} FROM {quote(Return._meta.db_table)} WHERE "
    for i in range(0, len(locations), 2000):
        part = locations[i : i + 2000]
        if connection.vendor == "postgresql":
            yield select + "period_id = ANY(%s) AND location_id = ANY(%s)", [periods, part]
        else:
            yield (select + f"period_id IN ({', '.join(['%s'] * len(periods))}) "
                   f"AND location_id IN ({', '.join(['%s'] * len(part))})", [*periods, *part])


def _existing(submissions: list[Submission]) -> dict[tuple[int, int], Return]:
    found: dict[tuple[int, int], Return] = {}
    # A period not saved yet has no returns.
    period_ids = {s.period.pk for s in submissions if s.period.pk is not None}
    if not period_ids:
        return found
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


# A new return's row is (location id, period, *REST_COLUMNS): its period is given as the
# Period, which may not be saved yet when the row is prepared.
REST_COLUMNS = ["template", "values", "submitted_at", "submitted_by", "channel", "on_time", *MEASURES]
CHANGE_COLUMNS = ["changed_at", "changed_by", "channel", "template_version", "diff"]  # after return_obj


@dataclass
class Prepared:
    """Submissions worked out and encoded, ready to write: see `prepare` and `write`."""

    new_keys: list[tuple[int, Period]] = field(default_factory=list)
    new_rest: list[tuple[Any, ...]] = field(default_factory=list)  # REST_COLUMNS, adapted
    new_changes: list[tuple[Any, ...]] = field(default_factory=list)  # CHANGE_COLUMNS, adapted
    updated: list[Return] = field(default_factory=list)
    update_changes: list[tuple[Any, ...]] = field(default_factory=list)  # return id, CHANGE_COLUMNS
    summary: SaveSummary = field(default_factory=SaveSummary)
    now: dt.datetime = field(default_factory=timezone.now)
    channel: str = ""


def prepare(submissions: Iterable[Submission], *, user: Any, channel: str, now: dt.datetime | None = None
            ) -> Prepared:
    """Work out what saving these submissions changes, and encode the rows: everything but
    the writing. Reads the stored returns; writes nothing. Periods need not be saved yet."""
    now = now or timezone.now()
    subs = list(submissions)
    existing = _existing(subs)
    actor = user if getattr(user, "is_authenticated", False) else None
    actor_id = actor.pk if actor else None
    out = Prepared(now=now, channel=channel)
    summary = out.summary
    new_rest: list[tuple[Any, ...]] = []
    new_changes: list[tuple[Any, ...]] = []
    update_changes: list[tuple[Any, ...]] = []
    for sub in subs:
        ret = existing.get((sub.location.pk, sub.period.pk)) if sub.period.pk is not None else None
        if ret is not None and ret.values == sub.values:
            summary.unchanged += 1
            summary.return_ids.append(ret.pk)
            continue
        measures = derive_measures(sub.template.fields, sub.values)
        diff = _diff(ret.values if ret else {}, sub.values)
        change = (now, actor_id, channel, sub.template.version, diff)
        if ret is None:
            out.new_keys.append((sub.location.pk, sub.period))
            new_rest.append((sub.template.pk, sub.values, now, actor_id, channel,
                             now <= sub.period.due_at, *(measures.get(m) for m in MEASURES)))
            new_changes.append(change)
            continue
        out.updated.append(ret)
        ret.template = sub.template
        ret.values = sub.values
        ret.submitted_at = now
        ret.submitted_by = actor
        ret.channel = channel
        for name, value in measures.items():
            setattr(ret, name, value)
        update_changes.append((ret.pk, *change))
        summary.return_ids.append(ret.pk)
    out.new_rest = adapt_rows(Return, REST_COLUMNS, new_rest)
    out.new_changes = adapt_rows(ReturnChange, CHANGE_COLUMNS, new_changes)
    out.update_changes = adapt_rows(ReturnChange, ["return_obj", *CHANGE_COLUMNS], update_changes)
    return out


Key = tuple[int, int]  # (location id, period id): one return each


def _insert_returns(keys: list[Key], rest: list[tuple[Any, ...]]) -> list[int]:
    """Insert new returns; their ids, in order. On PostgreSQL the ids are taken from the
    sequence first; on SQLite they are read back (executemany cannot return them). Rows,
    not model instances: building 100,000 instances costs more than inserting them."""
    if not keys:
        return []
    ids = new_ids(Return, len(keys))
    if ids is not None:
        insert_rows(Return, ["id", "location", "period", *REST_COLUMNS],
                    [(pk, *key, *row) for pk, key, row in zip(ids, keys, rest, strict=True)], adapted=True)
        return ids
    insert_rows(Return, ["location", "period", *REST_COLUMNS],
                [(*key, *row) for key, row in zip(keys, rest, strict=True)], adapted=True)
    found: dict[Key, int] = {}
    with connection.cursor() as cursor:
        for sql, params in _pairs_sql("id, location_id, period_id", {k[0] for k in keys}, {k[1] for k in keys}):
            cursor.execute(sql, params)
            for pk, location_id, period_id in cursor.fetchall():
                found[(location_id, period_id)] = pk
    return [found[key] for key in keys]


def write(prepared: Prepared) -> SaveSummary:
    """Write what `prepare` worked out, with the audit rows, and announce it. Call inside a
    transaction, with every period of the new returns saved."""
    summary = prepared.summary
    keys = [(location_id, period.pk) for location_id, period in prepared.new_keys]
    ids = _insert_returns(keys, prepared.new_rest)
    summary.return_ids += ids
    if prepared.updated:
        fields = ["template", "values", "submitted_at", "submitted_by", "channel", *MEASURES]
        Return.objects.bulk_update(prepared.updated, fields, batch_size=500)
    changes = prepared.update_changes + [(pk, *row) for pk, row in zip(ids, prepared.new_changes, strict=True)]
    insert_rows(ReturnChange, ["return_obj", *CHANGE_COLUMNS], changes, adapted=True)
    summary.created, summary.updated = len(ids), len(prepared.updated)
    if changes:
        location_ids = {key[0] for key in keys} | {ret.location_id for ret in prepared.updated}
        stored(Return, location_ids, prepared.channel, prepared.now)
    return summary


def store(
    submissions: Iterable[Submission], *, user: Any, channel: str, now: dt.datetime | None = None
) -> SaveSummary:
    """Save validated submissions with their audit rows. Call inside a transaction."""
    return write(prepare(submissions, user=user, channel=channel, now=now))


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


__all__ = ["ReturnRejected", "Submission", "SaveSummary", "Prepared", "check_submission", "prepare", "write", "store",
           "submit_return", "last_return", "history", "describe"]
