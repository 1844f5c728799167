"""Reporting periods: when each opens, is due and closes, from the template's schedule."""

import datetime as dt

from django.utils import timezone

from mqis.returns.models import Frequency, Period, ReturnTemplate


def period_bounds(frequency: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if frequency == Frequency.DAILY:
        return day, day
    if frequency == Frequency.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if frequency == Frequency.TWICE_WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        if day.weekday() < 3:
            return monday, monday + dt.timedelta(days=2)
        return monday + dt.timedelta(days=3), monday + dt.timedelta(days=6)
    if frequency == Frequency.MONTHLY:
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    raise ValueError(f"Unknown frequency {frequency!r}")


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    naive = dt.datetime.combine(day, dt.time(hour, minute))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def schedule_times(template: ReturnTemplate, start: dt.date, end: dt.date) -> dict[str, dt.datetime]:
    schedule = template.schedule or {}
    due_time = schedule.get("due_time", "17:00")
    if template.frequency == Frequency.MONTHLY and "window_start_day" in schedule:
        opens = _at(start.replace(day=int(schedule["window_start_day"])), "00:00")
        due = _at(start.replace(day=int(schedule["window_end_day"])), due_time)
    else:
        opens = _at(start, "00:00")
        due = _at(start + dt.timedelta(days=int(schedule.get("due_days_after_start", 0))), due_time)
    closes = _at(end + dt.timedelta(days=int(schedule.get("closes_days_after_end", 14)) + 1), "00:00")
    return {"opens_at": opens, "due_at": due, "closes_at": closes}


def period_for(template: ReturnTemplate, day: dt.date) -> Period:
    """The period of this template's family that contains `day`, created on first use."""
    start, end = period_bounds(template.frequency, day)
    period, _ = Period.objects.get_or_create(
        template_slug=template.slug,
        start=start,
        defaults={"end": end, **schedule_times(template, start, end)},
    )
    return period


def current_period(template: ReturnTemplate, now: dt.datetime | None = None) -> Period:
    now = now or timezone.now()
    return period_for(template, timezone.localdate(now))


def refusal_reason(period: Period, now: dt.datetime | None = None) -> str | None:
    """Why a return for this period cannot be accepted now, or None if it can."""
    now = now or timezone.now()
    label = describe(period)
    if period.closed_reason:
        return f"The period {label} is closed: {period.closed_reason}"
    if now < period.opens_at:
        return f"The period {label} does not open until {period.opens_at:%-d %B %Y}."
    if now >= period.closes_at:
        return (
            f"The period {label} closed on {timezone.localtime(period.closes_at):%-d %B %Y}. "
            "Ask your council to reopen it if a figure must be corrected."
        )
    return None


def describe(period: Period) -> str:
    if period.start == period.end:
        return f"{period.start:%-d %B %Y}"
    if period.start.year != period.end.year:
        return f"{period.start:%-d %B %Y} to {period.end:%-d %B %Y}"
    if period.start.month != period.end.month:
        return f"{period.start:%-d %B} to {period.end:%-d %B %Y}"
    return f"{period.start:%-d} to {period.end:%-d %B %Y}"
