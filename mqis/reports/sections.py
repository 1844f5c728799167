"""The report's sections drawn from the returns: capacity, workforce, outbreaks and PPE, and
the councils compared. Completeness is in `sections_completeness`; risk and forecasts,
which come from other apps, in `extras`."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from mqis.oversight import figures
from mqis.oversight.change import Comparison, compare_by
from mqis.oversight.measures import BY_KEY, Measure, difference
from mqis.registry.models import Council
from mqis.reports import svgcharts
from mqis.reports.area import Area
from mqis.reports.content import (
    Raw,
    Section,
    Table,
    change_words,
    count,
    line_chart,
    measure_figures,
    measure_row,
    pct,
    plural,
)
from mqis.reports.sections_completeness import completeness
from mqis.returns.models import Return

__all__ = ["capacity", "completeness", "council_rows", "councils_table", "outbreaks", "weekly_series", "workforce"]

REPORT_WEEKS = 12
LIST_LIMIT = 20
OCCUPIED = Measure("occupied", "Occupied beds", "occupied beds", "", False, lambda f: f.beds_occupied)


def weekly_series(area: Area) -> list[dict[str, Any]]:
    """The area's weekly sums from its first week with returns among the REPORT_WEEKS up to the
    week covered, oldest first; a week without returns is there with empty figures."""
    weeks_since = (timezone.localdate() - area.week.start).days // 7
    series = figures.time_series(area.locations, REPORT_WEEKS + max(weeks_since, 0) + 1, wide=area.wide)
    first = area.week.start - dt.timedelta(weeks=REPORT_WEEKS - 1)
    found = {point["start"]: point for point in series if first <= point["start"] <= area.week.start}
    if not found:
        return []
    weeks = (area.week.start - min(found)).days // 7 + 1
    starts = [min(found) + dt.timedelta(weeks=k) for k in range(weeks)]
    empty = dict.fromkeys(series[0], None)
    return [found.get(start, {**empty, "start": start}) for start in starts]


def _column(series: list[dict[str, Any]], key: str) -> list[float | None]:
    return [point[key] for point in series]


def _caption(what: str, series: list[dict[str, Any]]) -> str:
    return f"{what}, week by week over the last {plural(len(series), 'week')}."


def _chart(section: Section, title: str, what: str, series: list[dict[str, Any]], lines: list[svgcharts.Series],
           **options: Any) -> Section:
    """Give the section its chart over the weekly series, the chart's table and caption."""
    dates = [point["start"] for point in series]
    section.chart, section.chart_table = line_chart(section.key, title, dates, lines, **options)
    section.chart_caption = _caption(what, series)
    return section


MeasureRow = tuple[str, Measure]


def _comparison_table(key: str, caption: str, comparison: Comparison, measures: list[MeasureRow]) -> Table:
    """A measure a row: the week covered, the week before and the change (as figures when downloaded)."""
    return Table(caption, ["Measure", "Week covered", "Week before", "Change"],
                 [measure_row(label, measure, comparison) for label, measure in measures], text_columns=(3,),
                 key=key, raw_rows=lambda: [measure_figures(label, measure, comparison) for label, measure in measures])


def capacity(comparison: Comparison, series: list[dict[str, Any]]) -> Section:
    now = comparison.now
    occupancy = BY_KEY["occupancy"]
    if now.beds_total:
        lead = (f"Occupancy was {pct(now.occupancy_pct)}: {count(now.beds_occupied)} of {count(now.beds_total)} "
                f"beds in the care homes reporting were occupied ({change_words(occupancy, comparison)} on the "
                "week before).")
    else:
        lead = "No care home reported its beds for this week."
    closed = plural(now.closed_to_admissions, "care home was", "care homes were")
    section = Section(
        "capacity", "Capacity and occupancy",
        summary=[lead, f"{plural(now.beds_vacant, 'bed was', 'beds were')} vacant, and {closed} closed to "
                       "admissions."],
        tables=[_comparison_table("capacity-beds", "Beds and admissions", comparison, [
            ("Beds in homes reporting", BY_KEY["beds"]),
            ("Occupied beds", OCCUPIED),
            ("Vacant beds", BY_KEY["vacant"]),
            ("Occupancy", occupancy),
            ("Closed to admissions", BY_KEY["closed"]),
        ])],
    )
    return _chart(section, "Bed occupancy", "Occupied beds as a percentage of beds in the care homes reporting",
                  series, [svgcharts.Series("Occupancy", _column(series, "occupancy_pct"))], unit="%",
                  from_zero=False)


def _staff_rows(comparison: Comparison) -> list[tuple[str, int, int, Measure]]:
    """(staff, absent, headcount, absence measure) for all staff, nurses and care workers."""
    now = comparison.now
    return [
        ("All staff", now.staff_absent, now.staff_headcount, BY_KEY["absence"]),
        ("Nurses", now.nurses_absent, now.nurses_headcount, BY_KEY["nurse_absence"]),
        ("Care workers", now.care_workers_absent, now.care_workers_headcount, BY_KEY["care_worker_absence"]),
    ]


def _staff_table(comparison: Comparison) -> Table:
    staff = _staff_rows(comparison)
    shown = [[label, count(absent), count(headcount), m.shown(comparison.now), m.shown(comparison.before),
              change_words(m, comparison)] for label, absent, headcount, m in staff]
    return Table(
        "Staff absence by role", ["Staff", "Absent", "Headcount", "Absence", "Week before", "Change"], shown,
        text_columns=(5,), key="workforce-absence",
        raw_columns=["Staff", "Absent", "Headcount", "Absence (%)", "Week before (%)", "Change (points)"],
        raw_rows=lambda: [[label, absent, headcount, m.value(comparison.now), m.value(comparison.before),
                           difference(m, comparison)] for label, absent, headcount, m in staff],
    )


def workforce(comparison: Comparison, series: list[dict[str, Any]]) -> Section:
    now = comparison.now
    if now.staff_headcount:
        lead = (f"Staff absence was {pct(now.absence_pct)}: {count(now.staff_absent)} of "
                f"{count(now.staff_headcount)} staff ({change_words(BY_KEY['absence'], comparison)} on the week "
                f"before). Nurses {pct(now.nurse_absence_pct)}, care workers {pct(now.care_worker_absence_pct)}.")
    else:
        lead = "No location reported its staffing for this week."
    section = Section(
        "workforce", "Workforce",
        summary=[lead],
        tables=[_staff_table(comparison)],
    )
    return _chart(section, "Staff absence by role", "Staff absent as a percentage of headcount", series, [
        svgcharts.Series("All staff", _column(series, "absence_pct")),
        svgcharts.Series("Nurses", _column(series, "nurse_absence_pct")),
        svgcharts.Series("Care workers", _column(series, "care_worker_absence_pct")),
    ], unit="%")


def _pressure_returns(area: Area) -> QuerySet[Return]:
    """The latest returns of the week that reported an outbreak or under 3 days of PPE, fewest days first."""
    return (
        figures.latest_returns(area.locations, today=area.week.end)
        .filter(Q(in_outbreak=True) | Q(ppe_min_days__lt=figures.PPE_SHORT_DAYS))
        .select_related("location__provider", "location__council")
        .order_by(F("ppe_min_days").asc(nulls_last=True), "location__name", "location__cqc_location_id")
    )


def _pressure_figures(area: Area, found: Iterable[Return]) -> Iterator[Raw]:
    """[location, council (in a region) or provider, outbreak, fewest days of PPE] for each return."""
    for row in found:
        location = row.location
        where = location.council.name if area.is_region and location.council else location.provider.name
        yield [location.name, where, "Yes" if row.in_outbreak else "No", row.ppe_min_days]


def _pressures(area: Area) -> Table:
    """The first LIST_LIMIT on the page; all of them in its download."""
    found = _pressure_returns(area)
    total = found.count()
    rows = [[*row[:3], count(row[3])] for row in _pressure_figures(area, found[:LIST_LIMIT])]
    columns = ["Location", "Council" if area.is_region else "Provider", "Outbreak", "Fewest days of PPE"]
    note = ""
    if total > LIST_LIMIT:
        note = f"{LIST_LIMIT} of {total:,}: those with the fewest days of PPE first."
    caption = "Locations in outbreak or with under 3 days of an item of PPE"
    return Table(caption, columns, rows, text_columns=(1, 2), note=note or ("None." if not rows else ""),
                 key="outbreaks-locations", raw_rows=lambda: _pressure_figures(area, found.iterator()))


def outbreaks(area: Area, comparison: Comparison, series: list[dict[str, Any]]) -> Section:
    now = comparison.now
    section = Section(
        "outbreaks", "Outbreaks and PPE",
        summary=[f"{plural(now.in_outbreak, 'location')} reported an outbreak and "
                 f"{plural(now.short_of_ppe, 'location')} had under 3 days of at least one item of PPE."],
        tables=[
            _comparison_table("outbreaks-ppe", "Outbreaks and PPE", comparison, [
                ("In outbreak", BY_KEY["outbreaks"]),
                ("PPE under 3 days", BY_KEY["ppe"]),
            ]),
            _pressures(area),
        ],
    )
    return _chart(section, "Outbreaks and PPE shortages",
                  "Locations reporting an outbreak or under 3 days of an item of PPE", series, [
                      svgcharts.Series("In outbreak", _column(series, "in_outbreak")),
                      svgcharts.Series("PPE under 3 days", _column(series, "short_of_ppe")),
                  ])


@dataclass
class CouncilRow:
    council: Council
    figures: figures.Figures  # the week covered
    high_risk: int | None  # locations at high or critical risk; None without risk scores


def council_rows(area: Area, high_risk: dict[int, int] | None) -> list[CouncilRow]:
    """Each of the reader's councils in the region with its figures for the week, by name."""
    by_council = compare_by(area.locations, "council_id", templates=area.templates, today=area.week.end)
    empty = figures.Figures()
    return [
        CouncilRow(council, by_council[council.pk].now if council.pk in by_council else empty,
                   None if high_risk is None else high_risk.get(council.pk, 0))
        for council in area.councils.order_by("name")
    ]


def councils_table(rows: list[CouncilRow], total: figures.Figures, region_name: str) -> Table:
    columns = ["Council", "Beds", "Occupancy", "Vacant beds", "Staff absence", "In outbreak", "PPE under 3 days",
               "Returns received"]
    with_risk = any(row.high_risk is not None for row in rows)
    if with_risk:
        columns.append("High or critical risk")

    def cells(name: str, f: figures.Figures, high: int | None) -> list[str]:
        shown = [name, count(f.beds_total), pct(f.occupancy_pct), count(f.beds_vacant), pct(f.absence_pct),
                 count(f.in_outbreak), count(f.short_of_ppe), pct(f.received_pct)]
        return shown + ([count(high)] if with_risk else [])

    body = [cells(row.council.name, row.figures, row.high_risk) for row in rows]
    all_high = sum(row.high_risk or 0 for row in rows) if with_risk else None
    body.append(cells(f"{region_name} (all)", total, all_high))
    return Table("Councils compared, for the week covered", columns, body, key="councils")
