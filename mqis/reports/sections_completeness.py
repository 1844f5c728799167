"""The report's completeness section: how many of the returns expected for the week came in."""

from dataclasses import dataclass

from django.utils.safestring import SafeString

from mqis.oversight.completeness import PeriodCompleteness, completeness_table, missed_in_a_row, periods_asked
from mqis.reports import svgcharts
from mqis.reports.area import Area
from mqis.reports.content import Section, Table, count, line_chart, pct, plural
from mqis.returns.models import Period, ReturnTemplate
from mqis.returns.periods import period_for

CHART_WEEKS = 12
MISSED_RUN = 3


@dataclass
class TemplateCompleteness:
    template: ReturnTemplate
    periods: list[PeriodCompleteness]  # newest (the week covered) first
    missed_run: int  # expected locations that missed the last MISSED_RUN due periods

    @property
    def week(self) -> PeriodCompleteness:
        return self.periods[0]


def _periods(area: Area, template: ReturnTemplate) -> list[Period]:
    """The week covered's period, then up to CHART_WEEKS - 1 before it since returns began."""
    covered = period_for(template, area.week.start)
    asked = periods_asked(template, CHART_WEEKS + 2, area.now)
    return [covered, *(p for p in asked if p.start < covered.start)][:CHART_WEEKS]


def template_completeness(area: Area) -> list[TemplateCompleteness]:
    found = []
    for template in sorted(area.templates, key=lambda t: t.name):
        cells = completeness_table(area.locations, template, _periods(area, template), area.now)
        missed = len(missed_in_a_row(area.locations, template, MISSED_RUN, area.now))
        found.append(TemplateCompleteness(template, cells, missed))
    return found


def _sentence(one: TemplateCompleteness) -> str:
    week, name = one.week, one.template.name.lower()
    if not week.expected:
        return f"No {name} was expected."
    absent = "missing" if week.due else "not received yet"
    return (f"{count(week.received)} of {plural(week.expected, name)} expected came in ({pct(week.rate)}): "
            f"{count(week.late)} late and {count(week.outstanding)} {absent}.")


def _chart(found: list[TemplateCompleteness]) -> tuple[SafeString, Table]:
    starts = sorted({cell.period.start for one in found for cell in one.periods})
    lines = []
    for one in found:
        rates = {cell.period.start: cell.rate for cell in one.periods}
        lines.append(svgcharts.Series(one.template.name, [rates.get(start) for start in starts]))
    return line_chart("completeness", "Returns received", starts, lines, unit="%", from_zero=False)


def completeness(area: Area) -> tuple[Section, list[TemplateCompleteness]]:
    found = template_completeness(area)
    rows = [
        [one.template.name, count(one.week.expected), count(one.week.received), count(one.week.on_time),
         count(one.week.late), count(one.week.outstanding), count(one.missed_run)]
        for one in found
    ]
    columns = ["Return", "Expected", "Received", "On time", "Late", "Not received",
               f"Missed {MISSED_RUN} weeks running"]
    chart, chart_table = _chart(found)
    section = Section(
        "completeness", "Completeness",
        summary=[_sentence(one) for one in found],
        chart=chart, chart_table=chart_table,
        chart_caption="Returns received as a percentage of those expected, week by week over the last "
                      f"{plural(CHART_WEEKS, 'week')} since returns began.",
        tables=[Table("Returns for the week covered", columns, rows, key="completeness-week")],
    )
    return section, found
