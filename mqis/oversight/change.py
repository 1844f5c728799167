"""This week's latest figures beside last week's, from one grouped query over the returns.

"Last week" is the dashboard as it stood 7 days ago: each location's newest return among
the periods that started in the 14 days up to then, and the returns received for the
period running then. A location's returns for the last three weeks are read once and
each is marked as latest now (1), latest a week ago (2), both (3) or neither (0).
"""

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Cast
from django.utils import timezone

from mqis.oversight.figures import (
    LATEST_WINDOW_DAYS,
    Figures,
    _count_aggregates,
    _figures,
    _location_aggregates,
    _series_aggregates,
    active,
    current_templates,
)
from mqis.registry.models import Location
from mqis.returns.models import Period, Return, ReturnTemplate

WEEK = dt.timedelta(days=7)
NOW, BEFORE = 1, 2


@dataclass
class Comparison:
    """The same measures now and a week ago."""

    now: Figures
    before: Figures


@dataclass
class Weeks:
    """The periods the comparison reads: both windows, and the period running at each date."""

    periods: list[Period]
    now_window: list[Period]
    before_window: list[Period]
    current_ids: list[int]
    previous_ids: list[int]

    @classmethod
    def around(cls, today: dt.date, templates: list[ReturnTemplate]) -> "Weeks":
        window = dt.timedelta(days=LATEST_WINDOW_DAYS - 1)
        slugs = {t.slug for t in templates}
        periods = list(Period.objects.filter(start__gte=today - WEEK - window, start__lte=today))
        week_ago = today - WEEK

        def running(day: dt.date) -> list[int]:
            return [p.pk for p in periods if p.template_slug in slugs and p.start <= day <= p.end]

        return cls(
            periods=periods,
            now_window=[p for p in periods if p.start >= today - window],
            before_window=[p for p in periods if p.start <= week_ago],
            current_ids=running(today),
            previous_ids=running(week_ago),
        )


def _newest_in(window: list[Period]) -> Q | None:
    """Returns that are their location's newest among these periods (None: no periods)."""
    conditions = []
    for period in window:
        newer = [p.pk for p in window if p.start > period.start]
        condition = Q(period_id=period.pk)
        if newer:
            others = Return.objects.filter(location_id=OuterRef("location_id"), period_id__in=newer)
            condition = Q(condition, ~Exists(others))
        conditions.append(condition)
    return reduce(or_, conditions) if conditions else None


def _flag(window: list[Period], bit: int) -> Expression:
    condition = _newest_in(window)
    if condition is None:
        return Value(0)
    return Case(When(condition, then=Value(bit)), default=Value(0))


def _return_rows(locations: QuerySet[Location], group: str | None, weeks: Weeks) -> list[dict[str, Any]]:
    keys = ([f"location__{group}"] if group else []) + ["which"]
    return list(
        Return.objects.filter(location__in=active(locations), period_id__in=[p.pk for p in weeks.periods])
        .annotate(which=_flag(weeks.now_window, NOW) + _flag(weeks.before_window, BEFORE))
        .values(*keys)
        .annotate(
            **_series_aggregates(),
            **_count_aggregates(),
            f_received=Count("id", filter=Q(period_id__in=weeks.current_ids)),
            f_received_before=Count("id", filter=Q(period_id__in=weeks.previous_ids)),
        )
        .order_by()
    )


def _location_totals(
    locations: QuerySet[Location], group: str | None, templates: list[ReturnTemplate]
) -> list[dict[str, Any]]:
    annotated = active(locations).alias(service_types_text=Cast("service_types", TextField()))
    if group is None:
        return [annotated.aggregate(**_location_aggregates(templates))]
    return list(annotated.values(group).annotate(**_location_aggregates(templates)).order_by())


def compare_by(
    locations: QuerySet[Location],
    group: str | None,
    *,
    templates: list[ReturnTemplate] | None = None,
    today: dt.date | None = None,
) -> dict[Any, Comparison]:
    """Now and a week ago per value of a location field (None: all together): three queries."""
    templates = templates if templates is not None else current_templates()
    weeks = Weeks.around(today or timezone.localdate(), templates)
    now: dict[Any, Figures] = {}
    before: dict[Any, Figures] = {}
    for row in _location_totals(locations, group, templates):
        key = row[group] if group else None
        shared = Figures(**_figures(row))
        now[key], before[key] = shared, shared
    for row in _return_rows(locations, group, weeks):
        key = row[f"location__{group}"] if group else None
        counts = _figures(row)
        if row["which"] & NOW:
            now[key] = now.get(key, Figures()) + Figures(**counts)
        if row["which"] & BEFORE:
            counts["received"] = int(row["f_received_before"] or 0)
            before[key] = before.get(key, Figures()) + Figures(**counts)
    return {key: Comparison(now.get(key, Figures()), before.get(key, Figures())) for key in now | before}
