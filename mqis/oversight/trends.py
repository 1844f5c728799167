"""A council's measures over time as charts, each with the same figures as a table.

`charts()` turns the weekly series from `figures.time_series` into chart specifications:
the page embeds them as JSON for oversight/charts.js to draw, and renders each one's
table from the same specification, so the chart and its table cannot disagree.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from mqis.oversight.figures import percent
from mqis.oversight.measures import show

# GOV.UK colours, each line also told apart by its dash and marker.
STYLES = [
    {"colour": "#1d70b8", "dash": "solid", "symbol": "circle"},
    {"colour": "#d4351c", "dash": "dash", "symbol": "square"},
    {"colour": "#00703c", "dash": "dot", "symbol": "diamond"},
]


@dataclass
class Line:
    name: str
    values: list[float | None]


@dataclass
class Chart:
    key: str
    title: str
    caption: str
    unit: str  # "%" or "" (a count)
    dates: list[str]
    labels: list[str]  # the dates as people read them, for the table
    lines: list[Line] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        """What oversight/charts.js needs to draw it."""
        return {
            "id": f"mqis-chart-{self.key}",
            "unit": self.unit,
            "dates": self.dates,
            "lines": [
                {"name": line.name, "values": line.values, **STYLES[i % len(STYLES)]}
                for i, line in enumerate(self.lines)
            ],
        }

    def table(self) -> list[tuple[str, list[str]]]:
        """(week, the shown value of each line) rows, oldest first."""
        return [
            (label, [show(line.values[i], self.unit) for line in self.lines])
            for i, label in enumerate(self.labels)
        ]

    def download(self) -> tuple[list[str], list[list[Any]]]:
        """The table as a download: the same rows, with dates as dates and values unformatted."""
        suffix = " (%)" if self.unit == "%" else ""
        header = ["Week starting", *[f"{line.name}{suffix}" for line in self.lines]]
        rows = [
            [dt.date.fromisoformat(day), *[line.values[i] for line in self.lines]]
            for i, day in enumerate(self.dates)
        ]
        return header, rows


def _column(series: list[dict[str, Any]], key: str) -> list[float | None]:
    return [point[key] for point in series]


def charts(series: list[dict[str, Any]], expected: int, weeks_label: str) -> list[Chart]:
    """The council page's charts over the weeks in `series`."""
    dates = [point["start"].isoformat() for point in series]
    labels = [f"{point['start']:%-d %B %Y}" for point in series]

    def chart(key: str, title: str, caption: str, unit: str, *lines: Line) -> Chart:
        return Chart(key, title, f"{caption}, week by week over the last {weeks_label}.", unit,
                     dates, labels, list(lines))

    received = [percent(point["returns"], expected) for point in series]
    return [
        chart("occupancy", "Bed occupancy", "Occupied beds as a percentage of beds in reporting homes",
              "%", Line("Occupancy", _column(series, "occupancy_pct"))),
        chart("vacancies", "Vacant beds", "Vacant beds in reporting homes", "",
              Line("Vacant beds", _column(series, "beds_vacant"))),
        chart("absence", "Staff absence by role", "Staff absent as a percentage of headcount: all "
              "staff, nurses and care workers", "%",
              Line("All staff", _column(series, "absence_pct")),
              Line("Nurses", _column(series, "nurse_absence_pct")),
              Line("Care workers", _column(series, "care_worker_absence_pct"))),
        chart("pressures", "Outbreaks, PPE shortages and closures", "Locations reporting an outbreak, "
              "under 3 days of an item of PPE, or closed to admissions", "",
              Line("In outbreak", _column(series, "in_outbreak")),
              Line("PPE under 3 days", _column(series, "short_of_ppe")),
              Line("Closed to admissions", _column(series, "closed_to_admissions"))),
        chart("received", "Returns received", "Returns received as a percentage of the returns "
              "expected", "%", Line("Returns received", received)),
    ]


def chart_keys() -> list[str]:
    """The keys of the page's charts, without reading any figures."""
    return [chart.key for chart in charts([], 0, "")]
