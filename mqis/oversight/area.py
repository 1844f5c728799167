"""A provider's area: all care homes in a council, in aggregate, beside the provider's own.

Only totals over every active care home in the council are shown, never one home's
figures or name. When fewer than MIN_OTHERS other homes reported, the area figure would
come close to revealing another provider's figures, so it is left out.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from mqis.oversight import figures
from mqis.oversight.figures import Figures, percent
from mqis.registry.models import Council, Location
from mqis.returns.models import Period, ReturnTemplate

MIN_OTHERS = 5
TREND_WEEKS = 8
DASH = "–"
TOO_FEW = "Too few homes"  # a week's area figure left out: too few other homes reported
TREND_MEASURES = {"occupancy": "Bed occupancy", "absence": "Staff absence"}
PLURALS = {"home": "homes", "care home": "care homes", "bed": "beds", "staff": "staff"}

Shown = tuple[str, str]


def care_homes(council: Council) -> QuerySet[Location]:
    """Every care home in the council, whoever runs it: only ever summed, never listed."""
    return Location.objects.filter(council=council, care_home=True)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else PLURALS[noun]}"


@dataclass(frozen=True)
class Count:
    """One measure for a set of homes: `part` of `whole` (homes, beds or staff)."""

    part: int
    whole: int
    noun: str
    share: bool = True  # shown as a percentage of the whole

    @property
    def percent(self) -> float | None:
        return percent(self.part, self.whole) if self.share else None

    @property
    def shown(self) -> Shown:
        """The figure and what it counts, as the page writes them."""
        if not self.share:
            return str(self.part), f"of {_plural(self.whole, self.noun)}"
        if self.percent is None:
            return DASH, ""
        return f"{self.percent:.1f}%", f"{self.part} of {_plural(self.whole, self.noun)}"


def measures(f: Figures) -> list[tuple[str, Count]]:
    """The measures a provider compares, each with its count."""
    homes = f.reporting
    return [
        ("Care homes reporting", Count(homes, f.locations, "care home", share=False)),
        ("In outbreak", Count(f.in_outbreak, homes, "home")),
        ("Closed to admissions", Count(f.closed_to_admissions, homes, "home")),
        ("Bed occupancy", Count(f.beds_occupied, f.beds_total, "bed")),
        ("Staff absence", Count(f.staff_absent, f.staff_headcount, "staff")),
        ("Short of PPE (under 3 days of an item)", Count(f.short_of_ppe, homes, "home")),
    ]


def comparison_rows(f: Figures) -> list[tuple[str, Shown]]:
    """The measures a provider compares, each as (label, (figure, what it counts))."""
    return [(label, count.shown) for label, count in measures(f)]


def table_key(kind: str, council: Council) -> str:
    """The download key of one of a council's tables: "latest-e08000003"."""
    return f"{kind}-{council.gss_code.lower()}"


@dataclass
class Area:
    """One council: the provider's care homes and, unless too few others reported, all of them."""

    council: Council
    own: Figures | None
    everyone: Figures
    trend: list[dict[str, Any]] = field(default_factory=list)
    # The provider runs locations here, but no care home (e.g. only a home care agency).
    no_homes_of_its_own: bool = False

    @property
    def others_reporting(self) -> int:
        return self.everyone.reporting - (self.own.reporting if self.own else 0)

    @property
    def suppressed(self) -> bool:
        return self.others_reporting < MIN_OTHERS

    @property
    def latest_key(self) -> str:
        return table_key("latest", self.council)

    @property
    def columns(self) -> list[tuple[str, Figures]]:
        """The latest figures table's columns: the provider's, and the area's unless left out."""
        found = [("Your care homes", self.own)] if self.own else []
        if not self.suppressed:
            found.append((f"All care homes in {self.council.name}", self.everyone))
        return found

    @property
    def rows(self) -> list[tuple[str, Shown | None, Shown | None]]:
        """(measure, the provider's figure, the area's figure); None where not shown."""
        own = comparison_rows(self.own) if self.own else None
        area = None if self.suppressed else comparison_rows(self.everyone)
        labels = [label for label, _ in comparison_rows(self.everyone)]
        return [
            (label, own[i][1] if own else None, area[i][1] if area else None)
            for i, label in enumerate(labels)
        ]


def _trend(own: QuerySet[Location] | None, everyone: QuerySet[Location]) -> list[dict[str, Any]]:
    """Weekly occupancy and absence, the area's left out in weeks too few others reported."""
    mine = {p["start"]: p for p in figures.time_series(own, TREND_WEEKS)} if own is not None else {}
    points = []
    for point in figures.time_series(everyone, TREND_WEEKS):
        start: dt.date = point["start"]
        own_point = mine.get(start)
        others = point["returns"] - (own_point["returns"] if own_point else 0)
        shown = others >= MIN_OTHERS
        points.append({
            "start": start,
            "own_occupancy": own_point["occupancy_pct"] if own_point else None,
            "own_absence": own_point["absence_pct"] if own_point else None,
            "area_occupancy": point["occupancy_pct"] if shown else None,
            "area_absence": point["absence_pct"] if shown else None,
            "area_shown": shown,
        })
    return points


def area_for(
    council: Council,
    own: QuerySet[Location] | None,
    templates: list[ReturnTemplate],
    periods: list[Period],
) -> Area:
    """The council's care homes in aggregate; `own` is the provider's, from the scope."""
    everyone = care_homes(council)
    own_homes = own.filter(council=council, care_home=True) if own is not None else None
    mine = None
    if own_homes is not None:
        mine = figures.figures_for(own_homes, templates=templates, periods=periods)
    if mine is not None and mine.locations == 0:
        mine = own_homes = None
    return Area(
        council,
        mine,
        figures.figures_for(everyone, templates=templates, periods=periods),
        _trend(own_homes, everyone),
        no_homes_of_its_own=own is not None and mine is None,
    )


def latest_table(area: Area) -> tuple[list[str], list[list[Any]]]:
    """The latest figures table with the counts behind each figure, for a download.

    Its columns are the page's: a left-out area figure has no column here either.
    """
    header = ["Measure", "Unit"]
    for title, _ in area.columns:
        header += [title, f"{title}: out of", f"{title} (%)"]
    by_column = [measures(found) for _, found in area.columns]
    rows = []
    for i, (label, count) in enumerate(measures(area.everyone)):
        row: list[Any] = [label, PLURALS[count.noun]]
        for found in by_column:
            mine = found[i][1]
            row += [mine.part, mine.whole, mine.percent]
        rows.append(row)
    return header, rows


def trend_columns(area: Area) -> list[str]:
    return ["Your care homes", "All care homes"] if area.own is not None else ["All care homes"]


def trend_rows(area: Area, measure: str) -> list[list[Any]]:
    """Each week: its start, the provider's figure (if it has homes here) and the area's.

    In a week too few other homes reported, the area's figure is TOO_FEW, never the number.
    """
    rows = []
    for p in area.trend:
        row: list[Any] = [p["start"]]
        if area.own is not None:
            row.append(p[f"own_{measure}"])
        row.append(p[f"area_{measure}"] if p["area_shown"] else TOO_FEW)
        rows.append(row)
    return rows


def trend_table(area: Area, measure: str) -> tuple[list[str], list[list[Any]]]:
    """A trend chart's table, for a download: percentages unformatted."""
    return ["Week starting", *(f"{title} (%)" for title in trend_columns(area))], trend_rows(area, measure)


def _shown(value: float | str | None) -> str:
    if isinstance(value, str):
        return value
    return DASH if value is None else f"{value:.1f}%"


def trend_charts(area: Area) -> list[dict[str, Any]]:
    """Occupancy and absence over the last weeks: plotted data and the same as table rows."""
    everyone = f"All care homes in {area.council.name}"
    charts = []
    for measure, title in TREND_MEASURES.items():
        traces = []
        if area.own is not None:
            traces.append({"name": "Your care homes", "y": [p[f"own_{measure}"] for p in area.trend]})
        traces.append({"name": everyone, "y": [p[f"area_{measure}"] for p in area.trend]})
        charts.append({
            "id": f"area-{area.council.gss_code}-{measure}",
            "key": table_key(measure, area.council),
            "title": title,
            "data": {"dates": [p["start"].isoformat() for p in area.trend], "unit": "%",
                     "traces": traces},
            "columns": trend_columns(area),
            "rows": [(start, [_shown(v) for v in rest]) for start, *rest in trend_rows(area, measure)],
        })
    return charts
