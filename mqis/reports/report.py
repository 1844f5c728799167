"""The weekly market report of a council or a region, built only from what its reader may see.

`build_report` asks `mqis.accounts.scope` for the reader's locations and councils and
hands them to the section builders; nothing below it decides who may see what.

The week covered is the latest week whose returns are due: on Monday at 07:00 that is the
week before; from Wednesday's deadline on, the week running. Its figures are the
dashboards' as they stood at the end of that week (each location's latest return of the
two weeks up to then), with the week before beside them; returns sent late are counted.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from mqis.accounts import scope
from mqis.accounts.scope import AnyUser
from mqis.lib import exports
from mqis.oversight import figures
from mqis.oversight.change import Comparison, compare_by
from mqis.registry.models import Council, Location, Region
from mqis.reports import extras, sections
from mqis.reports.area import Area, Week
from mqis.reports.content import Section, Table
from mqis.reports.sections_completeness import TemplateCompleteness
from mqis.returns.models import Frequency, Return, ReturnTemplate
from mqis.returns.periods import period_for


@dataclass
class Report:
    kind: str  # "council" or "region"
    area_name: str
    week: Week
    as_at: dt.datetime | None  # the latest return received in the reader's scope
    generated_at: dt.datetime
    figures: Comparison  # the area's figures for the week covered and the week before
    series: list[dict]  # figures.time_series points up to the week covered, oldest first
    councils: list[sections.CouncilRow] = field(default_factory=list)  # a region's, one a council
    completeness: list[TemplateCompleteness] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    council: Council | None = None
    region: Region | None = None

    @property
    def title(self) -> str:
        return f"Weekly market report: {self.area_name}"

    @property
    def filename(self) -> str:
        day = timezone.localtime(self.generated_at).date()
        return f"mqis-{slugify(self.area_name)}-{day.isoformat()}.pdf"

    @property
    def as_at_label(self) -> str:
        return when(self.as_at) if self.as_at else "no returns received yet"

    @property
    def generated_label(self) -> str:
        return when(self.generated_at)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def tables(self) -> dict[str, Table]:
        """Every table of the report by its key, for the downloads."""
        return {table.key: table for section in self.sections for table in section.all_tables()}

    def downloads(self) -> dict[str, Callable[[], exports.Table]]:
        """What `mqis.lib.exports.table_download` builds each table's download from."""
        return {key: table.download for key, table in self.tables().items()}


# The keys of the tables built in `extras` (which names only its sections), by caption.
def name_tables(sections: list[Section]) -> None:
    """Give each table without a key one: "<section>-chart" for a chart's, else by caption."""
    for section in sections:
        if section.chart_table is not None and not section.chart_table.key:
            section.chart_table.key = f"{section.key}-chart"
        for n, table in enumerate(section.tables, 1):
            table.key = table.key or f"{section.key}-{n}"
    keys = [table.key for section in sections for table in section.all_tables()]
    assert len(keys) == len(set(keys)), f"Two of the report's tables share a key: {keys}"


def when(moment: dt.datetime) -> str:
    """"23 November 2026 09:14", in UK time."""
    return f"{timezone.localtime(moment):%-d %B %Y %H:%M}"


def week_covered(templates: list[ReturnTemplate], now: dt.datetime) -> Week:
    """The latest week whose weekly returns are all due by `now`."""
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    weekly = [t for t in templates if t.frequency == Frequency.WEEKLY]
    if any(period_for(t, monday).due_at > now for t in weekly):
        monday -= dt.timedelta(weeks=1)
    return Week(monday, monday + dt.timedelta(days=6))


def data_as_at(locations: QuerySet[Location], now: dt.datetime) -> dt.datetime | None:
    latest = Return.objects.filter(location__in=figures.active(locations), submitted_at__lte=now)
    return latest.aggregate(at=Max("submitted_at"))["at"]


def _area(user: AnyUser, council: Council | None, region: Region | None, now: dt.datetime) -> Area:
    if (council is None) == (region is None):
        raise ValueError("A report is of one council or one region")
    if council is not None:
        if not scope.visible_councils(user).filter(pk=council.pk).exists():
            raise PermissionDenied
        locations = scope.visible_locations(user).filter(council=council)
        councils = scope.visible_councils(user).filter(pk=council.pk)
        name = council.name
    else:
        assert region is not None
        if not scope.visible_regions(user).filter(pk=region.pk).exists():
            raise PermissionDenied
        locations = scope.visible_locations(user).filter(council__region=region)
        councils = scope.visible_councils(user).filter(region=region)
        name = region.name
    templates = figures.current_templates()
    week = week_covered(templates, now)
    return Area(user, name, locations, councils, templates, week, now, is_region=region is not None)


def build_report(
    user: AnyUser, council: Council | None = None, region: Region | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """The report of one council or one region, from the user's scope; PermissionDenied outside it."""
    now = now or timezone.now()
    area = _area(user, council, region, now)
    comparison = compare_by(area.locations, None, templates=area.templates, today=area.week.end)[None]
    series = sections.weekly_series(area)
    report = Report(
        kind="council" if council else "region",
        area_name=area.name,
        week=area.week, as_at=data_as_at(area.locations, now), generated_at=now,
        figures=comparison, series=series, council=council, region=region,
    )
    completeness, report.completeness = sections.completeness(area)
    report.sections = [
        sections.capacity(comparison, series),
        sections.workforce(comparison, series),
        sections.outbreaks(area, comparison, series),
        extras.risk(area),
        completeness,
        extras.forecast(area),
    ]
    if area.is_region:
        report.councils = sections.council_rows(area, extras.high_risk_by_council(area))
        table = sections.councils_table(report.councils, comparison.now, area.name)
        report.sections.insert(0, Section("councils", "Councils compared", tables=[table]))
    name_tables(report.sections)
    return report
