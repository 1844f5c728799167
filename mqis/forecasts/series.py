"""A council's weekly totals of one measure, from its locations' returns, ready to forecast.

Weeks in which only some locations reported would make the total dip. Each week's total
is therefore the mean per reporting location times the number of locations expected to
report now (active ones the template applies to): if 40 of 50 homes reported 1,000
occupied beds, the week counts as 1,250. Only the returns of the locations expected now
are used, so the history describes today's market. A week in which fewer than half of
them reported is too thin to scale: it is left out, and a gap between usable weeks is
filled by a straight line (marked as estimated). The running week counts only once its
deadline has passed.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils import timezone

from mqis.oversight.completeness import expected_locations
from mqis.registry.models import Council, Location
from mqis.returns.models import Return
from mqis.returns.templates import current_template

MIN_REPORTING_SHARE = 0.5
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Measure:
    key: str
    field: str
    template_slug: str
    label: str  # "occupied beds"
    unit: str  # "beds"
    locations: str  # "care homes"


MEASURES = {
    "occupied": Measure("occupied", "beds_occupied", "care-home", "occupied beds", "beds", "care homes"),
    "vacant": Measure("vacant", "beds_vacant", "care-home", "vacant beds", "beds", "care homes"),
    "unmet": Measure("unmet", "unmet_hours", "home-care", "unmet home care hours", "hours",
                     "home care agencies"),
}


@dataclass(frozen=True)
class Week:
    start: dt.date
    value: float | None  # scaled total; None where too few reported
    reported: int
    estimated: bool = False


@dataclass(frozen=True)
class WeeklySeries:
    measure: Measure
    expected: int
    weeks: list[Week]

    @property
    def usable_weeks(self) -> int:
        return sum(1 for w in self.weeks if w.value is not None and not w.estimated)

    @property
    def values(self) -> list[float]:
        return [w.value for w in self.weeks if w.value is not None]


def weekly_series(council: Council, measure: Measure, now: dt.datetime | None = None) -> WeeklySeries:
    """The council's usable weekly history of the measure, oldest first."""
    now = now or timezone.now()
    expected = expected_locations(Location.objects.filter(council=council), current_template(measure.template_slug))
    count = expected.count()
    rows = (
        Return.objects.filter(period__template_slug=measure.template_slug, period__due_at__lte=now,
                              location__in=expected, **{f"{measure.field}__isnull": False})
        .values("period__start").annotate(total=Sum(measure.field), n=Count("id"))
        .order_by("period__start")
    )
    found = {row["period__start"]: (float(row["total"]), row["n"]) for row in rows}
    return WeeklySeries(measure, count, _fill_gaps(_trim(_weeks(found, count))))


def _weeks(found: dict[dt.date, tuple[float, int]], expected: int) -> list[Week]:
    if not found:
        return []
    start, last = min(found), max(found)
    weeks = []
    while start <= last:
        total, n = found.get(start, (0.0, 0))
        usable = expected > 0 and n >= MIN_REPORTING_SHARE * expected
        weeks.append(Week(start, round(total * expected / n, 1) if usable else None, n))
        start += WEEK
    return weeks


def _trim(weeks: list[Week]) -> list[Week]:
    """Drop unusable weeks at either end: nothing to draw a line from."""
    usable = [i for i, w in enumerate(weeks) if w.value is not None]
    return weeks[usable[0]: usable[-1] + 1] if usable else []


def _fill_gaps(weeks: list[Week]) -> list[Week]:
    """Fill unusable weeks between usable ones by a straight line, marked as estimated."""
    filled = list(weeks)
    known = [i for i, w in enumerate(weeks) if w.value is not None]
    for left, right in zip(known, known[1:], strict=False):
        a, b = weeks[left].value, weeks[right].value
        assert a is not None and b is not None
        for i in range(left + 1, right):
            share = (i - left) / (right - left)
            filled[i] = Week(weeks[i].start, round(a + (b - a) * share, 1), weeks[i].reported, estimated=True)
    return filled
