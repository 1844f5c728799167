"""Each council's figures for one week, in SQL: the true counts, before disclosure control.

Open data is public: it covers every council with an active location, whoever asks.
That is the only place MQIS shows figures without a sign-in, and only after
`mqis.opendata.tables` has hidden what could identify a provider.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from mqis.oversight.figures import (
    Figures,
    _count_aggregates,
    _figures,
    _location_aggregates,
    _series_aggregates,
    active,
    current_templates,
)
from mqis.registry.models import Location
from mqis.returns.models import Frequency, Period, Return
from mqis.returns.periods import period_bounds, period_for

WEEK = dt.timedelta(days=7)
# How far back to look for a week whose deadline has passed (deadlines are days after a week starts).
LOOK_BACK_WEEKS = 4


@dataclass(frozen=True)
class Week:
    """The latest week whose returns were due for every weekly template."""

    start: dt.date
    end: dt.date
    due_at: dt.datetime
    closes_at: dt.datetime
    period_ids: tuple[int, ...]


@dataclass
class CouncilWeek:
    """One council's care home figures (as on the dashboards) and its home care agencies reporting."""

    care_homes: Figures
    agencies_reporting: int = 0


def latest_due_week(now: dt.datetime | None = None) -> Week | None:
    """The newest weekly period whose deadline has passed, for every weekly template at once.

    Two queries when the periods exist (they are created on first use, as everywhere).
    """
    now = now or timezone.now()
    templates = [t for t in current_templates() if t.frequency == Frequency.WEEKLY]
    if not templates:
        return None
    this_week, _ = period_bounds(Frequency.WEEKLY, timezone.localdate(now))
    starts = [this_week - n * WEEK for n in range(LOOK_BACK_WEEKS)]
    known = {
        (p.template_slug, p.start): p
        for p in Period.objects.filter(template_slug__in=[t.slug for t in templates], start__in=starts)
    }
    for start in starts:
        periods = [known.get((t.slug, start)) or period_for(t, start) for t in templates]
        if all(p.due_at <= now for p in periods):
            return Week(
                start=start,
                end=periods[0].end,
                due_at=max(p.due_at for p in periods),
                closes_at=max(p.closes_at for p in periods),
                period_ids=tuple(p.pk for p in periods),
            )
    return None


def public_locations() -> QuerySet[Location]:
    """The locations open data counts: every active one with a council."""
    return active(Location.objects.filter(council__isnull=False))


def _week_returns(week: Week) -> QuerySet[Return]:
    return Return.objects.filter(location__in=public_locations(), period_id__in=week.period_ids).order_by()


def by_council(week: Week) -> dict[int, CouncilWeek]:
    """Each council with an active location and its figures for the week: three grouped queries."""
    found: dict[int, CouncilWeek] = {}
    registered = (
        public_locations()
        .alias(service_types_text=Cast("service_types", TextField()))
        .values("council_id")
        .annotate(**_location_aggregates(current_templates()))
        .order_by()
    )
    for row in registered:
        found[row["council_id"]] = CouncilWeek(Figures(**_figures(row)))
    homes = (
        _week_returns(week)
        .filter(location__care_home=True)
        .values("location__council_id")
        .annotate(**_series_aggregates(), **_count_aggregates())
    )
    for row in homes:
        # The location figures and the return figures fill different fields: add them.
        found[row["location__council_id"]].care_homes += Figures(**_figures(row))
    agencies = (
        _week_returns(week)
        .filter(location__care_home=False)
        .values("location__council_id")
        .annotate(n=Count("id"))
    )
    for row in agencies:
        found[row["location__council_id"]].agencies_reporting = row["n"]
    return found

