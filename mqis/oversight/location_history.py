"""One location's returns over recent weeks, field by field: the history table and its charts.

Everything is read in one query of the location's returns, however many weeks are shown,
and formatted here: a Django template is slow over a thousand cells.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from mqis.oversight.figures import percent
from mqis.registry.models import Location
from mqis.returns.models import Return, ReturnTemplate
from mqis.returns.periods import period_bounds, schedule_times

WEEK_CHOICES = (4, 13, 26, 52)
DEFAULT_WEEKS = 13
DASH = "–"
NUMERIC = {"integer", "decimal"}
UNIT_NAMES = {"%": "percent"}
RETURN_COLUMNS = (
    "period__template_slug", "period__start", "values", "submitted_at", "on_time",
    "beds_total", "beds_occupied", "staff_headcount", "staff_absent",
)
RATES = [
    {"key": "occupancy_pct", "label": "Bed occupancy", "unit": "%", "needs": "beds_total"},
    {"key": "absence_pct", "label": "Staff absence", "unit": "%", "needs": "staff_headcount"},
]


@dataclass
class Column:
    """One period of the template, with its return if one was sent."""

    start: dt.date
    due_at: dt.datetime
    sent: dict[str, Any] | None

    @property
    def late(self) -> bool:
        return bool(self.sent and not self.sent["on_time"])

    @property
    def status(self) -> str:
        if self.sent:
            return f"{timezone.localtime(self.sent['submitted_at']):%-d %b}"
        return "Not due yet" if self.due_at > timezone.now() else "Not sent"

    @property
    def sent_label(self) -> str:
        """The status as a download gives it: "6 Jan (late)"."""
        return self.status + (" (late)" if self.late else "")

    def value(self, key: str) -> Any:
        if not self.sent:
            return None
        if key in self.sent["rates"]:
            return self.sent["rates"][key]
        return self.sent["values"].get(key)


@dataclass
class Row:
    label: str
    cells: list[str]
    numeric: bool = True


@dataclass
class Section:
    name: str
    rows: list[Row]


@dataclass
class Chart:
    """The numeric fields of one section that share a unit, drawn together."""

    key: str
    title: str
    unit: str
    specs: list[dict[str, Any]]
    data: dict[str, Any] = field(default_factory=dict)
    table: list[tuple[Column, list[str]]] = field(default_factory=list)


@dataclass
class TemplateHistory:
    template: ReturnTemplate
    columns: list[Column]
    sections: list[Section]
    charts: list[Chart]


def chosen_weeks(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) in WEEK_CHOICES else DEFAULT_WEEKS


def _periods(template: ReturnTemplate, today: dt.date, weeks: int) -> list[tuple[dt.date, dt.date]]:
    """The template's periods that started in the last `weeks` weeks, newest first."""
    cutoff = today - dt.timedelta(weeks=weeks)
    found: list[tuple[dt.date, dt.date]] = []
    day = today
    while True:
        start, end = period_bounds(template.frequency, day)
        if start <= cutoff:
            return found
        found.append((start, end))
        day = start - dt.timedelta(days=1)


def _sent(row: dict[str, Any]) -> dict[str, Any]:
    row["rates"] = {
        "occupancy_pct": percent(row["beds_occupied"], row["beds_total"]),
        "absence_pct": percent(row["staff_absent"], row["staff_headcount"]),
    }
    return row


def _returns(location: Location, slugs: list[str], since: dt.date) -> dict[tuple[str, dt.date], Any]:
    rows = Return.objects.filter(
        location=location, period__template_slug__in=slugs, period__start__gt=since
    ).values(*RETURN_COLUMNS)
    return {(r["period__template_slug"], r["period__start"]): _sent(dict(r)) for r in rows}


def number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def shown(spec: dict[str, Any], value: Any) -> str:
    """A value as a person reads it: a choice's label, a number with its unit."""
    if value is None or value == "":
        return DASH
    if spec["type"] == "choice":
        return dict(spec.get("choices", [])).get(value, str(value))
    if spec["type"] in NUMERIC and isinstance(value, (int, float)):
        unit = spec.get("unit")
        if unit == "%":
            return f"{number(value)}%"
        return number(value)
    return str(value)


def _rates(template: ReturnTemplate) -> list[dict[str, Any]]:
    """The percentages worked out from this template's figures (occupancy, absence)."""
    measures: set[str] = set()
    for spec in template.fields:
        tagged = spec.get("measure") or []
        measures.update([tagged] if isinstance(tagged, str) else tagged)
    return [{**rate, "type": "decimal"} for rate in RATES if rate["needs"] in measures]


def _sections(specs: list[dict[str, Any]], rates: list[dict[str, Any]],
              columns: list[Column]) -> list[Section]:
    sections = []
    if rates:
        sections.append(Section("Worked out from the figures", [
            Row(rate["label"], [shown(rate, c.value(rate["key"])) for c in columns])
            for rate in rates
        ]))
    for spec in specs:
        name = spec.get("section") or "Other"
        if not sections or sections[-1].name != name:
            sections.append(Section(name, []))
        cells = [shown(spec, c.value(spec["key"])) for c in columns]
        sections[-1].rows.append(Row(spec["label"], cells, spec["type"] in NUMERIC))
    return sections


def _chart_groups(specs: list[dict[str, Any]], rates: list[dict[str, Any]]) -> list[Chart]:
    """Numeric fields by section and unit; a section's main unit keeps the section's name."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for spec in specs:
        if spec["type"] in NUMERIC:
            groups.setdefault((spec.get("section") or "Other", spec.get("unit") or ""), []).append(spec)
    charts = [Chart("rates", "Occupancy and staff absence", "%", rates)] if rates else []
    for (section, unit), members in groups.items():
        main = max((g for g in groups if g[0] == section), key=lambda g: len(groups[g]))
        key, title = slugify(section), section
        if (section, unit) != main:
            key = f"{key}-{slugify(UNIT_NAMES.get(unit, unit))}"
            title = f"{section}: {unit}"
        charts.append(Chart(key, title, unit, members))
    return charts


def fill_chart(chart: Chart, columns: list[Column]) -> None:
    """Give a chart its plotted data and its table alternative, oldest period first."""
    oldest_first = columns[::-1]
    chart.data = {
        "dates": [c.start.isoformat() for c in oldest_first],
        "unit": chart.unit,
        "traces": [
            {"name": spec["label"], "y": [_plotted(c.value(spec["key"])) for c in oldest_first]}
            for spec in chart.specs
        ],
    }
    chart.table = [
        (c, [shown(spec, c.value(spec["key"])) for spec in chart.specs]) for c in oldest_first
    ]


def chart_download(chart: Chart, columns: list[Column]) -> tuple[list[str], list[list[Any]]]:
    """The chart's table as a download: the same rows as `fill_chart`'s, values unformatted."""
    header = ["Week starting", "Sent", *[_with_unit(spec) for spec in chart.specs]]
    rows = [
        [c.start, c.sent_label, *[c.value(spec["key"]) for spec in chart.specs]] for c in columns[::-1]
    ]
    return header, rows


def _with_unit(spec: dict[str, Any]) -> str:
    return f"{spec['label']} (%)" if spec.get("unit") == "%" else spec["label"]


def _plotted(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def location_history(location: Location, templates: list[ReturnTemplate], weeks: int,
                     today: dt.date | None = None) -> list[TemplateHistory]:
    """Each template's periods in the last `weeks` weeks, newest first, with every field."""
    today = today or timezone.localdate()
    found = _returns(location, [t.slug for t in templates], today - dt.timedelta(weeks=weeks))
    histories = []
    for template in templates:
        columns = [
            Column(start, schedule_times(template, start, end)["due_at"],
                   found.get((template.slug, start)))
            for start, end in _periods(template, today, weeks)
        ]
        rates = _rates(template)
        histories.append(TemplateHistory(
            template, columns, _sections(template.fields, rates, columns),
            _chart_groups(template.fields, rates),
        ))
    return histories
