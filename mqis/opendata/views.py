"""The public open data: a page, each of its tables as CSV or XLSX, and the CSV of every row,
for anyone, signed in or not."""

import csv
import datetime as dt
import io
from collections.abc import Callable
from functools import partial

from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from mqis.lib import exports
from mqis.opendata import tables
from mqis.opendata.tables import ALL_NAME, CONFIDENTIAL, MEASURES, NOT_APPLICABLE, Cell, Publication, PublishedRow
from mqis.oversight.views_completeness import neutralise
from mqis.returns.models import Period
from mqis.returns.periods import describe

SYMBOLS = {CONFIDENTIAL: "confidential", NOT_APPLICABLE: "not applicable"}
CSV_AREA_COLUMNS = ["area_type", "area_code", "area_name", "region_code", "region_name", "week_start", "week_end"]


def shown(cell: Cell) -> str:
    """A cell as the page shows it: whole numbers with thousands separators."""
    if isinstance(cell, float):
        return f"{cell:.1f}"
    if isinstance(cell, int):
        return str(intcomma(cell))
    return cell


def _row(published: PublishedRow) -> dict[str, object]:
    cells = [{"text": shown(cell), "title": SYMBOLS.get(cell) if isinstance(cell, str) else None}
             for cell in published.cells]
    return {"row": published.row, "cells": cells}


def _figure(cell: Cell) -> Cell:
    """A published cell in a download: a number, or its symbol ("[c]", "[z]"); occupancy to 1 place."""
    return round(cell, 1) if isinstance(cell, float) else cell


def _download(first_heading: str, rows: list[tuple[str, PublishedRow]]) -> exports.Table:
    """A page table's download: its headings and each row's published cells, as the page shows them."""
    return [first_heading, *(m.label for m in MEASURES)], [[name, *map(_figure, r.cells)] for name, r in rows]


def region_key(code: str) -> str:
    """A region's table's key: "region-e12000002"."""
    return f"region-{code.lower()}"


def downloads(publication: Publication) -> dict[str, Callable[[], exports.Table]]:
    """The page's tables by key: "all-regions", then each region's councils with its total."""
    found: dict[str, Callable[[], exports.Table]] = {}
    if publication.total is not None:
        found["all-regions"] = partial(_download, "Area", [(ALL_NAME, publication.total)])
    for region in publication.regions:
        rows = [(c.row.name, c) for c in region.councils] + [(f"Total for {region.name}", region.total)]
        found[region_key(region.code)] = partial(_download, "Council", rows)
    return found


@require_safe
def open_data(request: HttpRequest) -> HttpResponseBase:
    publication = tables.cached_current()
    week = publication.week
    start = week.start.isoformat() if week else "none"
    found = exports.table_download(request, f"mqis-open-data-{start}", downloads(publication))
    if found is not None:
        return found
    return render(request, "opendata/open_data.html", {
        "publication": publication,
        "week_label": describe(Period(start=week.start, end=week.end)) if week else "",
        "due_at": timezone.localtime(week.due_at) if week else None,
        # A week closes at midnight: say which day is its last.
        "last_day": (timezone.localtime(week.closes_at) - dt.timedelta(microseconds=1)).date() if week else None,
        "generated_at": timezone.localtime(publication.generated_at),
        "measures": MEASURES,
        "total": _row(publication.total) if publication.total else None,
        "regions": [
            {"code": r.code, "key": region_key(r.code), "name": r.name,
             "councils": [_row(c) for c in r.councils], "total": _row(r.total)}
            for r in publication.regions
        ],
    })


def csv_text(publication: Publication) -> str:
    """The published cells, one row per council, region and the overall total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_AREA_COLUMNS + [m.key for m in MEASURES])
    week = publication.week
    for published in publication.rows():
        row = published.row
        area = [row.kind, row.code if row.kind != "total" else "", row.name, row.region_code, row.region_name,
                week.start.isoformat() if week else "", week.end.isoformat() if week else ""]
        writer.writerow([neutralise(cell) for cell in area + [_csv_cell(c) for c in published.cells]])
    return out.getvalue()


def _csv_cell(cell: Cell) -> str:
    return f"{cell:.1f}" if isinstance(cell, float) else str(cell)


@require_safe
def councils_csv(request: HttpRequest) -> HttpResponse:
    publication = tables.cached_current()
    response = HttpResponse("\ufeff" + csv_text(publication), content_type="text/csv; charset=utf-8")
    start = publication.week.start.isoformat() if publication.week else "none"
    response["Content-Disposition"] = f'attachment; filename="mqis-open-data-councils-{start}.csv"'
    return response
