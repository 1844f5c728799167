"""Completeness pages: a council's returns over time, a region's councils, the chase list.

Each is scoped by `mqis.accounts.scope`; each table downloads (CSV, XLSX) with exactly the
page's rows, built from the same figures.
"""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from mqis.accounts import scope
from mqis.lib import exports
from mqis.lib.exports import neutralise as neutralise  # the opendata CSV imports it from here
from mqis.oversight import completeness, figures
from mqis.oversight.completeness import ChaseRow, Missed, PeriodCompleteness
from mqis.oversight.reminders import when
from mqis.registry.models import Council, Region
from mqis.returns.models import Period, ReturnTemplate
from mqis.returns.periods import describe

COUNCIL_PERIODS = 12
REGION_PERIODS = 8
DEFAULT_MISSED = 2
DEFAULT_TEMPLATE = "care-home"
CHASE_COLUMNS = [
    "Location", "CQC location ID", "Provider", "Status", "Periods missed in a row",
    "Last return sent", "Phone", "Address", "Postcode", "E-mail addresses", "Reminders sent",
]
PERIOD_COLUMNS = [
    "Period", "Period starts", "Deadline", "Expected", "Received", "On time", "Late", "Missing",
    "Not yet received", "Received (%)",
]
CHART_COLUMNS = ["Period", "Period starts", "Received (%)", "On time (%)"]
MISSED_COLUMNS = ["Location", "CQC location ID", "Provider", "Periods missed in a row", "Last return sent"]


def _council(request: HttpRequest, gss_code: str) -> Council:
    council = get_object_or_404(Council.objects.select_related("region"), gss_code=gss_code)
    if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
        raise PermissionDenied
    return council


def _template(request: HttpRequest, templates: list[ReturnTemplate]) -> ReturnTemplate:
    """The template named by ?template=, else the care home return, else the first."""
    wanted = request.GET.get("template")
    by_slug = {t.slug: t for t in templates}
    if wanted:
        if wanted not in by_slug:
            raise Http404("There is no such return template")
        return by_slug[wanted]
    if not templates:
        raise Http404("There are no return templates")
    return by_slug.get(DEFAULT_TEMPLATE, templates[0])


def _missed(request: HttpRequest) -> int:
    try:
        n = int(request.GET.get("missed", DEFAULT_MISSED))
    except ValueError:
        return DEFAULT_MISSED
    return min(max(n, 1), completeness.MISSED_LOOKBACK)


def _period(request: HttpRequest, template: ReturnTemplate, recent: list[Period]) -> Period:
    """The period starting on ?period=YYYY-MM-DD, else the one running now."""
    raw = request.GET.get("period")
    if not raw:
        return recent[0]
    try:
        start = dt.date.fromisoformat(raw)
    except ValueError:
        raise Http404("The period must be a date like 2026-11-23") from None
    return get_object_or_404(Period, template_slug=template.slug, start=start)


def _can_open_region(request: HttpRequest, council: Council) -> bool:
    return scope.visible_regions(request.user).filter(pk=council.region_id).exists()


def _period_rows(table: list[PeriodCompleteness]) -> list[dict[str, Any]]:
    return [
        {"label": describe(cell.period), "deadline": when(cell.period.due_at), "cell": cell}
        for cell in table
    ]


def _line_chart(table: list[PeriodCompleteness]) -> dict[str, Any]:
    """The due periods' rates, oldest first: a period still open would dip for no reason."""
    due = [cell for cell in reversed(table) if cell.due]
    return {
        "kind": "lines",
        "dates": [cell.period.start.isoformat() for cell in due],
        "received": [cell.rate for cell in due],
        "on_time": [cell.on_time_rate for cell in due],
    }


def _local(moment: dt.datetime) -> dt.datetime:
    """A time as the wall clock in England shows it: a spreadsheet holds no time zones."""
    return timezone.localtime(moment).replace(tzinfo=None)


def period_cells(table: list[PeriodCompleteness]) -> list[list[Any]]:
    """The recent periods table: a period still open has figures to come, none missing."""
    return [
        [describe(cell.period), cell.period.start, _local(cell.period.due_at), cell.expected,
         cell.received, cell.on_time, cell.late, cell.missing if cell.due else None,
         None if cell.due else cell.not_yet_received, cell.rate]
        for cell in table
    ]


def chart_cells(table: list[PeriodCompleteness]) -> list[list[Any]]:
    """The chart's figures, as its table alternative shows them: due periods, newest first."""
    return [[describe(c.period), c.period.start, c.rate, c.on_time_rate] for c in table if c.due]


def missed_cells(rows: list[Missed]) -> list[list[Any]]:
    return [
        [m.location.name, m.location.cqc_location_id, m.location.provider.name, m.periods,
         timezone.localdate(m.last_return) if m.last_return else "Never"]
        for m in rows
    ]


@login_required
def council_completeness(request: HttpRequest, gss_code: str) -> HttpResponseBase:
    council = _council(request, gss_code)
    templates = figures.current_templates()
    template = _template(request, templates)
    now = timezone.now()
    locations = scope.visible_locations(request.user).filter(council=council)
    missed = _missed(request)

    def table() -> list[PeriodCompleteness]:
        periods = completeness.periods_asked(template, COUNCIL_PERIODS, now)
        return completeness.completeness_table(locations, template, periods, now)

    def missed_rows() -> list[Missed]:
        return completeness.missed_in_a_row(locations, template, missed, now)

    found = exports.table_download(request, f"completeness-{council.gss_code}-{template.slug}", {
        "by-period": lambda: (PERIOD_COLUMNS, period_cells(table())),
        "chart": lambda: (CHART_COLUMNS, chart_cells(table())),
        "missed": lambda: (MISSED_COLUMNS, missed_cells(missed_rows())),
    })
    if found is not None:
        return found
    periods_table = table()
    latest_due = next((cell for cell in periods_table if cell.due), None)
    context = {
        "council": council,
        "region": council.region,
        "can_open_region": _can_open_region(request, council),
        "templates": templates,
        "template": template,
        "rows": _period_rows(periods_table),
        "latest_due": latest_due,
        "latest_due_label": describe(latest_due.period) if latest_due else "",
        "chart": _line_chart(periods_table),
        "missed": missed,
        "missed_rows": missed_rows(),
        "lookback": completeness.MISSED_LOOKBACK,
    }
    return render(request, "oversight/completeness_council.html", context)


def _heatmap(rows: list[dict[str, Any]], periods: list[Period], now: dt.datetime) -> dict[str, Any]:
    """Councils by due period, oldest first, for a heatmap of submission rates."""
    due = [i for i in reversed(range(len(periods))) if periods[i].due_at <= now]
    shown = [row for row in rows if row["cells"]]
    rates = [[row["cells"][i].rate for i in due] for row in shown]
    lowest = min((r for line in rates for r in line if r is not None), default=100.0)
    return {
        "kind": "heatmap",
        "dates": [periods[i].start.isoformat() for i in due],
        "councils": [row["council"].name for row in shown],
        "rates": rates,
        # The colours spread over the rates there are: 90% looks bad where others have 100%.
        "zmin": min(90, int(lowest // 10) * 10),
    }


def _region_columns(periods: list[Period]) -> list[str]:
    columns = ["Council", "GSS code"]
    for period in periods:
        label = describe(period)
        columns += [f"{label}: received (%)", f"{label}: received", f"{label}: expected"]
    return columns


def _rates(cells: list[PeriodCompleteness], periods: list[Period]) -> list[Any]:
    """Each period's rate, received and expected; a council expecting none has 0 expected."""
    if not cells:
        return [value for _ in periods for value in (None, 0, 0)]
    return [value for cell in cells for value in (cell.rate, cell.received, cell.expected)]


def region_cells(rows: list[dict[str, Any]], overall: list[PeriodCompleteness],
                 periods: list[Period]) -> list[list[Any]]:
    """The councils table, each council's periods newest first, with the region's total last."""
    found = [[row["council"].name, row["council"].gss_code, *_rates(row["cells"], periods)] for row in rows]
    return [*found, ["All councils", None, *_rates(overall, periods)]]


@login_required
def region_completeness(request: HttpRequest, code: str) -> HttpResponseBase:
    region = get_object_or_404(Region, code=code)
    if not scope.visible_regions(request.user).filter(pk=region.pk).exists():
        raise PermissionDenied
    templates = figures.current_templates()
    template = _template(request, templates)
    now = timezone.now()
    locations = scope.visible_locations(request.user).filter(council__region=region)
    periods = completeness.periods_asked(template, REGION_PERIODS, now)

    def rows() -> list[dict[str, Any]]:
        by_council = completeness.submission_rate_by_council(locations, template, periods, now)
        return [
            {"council": council, "cells": by_council.get(council.pk, [])}
            for council in scope.visible_councils(request.user).filter(region=region)
        ]

    def overall() -> list[PeriodCompleteness]:
        return completeness.completeness_table(locations, template, periods, now)

    found = exports.table_download(request, f"completeness-{region.code}-{template.slug}", {
        "councils": lambda: (_region_columns(periods), region_cells(rows(), overall(), periods)),
    })
    if found is not None:
        return found
    council_rows = rows()
    context = {
        "region": region,
        "templates": templates,
        "template": template,
        "periods": [{"period": p, "label": describe(p)} for p in periods],
        "rows": council_rows,
        "overall": overall(),
        "chart": _heatmap(council_rows, periods, now),
        "can_list_regions": scope.is_admin(request.user),
    }
    return render(request, "oversight/completeness_region.html", context)


def _when(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}" if moment else "Never"


def _reminders_text(row: ChaseRow) -> str:
    parts = []
    for reminder in row.reminders:
        text = f"{reminder.get_kind_display()} on {_when(reminder.created_at)}"
        parts.append(text if reminder.recipients else f"{text} (no e-mail address held)")
    return "; ".join(parts) or "None"


def chase_cells(row: ChaseRow) -> list[str | int]:
    """One row of the chase list, in CHASE_COLUMNS order: the page and the CSV share it."""
    location = row.location
    return [
        location.name, location.cqc_location_id, location.provider.name, row.status,
        row.missed_in_a_row, _when(row.last_return), location.phone,
        ", ".join(line.strip() for line in location.address.splitlines() if line.strip()),
        location.postcode, "; ".join(row.emails), _reminders_text(row),
    ]


def _chase_page_rows(rows: list[ChaseRow]) -> list[dict[str, Any]]:
    link = reverse("location_detail", args=["LOCATION"])
    return [
        {
            "row": row,
            "url": link.replace("LOCATION", row.location.cqc_location_id),
            "address": [line.strip() for line in row.location.address.splitlines() if line.strip()],
            "last_return": _when(row.last_return),
            "reminders": _reminders_text(row),
        }
        for row in rows
    ]


def _period_choices(recent: list[Period], chosen: Period) -> list[dict[str, Any]]:
    periods = recent if chosen in recent else [*recent, chosen]
    return [
        {"start": p.start.isoformat(), "label": describe(p), "selected": p == chosen}
        for p in periods
    ]


def _chase_export(fmt: str, rows: list[ChaseRow], council: Council, template: ReturnTemplate,
                  period: Period) -> HttpResponseBase:
    name = f"chase-{council.gss_code}-{template.slug}-{period.start.isoformat()}"
    return exports.download(fmt, name, CHASE_COLUMNS, (chase_cells(row) for row in rows))


@login_required
def chase(request: HttpRequest, gss_code: str) -> HttpResponseBase:
    council = _council(request, gss_code)
    templates = figures.current_templates()
    template = _template(request, templates)
    now = timezone.now()
    recent = completeness.periods_asked(template, COUNCIL_PERIODS, now)
    period = _period(request, template, recent)
    locations = scope.visible_locations(request.user).filter(council=council)
    rows = completeness.chase_list(locations, template, period, now)
    fmt = exports.wanted_format(request)
    if fmt:
        return _chase_export(fmt, rows, council, template, period)
    context = {
        "council": council,
        "region": council.region,
        "can_open_region": _can_open_region(request, council),
        "templates": templates,
        "template": template,
        "period": period,
        "period_label": describe(period),
        "due": period.due_at <= now,
        "period_choices": _period_choices(recent, period),
        "rows": _chase_page_rows(rows),
        "counts": completeness.period_completeness(locations, template, period, now),
        "often_late": completeness.OFTEN_LATE,
    }
    return render(request, "oversight/completeness_chase.html", context)
