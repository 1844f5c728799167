"""What a report section shows, ready for the web page and the PDF alike: sentences, a chart
and compact tables. The section builders fill these; the templates only lay them out."""

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from mqis.oversight.change import Comparison
from mqis.oversight.measures import DASH, Measure, difference, show
from mqis.reports import svgcharts

LONG_TABLE = 8
NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?")
Raw = list[Any]  # a row of a download: numbers as numbers, dates as dates, None for blank


@dataclass
class Table:
    """A compact table: each row starts with its header cell; the other columns are numbers
    unless named in `text_columns` (by position, counting the header column as 0)."""

    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    text_columns: tuple[int, ...] = ()
    note: str = ""
    key: str = ""  # names the table in its download links: "capacity-chart"
    # A download's header and rows where reading the shown text back is not enough (units
    # in words, a list cut short on the page); the rows are built only when downloaded.
    raw_columns: list[str] | None = None
    raw_rows: Callable[[], Iterable[Raw]] | None = None

    def download(self) -> tuple[list[str], Iterable[Raw]]:
        """The table's header and rows for a download (see `mqis.lib.exports`)."""
        if self.raw_rows is not None:
            return self.raw_columns or self.columns, self.raw_rows()
        return self.read_back()

    def read_back(self) -> tuple[list[str], list[Raw]]:
        """The shown cells as figures: "1,234" a number, "83.3%" 83.3 under "Occupancy (%)",
        "16 November 2026" a date, a dash blank. Text columns stay text."""
        read = [[_read(cell, i == 0 or i in self.text_columns) for i, cell in enumerate(row)] for row in self.rows]
        columns = []
        for i, name in enumerate(self.columns):
            cells = [row[i] for row in self.rows if row[i] not in ("", DASH)]
            percentages = i not in self.text_columns and bool(cells) and all(c.endswith("%") for c in cells)
            if not percentages:
                for row, shown in zip(read, self.rows, strict=True):
                    if shown[i].endswith("%"):
                        row[i] = shown[i]  # a percentage among counts keeps its sign
            columns.append(f"{name} (%)" if percentages else name)
        return columns, read

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


def _read(text: str, is_text: bool) -> Any:
    """One shown cell as a figure, a date, None or the text itself."""
    if text in ("", DASH):
        return None
    try:
        return dt.datetime.strptime(text, "%d %B %Y").date()
    except ValueError:
        pass
    number = text.removesuffix("%")
    if is_text or not NUMBER.fullmatch(number):
        return text
    figure = number.replace(",", "")
    return float(figure) if "." in figure else int(figure)


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

    def all_tables(self) -> list[Table]:
        """The chart's table, if any, then the others."""
        return ([self.chart_table] if self.chart_table else []) + self.tables


def line_chart(
    key: str, title: str, dates: list[dt.date], series: list[svgcharts.Series], *, unit: str = "",
    **options: Any,
) -> tuple[SafeString, Table]:
    """A line chart over weeks, and the same figures as a table (week starting, one column a line)."""
    svg = svgcharts.line_chart(f"chart-{key}", title, [f"{d:%-d %b}" for d in dates], series, unit=unit,
                               **options)
    rows = [[f"{d:%-d %B %Y}", *(show(s.values[i], unit) for s in series)] for i, d in enumerate(dates)]
    table = Table(f"{title}, oldest first", ["Week starting", *(s.name for s in series)], rows, key=f"{key}-chart")
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


def measure_figures(label: str, measure: Measure, comparison: Comparison) -> Raw:
    """`measure_row` as figures: a percentage's label says "(%)" and its change is in points."""
    unit = " (%)" if measure.is_percentage else ""
    return [f"{label}{unit}", measure.value(comparison.now), measure.value(comparison.before),
            difference(measure, comparison)]


def count(value: float | None) -> str:
    return show(value, "")


def pct(value: float | None) -> str:
    return show(value, "%")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
