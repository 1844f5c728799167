"""What a report section shows, ready for the web page and the PDF alike: sentences, a chart
and compact tables. The section builders fill these; the templates only lay them out."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from mqis.oversight.change import Comparison
from mqis.oversight.measures import DASH, Measure, difference, show
from mqis.reports import svgcharts

LONG_TABLE = 8


@dataclass
class Table:
    """A compact table: each row starts with its header cell; the other columns are numbers
    unless named in `text_columns` (by position, counting the header column as 0)."""

    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    text_columns: tuple[int, ...] = ()
    note: str = ""

    def cells(self) -> list[tuple[str, list[tuple[str, bool]]]]:
        """(row header, [(cell, is a number)]) for the templates."""
        return [
            (row[0], [(cell, i + 1 not in self.text_columns) for i, cell in enumerate(row[1:])])
            for row in self.rows
        ]

    @property
    def long(self) -> bool:
        """Long enough to break across pages rather than move to the next one whole."""
        return len(self.rows) > LONG_TABLE

    def numeric_columns(self) -> list[tuple[str, bool]]:
        return [(name, i != 0 and i not in self.text_columns) for i, name in enumerate(self.columns)]


@dataclass
class Section:
    key: str
    title: str
    summary: list[str] = field(default_factory=list)
    chart: SafeString | None = None
    chart_caption: str = ""
    # The chart's figures, for the web page (the PDF shows the chart and the compact tables).
    chart_table: Table | None = None
    tables: list[Table] = field(default_factory=list)


def line_chart(
    key: str, title: str, dates: list[dt.date], series: list[svgcharts.Series], *, unit: str = "",
    **options: Any,
) -> tuple[SafeString, Table]:
    """A line chart over weeks, and the same figures as a table (week starting, one column a line)."""
    svg = svgcharts.line_chart(f"chart-{key}", title, [f"{d:%-d %b}" for d in dates], series, unit=unit,
                               **options)
    rows = [[f"{d:%-d %B %Y}", *(show(s.values[i], unit) for s in series)] for i, d in enumerate(dates)]
    table = Table(f"{title}, oldest first", ["Week starting", *(s.name for s in series)], rows)
    return mark_safe(svg), table


def change_words(measure: Measure, comparison: Comparison) -> str:
    """The change since the week before in words: "up 3.7 points", "down 2", "no change"."""
    diff = difference(measure, comparison)
    if diff is None:
        return DASH
    if diff == 0:
        return "no change"
    size = f"{abs(diff):.1f} points" if measure.is_percentage else f"{abs(diff):,.0f}"
    return f"{'up' if diff > 0 else 'down'} {size}"


def measure_row(label: str, measure: Measure, comparison: Comparison) -> list[str]:
    """[label, this week, the week before, change] for one measure."""
    return [label, measure.shown(comparison.now), measure.shown(comparison.before),
            change_words(measure, comparison)]


def count(value: float | None) -> str:
    return show(value, "")


def pct(value: float | None) -> str:
    return show(value, "%")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
