"""The one write path for returns, shared by the web form, the API and bulk uploads."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from mqis.accounts import scope
from mqis.registry.models import Location
from mqis.returns.measures import MEASURES, derive_measures
from mqis.returns.models import Period, Return, ReturnChange, ReturnTemplate
from mqis.returns.periods import describe, refusal_reason
from mqis.returns.templates import applies_to
from mqis.returns.validation import FieldError, Value, validate_values


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
) -> tuple[Submission | None, list[FieldError]]:
    """Check scope, template, period and values; return a Submission or every error."""
    if not scope.can_submit_for(user, location):
        return None, [FieldError("cqc_location_id", "forbidden",
                                 f"You cannot submit returns for {location.cqc_location_id}", row)]
    if not applies_to(template, location):
        message = f"The {template.name.lower()} does not apply to {location.name}"
        return None, [FieldError("template", "wrong_template", message, row)]
    reason = refusal_reason(period, now)
    if reason:
        return None, [FieldError("period", "period_closed", reason, row)]
    cleaned, errors = validate_values(template.fields, template.rules, raw)
    if errors:
        return None, [FieldError(e.field, e.code, e.message, row, e.value) for e in errors]
    return Submission(location, period, template, cleaned, row), []


def _existing(submissions: list[Submission]) -> dict[tuple[int, int], Return]:
    found: dict[tuple[int, int], Return] = {}
    period_ids = {s.period.pk for s in submissions}
    location_ids = sorted({s.location.pk for s in submissions})
    for i in range(0, len(location_ids), 2000):
        chunk = location_ids[i : i + 2000]
        for ret in Return.objects.filter(location_id__in=chunk, period_id__in=period_ids):
            found[(ret.location_id, ret.period_id)] = ret
    return found


def _diff(old: Mapping[str, Value], new: Mapping[str, Value]) -> dict[str, list[Value]]:
    return {k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


def store(
    submissions: Iterable[Submission], *, user: Any, channel: str, now: dt.datetime | None = None
) -> SaveSummary:
    """Save validated submissions with their audit rows. Call inside a transaction."""
    now = now or timezone.now()
    subs = list(submissions)
    existing = _existing(subs)
    actor = user if getattr(user, "is_authenticated", False) else None
    summary = SaveSummary()
    new_returns: list[Return] = []
    updated: list[Return] = []
    diffs: list[tuple[Return, dict[str, list[Value]], int]] = []
    for sub in subs:
        measures = derive_measures(sub.template.fields, sub.values)
        ret = existing.get((sub.location.pk, sub.period.pk))
        if ret is not None and ret.values == sub.values:
            summary.unchanged += 1
            summary.returns.append(ret)
            continue
        diff = _diff(ret.values if ret else {}, sub.values)
        if ret is None:
            ret = Return(location=sub.location, period=sub.period, on_time=now <= sub.period.due_at)
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
    Return.objects.bulk_create(new_returns, batch_size=1000)
    if updated:
        fields = ["template", "values", "submitted_at", "submitted_by", "channel", *MEASURES]
        Return.objects.bulk_update(updated, fields, batch_size=500)
    ReturnChange.objects.bulk_create(
        [
            ReturnChange(return_obj=ret, changed_at=now, changed_by=actor, channel=channel,
                         template_version=version, diff=diff)
            for ret, diff, version in diffs
        ],
        batch_size=1000,
    )
    summary.created, summary.updated = len(new_returns), len(updated)
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
