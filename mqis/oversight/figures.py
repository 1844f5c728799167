"""The dashboard measures, computed in SQL from the returns.

Every function takes a queryset of locations that came from `mqis.accounts.scope`, so
nothing here decides who may see what. There is no batch: the pages cache what these
compute under a data version (`mqis.oversight.cache`), so a return saved a moment ago
is in the next page view.
"""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from mqis.registry.models import Location
from mqis.returns.models import Period, Return, ReturnTemplate
from mqis.returns.periods import current_period
from mqis.returns.templates import applies_to

# A location's latest figures come from a return whose period started this recently:
# the current or the previous weekly period.
LATEST_WINDOW_DAYS = 14
SERIES_WEEKS = 26
PPE_SHORT_DAYS = 3
ABSENCE_ATTENTION_PCT = 20.0
NURSE_ABSENCE_ATTENTION_PCT = 25.0
# From this many locations, a time series reads each period's returns in turn and checks
# every one against the scope, rather than looking up every (period, location) pair:
# for a region that is half the work. SQLite, without table statistics, cannot tell.
WIDE_SCOPE = 500


def percent(part: float | None, whole: float | None) -> float | None:
    if not whole or part is None:
        return None
    return round(100.0 * part / whole, 1)


@dataclass
class Figures:
    """The headline measures for a set of locations."""

    locations: int = 0
    registered_beds: int = 0
    expected: int = 0
    reporting: int = 0
    received: int = 0
    beds_total: int = 0
    beds_occupied: int = 0
    beds_vacant: int = 0
    closed_to_admissions: int = 0
    staff_headcount: int = 0
    staff_absent: int = 0
    nurses_headcount: int = 0
    nurses_absent: int = 0
    care_workers_headcount: int = 0
    care_workers_absent: int = 0
    in_outbreak: int = 0
    short_of_ppe: int = 0

    @property
    def occupancy_pct(self) -> float | None:
        return percent(self.beds_occupied, self.beds_total)

    @property
    def absence_pct(self) -> float | None:
        return percent(self.staff_absent, self.staff_headcount)

    @property
    def nurse_absence_pct(self) -> float | None:
        return percent(self.nurses_absent, self.nurses_headcount)

    @property
    def care_worker_absence_pct(self) -> float | None:
        return percent(self.care_workers_absent, self.care_workers_headcount)

    @property
    def received_pct(self) -> float | None:
        return percent(self.received, self.expected)

    def __add__(self, other: "Figures") -> "Figures":
        names = [f.name for f in fields(self)]
        return Figures(**{name: getattr(self, name) + getattr(other, name) for name in names})


def total(figures: Iterable[Figures]) -> Figures:
    return sum(figures, Figures())


def _applies_q(template: ReturnTemplate) -> Q:
    """The template's `applies_to` rule as a filter on locations (mirrors templates.applies_to)."""
    rule = template.applies_to or {}
    q = Q()
    if "care_home" in rule:
        q &= Q(care_home=bool(rule["care_home"]))
    wanted = rule.get("service_types")
    if wanted:
        # JSON containment differs between SQLite and PostgreSQL; the JSON text does not.
        any_type = Q()
        for service_type in wanted:
            any_type |= Q(service_types_text__contains=json.dumps(service_type))
        q &= any_type
    return q


def current_templates() -> list[ReturnTemplate]:
    """The current templates, without their fields and rules, which dashboards never read."""
    return list(ReturnTemplate.objects.filter(is_current=True).defer("fields", "rules"))


def current_periods(templates: Iterable[ReturnTemplate]) -> list[Period]:
    return [current_period(t) for t in templates]


def _expected_q(templates: Iterable[ReturnTemplate]) -> Q:
    applies = Q(pk__in=[])
    for template in templates:
        applies |= _applies_q(template)
    return Q(dormant=False, deregistered=False) & applies


def active(locations: QuerySet[Location]) -> QuerySet[Location]:
    """The locations on a dashboard: every one not deregistered by CQC."""
    return locations.filter(deregistered=False)


def _window_periods(today: dt.date, days: int) -> QuerySet[Period]:
    cutoff = today - dt.timedelta(days=days - 1)
    return Period.objects.filter(start__gte=cutoff, start__lte=today)


def latest_returns(locations: QuerySet[Location], today: dt.date | None = None) -> QuerySet[Return]:
    """Each location's most recent return whose period started in the latest-figures window."""
    today = today or timezone.localdate()
    # Filtering on period ids (not on a join to the period's start) lets the database
    # look each location up in the (location, period) index instead of reading its history.
    window = _window_periods(today, LATEST_WINDOW_DAYS)
    newer = Return.objects.filter(
        location_id=OuterRef("location_id"),
        period_id__in=window,
        period__start__gt=OuterRef("period__start"),
    )
    return (
        Return.objects.filter(location__in=active(locations), period_id__in=window)
        .exclude(Exists(newer))
        .order_by()
    )


def _location_aggregates(templates: list[ReturnTemplate]) -> dict[str, Any]:
    return {
        "f_locations": Count("id"),
        "f_registered_beds": Sum("beds"),
        "f_expected": Count("id", filter=_expected_q(templates)),
    }


def _series_aggregates() -> dict[str, Any]:
    # Aggregates are named f_<measure>: an alias may not shadow a column it sums.
    # A template asks for total and occupied beds together, and for each role's headcount
    # with its absences, so plain sums give occupancy and absence over the same returns.
    return {
        "f_reporting": Count("id"),
        "f_beds_total": Sum("beds_total"),
        "f_beds_occupied": Sum("beds_occupied"),
        "f_beds_vacant": Sum("beds_vacant"),
        "f_staff_headcount": Sum("staff_headcount"),
        "f_staff_absent": Sum("staff_absent"),
        "f_nurses_headcount": Sum("nurses_headcount"),
        "f_nurses_absent": Sum("nurses_absent"),
        "f_care_workers_headcount": Sum("care_workers_headcount"),
        "f_care_workers_absent": Sum("care_workers_absent"),
    }


def _count_aggregates() -> dict[str, Any]:
    return {
        "f_closed_to_admissions": Count("id", filter=Q(admissions_closed=True)),
        "f_in_outbreak": Count("id", filter=Q(in_outbreak=True)),
        "f_short_of_ppe": Count("id", filter=Q(ppe_min_days__lt=PPE_SHORT_DAYS)),
    }


def _return_aggregates(current_ids: list[int]) -> dict[str, Any]:
    return {
        **_series_aggregates(),
        **_count_aggregates(),
        "f_received": Count("id", filter=Q(period_id__in=current_ids)),
    }


def _figures(row: dict[str, Any]) -> dict[str, int]:
    names = {f.name for f in fields(Figures)}
    found = {k.removeprefix("f_"): v for k, v in row.items() if k.startswith("f_")}
    return {k: int(v or 0) for k, v in found.items() if k in names}


def figures_by(
    locations: QuerySet[Location],
    group: str,
    *,
    templates: list[ReturnTemplate] | None = None,
    periods: list[Period] | None = None,
) -> dict[Any, Figures]:
    """Figures per value of a location field (e.g. "council_id"): two grouped queries in all."""
    templates = templates if templates is not None else current_templates()
    periods = periods if periods is not None else current_periods(templates)
    found: dict[Any, dict[str, int]] = {}
    location_rows = (
        active(locations)
        .alias(service_types_text=Cast("service_types", TextField()))
        .values(group)
        .annotate(**_location_aggregates(templates))
        .order_by()
    )
    for row in location_rows:
        found.setdefault(row[group], {}).update(_figures(row))
    return_rows = (
        latest_returns(locations)
        .values(f"location__{group}")
        .annotate(**_return_aggregates([p.pk for p in periods]))
        .order_by()
    )
    for row in return_rows:
        found.setdefault(row[f"location__{group}"], {}).update(_figures(row))
    return {key: Figures(**values) for key, values in found.items()}


def figures_for(
    locations: QuerySet[Location],
    *,
    templates: list[ReturnTemplate] | None = None,
    periods: list[Period] | None = None,
) -> Figures:
    """The figures for all these locations together."""
    templates = templates if templates is not None else current_templates()
    periods = periods if periods is not None else current_periods(templates)
    values = _figures(
        active(locations)
        .alias(service_types_text=Cast("service_types", TextField()))
        .aggregate(**_location_aggregates(templates))
    )
    sums = latest_returns(locations).aggregate(**_return_aggregates([p.pk for p in periods]))
    values.update(_figures(sums))
    return Figures(**values)


def time_series(
    locations: QuerySet[Location], weeks: int = SERIES_WEEKS, *, wide: bool = False
) -> list[dict[str, Any]]:
    """Sums of the measures per period start over recent weeks, oldest first.

    `wide` says the scope has WIDE_SCOPE locations or more (a region).
    """
    today = timezone.localdate()
    starts = dict(
        Period.objects.filter(
            start__gt=today - dt.timedelta(weeks=weeks), start__lte=today
        ).values_list("id", "start")
    )
    scoped = Return.objects.filter(period_id__in=list(starts))
    if wide:
        # `+ 0` keeps the database off the location index, so it walks the period index.
        scoped = scoped.alias(scope_location=F("location_id") + 0).filter(
            scope_location__in=active(locations).values("id")
        )
    else:
        scoped = scoped.filter(location__in=active(locations))
    rows = (
        scoped.values("period_id")
        .annotate(**_series_aggregates(), **_count_aggregates())
        .order_by()
    )
    # Templates with the same frequency share period starts; add them together.
    by_start: dict[dt.date, Figures] = {}
    for row in rows:
        start = starts[row["period_id"]]
        by_start[start] = by_start.get(start, Figures()) + Figures(**_figures(row))
    return [_point(start, point) for start, point in sorted(by_start.items())]


def _point(start: dt.date, week: Figures) -> dict[str, Any]:
    return {
        "start": start,
        "returns": week.reporting,
        "beds_total": week.beds_total,
        "beds_occupied": week.beds_occupied,
        "beds_vacant": week.beds_vacant,
        "staff_headcount": week.staff_headcount,
        "staff_absent": week.staff_absent,
        "closed_to_admissions": week.closed_to_admissions,
        "in_outbreak": week.in_outbreak,
        "short_of_ppe": week.short_of_ppe,
        "occupancy_pct": week.occupancy_pct,
        "absence_pct": week.absence_pct,
        "nurse_absence_pct": week.nurse_absence_pct,
        "care_worker_absence_pct": week.care_worker_absence_pct,
    }


@dataclass
class LocationRow:
    """One location on a council's table, with its latest figures and what needs attention."""

    location: Location
    expected: bool
    latest: dict[str, Any] | None
    reasons: list[str] = field(default_factory=list)
    late: bool = False

    @property
    def absence_pct(self) -> float | None:
        if not self.latest:
            return None
        return percent(self.latest["staff_absent"], self.latest["staff_headcount"])

    @property
    def nurse_absence_pct(self) -> float | None:
        if not self.latest:
            return None
        return percent(self.latest["nurses_absent"], self.latest["nurses_headcount"])

    @property
    def occupancy_pct(self) -> float | None:
        if not self.latest:
            return None
        return percent(self.latest["beds_occupied"], self.latest["beds_total"])


def _reasons(row: LocationRow) -> list[str]:
    latest = row.latest
    if latest is None:
        return ["No recent return"] if row.expected else []
    reasons = ["Return late"] if row.late else []
    if latest["in_outbreak"]:
        reasons.append("Outbreak")
    if latest["ppe_min_days"] is not None and latest["ppe_min_days"] < PPE_SHORT_DAYS:
        reasons.append("PPE under 3 days")
    if latest["admissions_closed"]:
        reasons.append("Closed to admissions")
    absence = row.absence_pct
    if absence is not None and absence >= ABSENCE_ATTENTION_PCT:
        reasons.append(f"Staff absence {absence:g}%")
    nurses = row.nurse_absence_pct
    if nurses is not None and nurses >= NURSE_ABSENCE_ATTENTION_PCT:
        reasons.append(f"Nurse absence {nurses:g}%")
    return reasons


def _overdue(location: Location, latest: dict[str, Any] | None, due: list[tuple[ReturnTemplate, Period]],
             now: dt.datetime) -> bool:
    """Whether the location owes a return for a current period whose deadline has passed."""
    if latest is None:
        return False  # "No recent return" says more
    return any(
        applies_to(template, location) and period.due_at <= now and latest["period_id"] != period.pk
        for template, period in due
    )


def location_rows(
    locations: QuerySet[Location],
    *,
    templates: list[ReturnTemplate] | None = None,
    periods: list[Period] | None = None,
    now: dt.datetime | None = None,
) -> list[LocationRow]:
    """Each active location with its latest figures, attention-worthy first."""
    templates = templates if templates is not None else current_templates()
    periods = periods if periods is not None else current_periods(templates)
    now = now or timezone.now()
    due = list(zip(templates, periods, strict=True))
    latest: dict[int, dict[str, Any]] = {
        row["location_id"]: dict(row)
        for row in latest_returns(locations).values(
            "location_id", "period_id", "period__start", "submitted_at", "channel",
            "beds_total", "beds_occupied", "beds_vacant", "admissions_closed",
            "staff_headcount", "staff_absent", "nurses_headcount", "nurses_absent",
            "in_outbreak", "ppe_min_days", "unmet_hours",
        )
    }
    rows = []
    # Only what the rows and `applies_to` read: a council has hundreds of locations.
    fetched = active(locations).select_related("provider").only(
        "cqc_location_id", "name", "dormant", "care_home", "service_types", "provider__name"
    )
    for location in fetched:
        expected = not location.dormant and any(applies_to(t, location) for t in templates)
        found = latest.get(location.pk)
        row = LocationRow(location, expected, found, late=expected and _overdue(location, found, due, now))
        row.reasons = _reasons(row)
        rows.append(row)
    rows.sort(key=lambda r: (-len(r.reasons), r.location.name.lower()))
    return rows
