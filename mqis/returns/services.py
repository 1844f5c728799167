"""The one write path for returns, shared by the web form, the API and bulk uploads."""

import datetime as dt
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from mqis.accounts import scope
from mqis.lib.bulk import insert_rows
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
Key = tuple[int, int]  # (location id, period id): one return each


def _insert_returns(rows: list[tuple[Any, ...]]) -> dict[Key, int]:
    """Insert new returns given as rows of RETURN_COLUMNS; their ids, read back (executemany
    and COPY cannot return them). Rows, not model instances: building 100,000 instances costs
    more than inserting them."""
    if not rows:
        return {}
    insert_rows(Return, RETURN_COLUMNS, rows)
    ids: dict[Key, int] = {}
    with connection.cursor() as cursor:
        for sql, params in _pairs_sql("id, location_id, period_id", {r[0] for r in rows}, {r[1] for r in rows}):
            cursor.execute(sql, params)
            for pk, location_id, period_id in cursor.fetchall():
                ids[(location_id, period_id)] = pk
    return ids


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
    new_rows: list[tuple[Any, ...]] = []
    new_diffs: list[tuple[Key, dict[str, list[Value]], int]] = []
    updated: list[Return] = []
    diffs: list[tuple[int, dict[str, list[Value]], int]] = []
    for sub in subs:
        key = (sub.location.pk, sub.period.pk)
        ret = existing.get(key)
        if ret is not None and ret.values == sub.values:
            summary.unchanged += 1
            summary.return_ids.append(ret.pk)
            continue
        measures = derive_measures(sub.template.fields, sub.values)
        diff = _diff(ret.values if ret else {}, sub.values)
        if ret is None:
            new_rows.append((*key, sub.template.pk, sub.values, now, actor_id, channel,
                             now <= sub.period.due_at, *(measures.get(m) for m in MEASURES)))
            new_diffs.append((key, diff, sub.template.version))
            continue
        updated.append(ret)
        ret.template = sub.template
        ret.values = sub.values
        ret.submitted_at = now
        ret.submitted_by = actor
        ret.channel = channel
        for name, value in measures.items():
            setattr(ret, name, value)
        diffs.append((ret.pk, diff, sub.template.version))
        summary.return_ids.append(ret.pk)
    ids = _insert_returns(new_rows)
    diffs += [(ids[key], diff, version) for key, diff, version in new_diffs]
    summary.return_ids += [ids[key] for key, _, _ in new_diffs]
    if updated:
        fields = ["template", "values", "submitted_at", "submitted_by", "channel", *MEASURES]
        Return.objects.bulk_update(updated, fields, batch_size=500)
    insert_rows(
        ReturnChange,
        ["return_obj", "changed_at", "changed_by", "channel", "template_version", "diff"],
        [(pk, now, actor_id, channel, version, diff) for pk, diff, version in diffs],
    )
    summary.created, summary.updated = len(new_rows), len(updated)
    if diffs:
        stored(Return, {key[0] for key, _, _ in new_diffs} | {ret.location_id for ret in updated}, channel, now)
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
