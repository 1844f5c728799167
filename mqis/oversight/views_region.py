"""The region dashboard: its councils compared on each measure, in a sortable table and a map."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse

from mqis.accounts import scope
from mqis.accounts.scope import AnyUser
from mqis.lib import exports
from mqis.oversight import cache, figures, maps
from mqis.oversight.change import Comparison, compare_by
from mqis.oversight.measures import BY_KEY, MEASURES, Measure, change
from mqis.oversight.params import ASC, BY_COUNCIL, DESC, RegionChoice
from mqis.registry.models import Council, Region
from mqis.returns.periods import describe

ARIA_SORT = {ASC: "ascending", DESC: "descending"}


def _cells(comparison: Comparison) -> list[dict[str, str]]:
    cells = []
    for measure in MEASURES:
        moved = change(measure, comparison)
        cells.append({"value": measure.shown(comparison.now), "change": moved.shown, "spoken": moved.spoken})
    return cells


def _sorted(rows: list[tuple[Council, Comparison]], choice: RegionChoice) -> list[tuple[Council, Comparison]]:
    """Sorted as chosen; councils without a figure last and ties by name, whichever the order."""
    if choice.sort == BY_COUNCIL:
        return sorted(rows, key=lambda row: row[0].name.lower(), reverse=choice.order == DESC)
    by_name = sorted(rows, key=lambda row: row[0].name.lower())
    measure = BY_KEY[choice.sort]
    known = [row for row in by_name if measure.value(row[1].now) is not None]
    unknown = [row for row in by_name if measure.value(row[1].now) is None]
    # Python's sort is stable, reversed or not: ties keep their name order.
    known.sort(key=lambda row: measure.value(row[1].now) or 0.0, reverse=choice.order == DESC)
    return known + unknown


def _headers(choice: RegionChoice) -> list[dict[str, Any]]:
    columns = [(BY_COUNCIL, "Council")] + [(m.key, m.label) for m in MEASURES]
    return [
        {
            "key": key,
            "label": label,
            "link": choice.sort_link(key),
            "aria_sort": ARIA_SORT[choice.order] if key == choice.sort else "none",
            "arrow": ("▲" if choice.order == ASC else "▼") if key == choice.sort else "",
        }
        for key, label in columns
    ]


def _map(rows: list[tuple[Council, Comparison]], measure: Measure) -> dict[str, Any]:
    link = reverse("council_dashboard", args=["GSS"])
    return maps.choropleth(
        {council.gss_code: measure.value(c.now) for council, c in rows},
        names={council.gss_code: council.name for council, _ in rows},
        # Only councils the viewer may open get a link; the rows are exactly those.
        links={council.gss_code: link.replace("GSS", council.gss_code) for council, _ in rows},
        measure_label=measure.name,
        unit=measure.unit,
        higher_is_worse=measure.higher_is_worse,
        decimals=1 if measure.is_percentage else 0,
    )


@dataclass
class RegionFigures:
    """Each council's figures now and a week ago: what every sort and map of the page share."""

    rows: list[tuple[Council, Comparison]]
    total: Comparison
    period_label: str


def region_figures(user: AnyUser, region: Region) -> RegionFigures:
    templates = figures.current_templates()
    locations = scope.visible_locations(user).filter(council__region=region)
    by_council = compare_by(locations, "council_id", templates=templates)
    empty = Comparison(figures.Figures(), figures.Figures())
    councils = scope.visible_councils(user).filter(region=region)
    rows = [(council, by_council.get(council.pk, empty)) for council in councils]
    total = Comparison(figures.total(c.now for _, c in rows), figures.total(c.before for _, c in rows))
    periods = figures.current_periods(templates)
    return RegionFigures(rows, total, describe(periods[0]) if periods else "")


def region_content(found: RegionFigures, region: Region, choice: RegionChoice) -> dict[str, Any]:
    """Everything in the region page's main content, sorted and mapped as chosen."""
    measure = BY_KEY[choice.measure]
    return {
        "region": region,
        "choice": choice,
        "figures": found.total.now,
        "changes": {m.key: change(m, found.total) for m in MEASURES},
        "period_label": found.period_label,
        "absence_threshold": figures.ABSENCE_ATTENTION_PCT,
        "headers": _headers(choice),
        "rows": [{"council": council, "cells": _cells(c)} for council, c in _sorted(found.rows, choice)],
        "measures": MEASURES,
        "measure": measure,
        "map": _map(found.rows, measure),
    }


def region_export(found: RegionFigures, region: Region, choice: RegionChoice, fmt: str) -> HttpResponseBase:
    """The councils table as a download, sorted as the page is; figures unrounded."""
    header = ["Council", "GSS code", *[m.label + (" (%)" if m.is_percentage else "") for m in MEASURES]]
    rows = ([council.name, council.gss_code, *[m.value(c.now) for m in MEASURES]]
            for council, c in _sorted(found.rows, choice))
    return exports.download(fmt, f"councils-{region.code}", header, rows)


@login_required
def region_dashboard(request: HttpRequest, code: str) -> HttpResponseBase:
    region = get_object_or_404(Region, code=code)
    if not scope.visible_regions(request.user).filter(pk=region.pk).exists():
        raise PermissionDenied
    choice = RegionChoice.from_query(request.GET)
    fmt = exports.wanted_format(request)
    if fmt:
        return region_export(region_figures(request.user, region), region, choice, fmt)

    def content() -> str:
        # Sorting or mapping another measure reuses the figures: only the page is drawn again.
        found = cache.cached("region-figures", request.user, str(region.pk),
                             lambda: region_figures(request.user, region))
        return render_to_string("oversight/_region_content.html", region_content(found, region, choice))

    context = {
        "region": region,
        "can_list_regions": scope.is_admin(request.user),
        "content": cache.cached("region", request.user, f"{region.pk}:{choice.key()}", content),
    }
    return render(request, "oversight/region_dashboard.html", context)
