"""The published open data: council, region and overall rows with small numbers hidden.

The page and the CSV both show exactly these cells. Counts of locations from 1 to 4 are
hidden; so is every figure from the returns of a group of 1 to 4 reporting care homes
(its beds, outbreaks, closures and PPE, even a 0); then `disclosure.protect` hides more
so that no hidden figure can be worked out from the totals. Each column is protected on
its own and no column is published that adds up from others (no "not in outbreak"), so
the only sums a reader can use are the rows: councils → region → all regions.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from mqis.opendata import disclosure
from mqis.opendata.council_week import CouncilWeek, Week, by_council, latest_due_week
from mqis.opendata.disclosure import COUNT_FLOOR, Hidden, Relation
from mqis.oversight import cache
from mqis.oversight.figures import percent
from mqis.registry.models import Council

CONFIDENTIAL = "[c]"
NOT_APPLICABLE = "[z]"
ALL = "ALL"
ALL_NAME = "All regions"
BEDS_FLOOR = 1  # the smallest non-zero number of beds reported that can be published

Cell = int | float | str


@dataclass(frozen=True)
class Measure:
    key: str  # the CSV column
    label: str  # the page's column heading
    value: Callable[[CouncilWeek], int] | None = None  # None: worked out from other measures


MEASURES = [
    Measure("care_homes_reporting", "Care homes reporting", lambda c: c.care_homes.reporting),
    Measure("registered_beds", "Registered beds", lambda c: c.care_homes.registered_beds),
    Measure("beds_reported", "Beds reported", lambda c: c.care_homes.beds_total),
    Measure("occupied_beds", "Occupied beds", lambda c: c.care_homes.beds_occupied),
    Measure("vacant_beds", "Vacant beds", lambda c: c.care_homes.beds_vacant),
    Measure("occupancy_pct", "Occupancy (%)"),
    Measure("care_homes_in_outbreak", "Care homes in outbreak", lambda c: c.care_homes.in_outbreak),
    Measure("care_homes_closed_to_admissions", "Care homes closed to admissions",
            lambda c: c.care_homes.closed_to_admissions),
    Measure("care_homes_short_of_ppe", "Care homes short of PPE", lambda c: c.care_homes.short_of_ppe),
    Measure("home_care_agencies_reporting", "Home care agencies reporting", lambda c: c.agencies_reporting),
]
COUNTED = [m.key for m in MEASURES if m.value]
# Counts of care homes from their returns, hidden with the care homes reporting.
HOME_COUNTS = ["care_homes_in_outbreak", "care_homes_closed_to_admissions", "care_homes_short_of_ppe"]
# A row's bed figures are hidden together, so that no difference between them gives one away.
BEDS = ["beds_reported", "occupied_beds", "vacant_beds"]
PUBLIC = ["registered_beds"]  # from CQC's public register: never hidden


@dataclass(frozen=True)
class Row:
    kind: str  # "council", "region" or "total"
    code: str
    name: str
    region_code: str
    region_name: str


@dataclass
class PublishedRow:
    row: Row
    cells: list[Cell]


@dataclass
class RegionTable:
    code: str
    name: str
    councils: list[PublishedRow]
    total: PublishedRow


@dataclass
class Publication:
    week: Week | None
    generated_at: dt.datetime
    regions: list[RegionTable]
    total: PublishedRow | None

    def rows(self) -> list[PublishedRow]:
        """Every row, as in the CSV: each region's councils, then its total; the overall total last."""
        found = [row for region in self.regions for row in [*region.councils, region.total]]
        return found + ([self.total] if self.total else [])


@dataclass
class Table:
    """The true figures before disclosure control: measure -> row code -> value."""

    rows: list[Row]
    values: dict[str, dict[str, int]]
    relations: list[Relation]


def true_table(councils: list[Council], figures: dict[int, CouncilWeek]) -> Table:
    """Council rows with their figures, then region totals and the overall total."""
    rows: list[Row] = []
    values: dict[str, dict[str, int]] = {key: {} for key in COUNTED}
    groups: dict[str, list[str]] = {}
    for council in councils:
        region = council.region
        rows.append(Row("council", council.gss_code, council.name, region.code, region.name))
        groups.setdefault(region.code, []).append(council.gss_code)
        for measure in MEASURES:
            if measure.value:
                values[measure.key][council.gss_code] = measure.value(figures[council.pk])
    region_names = {c.region.code: c.region.name for c in councils}
    for code, parts in groups.items():
        rows.append(Row("region", code, region_names[code], code, region_names[code]))
        for column in values.values():
            column[code] = sum(column[p] for p in parts)
    rows.append(Row("total", ALL, ALL_NAME, "", ""))
    for column in values.values():
        column[ALL] = sum(column[code] for code in groups)
    return Table(rows, values, disclosure.hierarchy(groups, ALL))


def hide(table: Table) -> dict[str, Hidden]:
    """Every hidden figure, per measure, with what a reader could tell about it."""
    values, relations = table.values, table.relations
    reporting = disclosure.small_counts(values["care_homes_reporting"])
    hidden: dict[str, Hidden] = {}
    for key in ["care_homes_reporting", "home_care_agencies_reporting"]:
        hidden |= disclosure.protect({key: values[key]}, {key: disclosure.small_counts(values[key])},
                                     relations, COUNT_FLOOR)
    for key in HOME_COUNTS:
        # A small group's count is at most its number of reporting homes: 4.
        primary = disclosure.small_counts(values[key]) | disclosure.small_population(reporting, high=4)
        hidden |= disclosure.protect({key: values[key]}, {key: primary}, relations, COUNT_FLOOR)
    small_group = disclosure.small_population(reporting)
    hidden |= disclosure.protect({key: values[key] for key in BEDS}, {key: small_group for key in BEDS},
                                 relations, BEDS_FLOOR)
    return hidden


def _cells(code: str, table: Table, hidden: dict[str, Hidden]) -> list[Cell]:
    cells: list[Cell] = []
    for measure in MEASURES:
        if measure.key == "occupancy_pct":
            cells.append(_occupancy(code, table, hidden))
        elif code in hidden.get(measure.key, {}):
            cells.append(CONFIDENTIAL)
        else:
            cells.append(table.values[measure.key][code])
    return cells


def _occupancy(code: str, table: Table, hidden: dict[str, Hidden]) -> Cell:
    """Occupied beds as a share of beds reported: only from published figures."""
    if code in hidden.get("occupied_beds", {}) or code in hidden.get("beds_reported", {}):
        return CONFIDENTIAL
    found = percent(table.values["occupied_beds"][code], table.values["beds_reported"][code])
    return NOT_APPLICABLE if found is None else found


def publication(week: Week | None, councils: list[Council], figures: dict[int, CouncilWeek]) -> Publication:
    """The published tables for these councils' true figures."""
    now = timezone.now()
    if week is None or not councils:
        return Publication(week, now, [], None)
    table = true_table(councils, figures)
    hidden = hide(table)
    published = {row.code: PublishedRow(row, _cells(row.code, table, hidden)) for row in table.rows}
    regions = [
        RegionTable(r.total, published[r.total].row.name, [published[c] for c in r.parts], published[r.total])
        for r in table.relations
        if r.total != ALL
    ]
    return Publication(week, now, regions, published[ALL])


def current(week: Week | None) -> Publication:
    """The open data for this week (see `latest_due_week`)."""
    if week is None:
        return publication(None, [], {})
    figures = by_council(week)
    councils = list(Council.objects.filter(pk__in=list(figures)).select_related("region")
                    .order_by("region__name", "name"))
    return publication(week, councils, figures)


def cached_current() -> Publication:
    """The open data for the latest week whose returns were due, kept until the data changes.

    It is the same for everyone, so it is cached once, under an anonymous viewer.
    """
    week = latest_due_week()
    choice = week.start.isoformat() if week else "none"
    return cache.cached("open-data", AnonymousUser(), choice, lambda: current(week))
