"""The council dashboard: its measures over time and the locations that need attention."""

from collections.abc import Callable
from functools import partial
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from mqis.accounts import scope
from mqis.accounts.scope import AnyUser
from mqis.lib import exports
from mqis.oversight import cache, figures, trends
from mqis.oversight.change import compare_by
from mqis.oversight.measures import DASH, MEASURES, change, show
from mqis.oversight.params import KINDS, RATINGS, WEEK_CHOICES, CouncilChoice, service_types
from mqis.registry.models import Council, Location
from mqis.returns.periods import describe


def number(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _cells(row: figures.LocationRow, link: str, with_reasons: bool) -> str:
    latest = row.latest or {}
    location = row.location
    cells = [
        f'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="'
        f'{escape(link.replace("LOCATION", location.cqc_location_id))}">{escape(location.name)}</a>'
        f'<span class="govuk-body-s govuk-!-display-block govuk-!-margin-0 govuk-!-font-weight-regular">'
        f"{escape(location.provider.name)}</span></th>"
    ]
    if with_reasons:
        reasons = "".join(f'<li class="govuk-!-margin-0"><strong>{escape(r)}</strong></li>' for r in row.reasons)
        cells.append(f'<td class="govuk-table__cell"><ul class="govuk-list govuk-!-font-size-16 govuk-!-margin-0">'
                     f"{reasons}</ul></td>")
    week = f"{latest['period__start']:%-d %B %Y}" if latest else "None"
    cells.append(f'<td class="govuk-table__cell mqis-nowrap">{week}</td>')
    shown = [
        f"{latest['beds_occupied']} of {latest['beds_total']}" if latest.get("beds_total") is not None else DASH,
        number(latest.get("beds_vacant")),
        show(row.absence_pct, "%"),
        number(latest.get("ppe_min_days")),
    ]
    cells += [f'<td class="govuk-table__cell govuk-table__cell--numeric mqis-nowrap">{value}</td>' for value in shown]
    return "".join(cells)


def location_table(rows: list[figures.LocationRow], *, with_reasons: bool) -> str:
    """The table's rows as HTML, built here: a Django template is slow over hundreds of rows."""
    link = reverse("location_detail", args=["LOCATION"])
    html = (f'<tr class="govuk-table__row">{_cells(row, link, with_reasons)}</tr>' for row in rows)
    # Names, providers and reasons are escaped above; the rest are numbers and dates.
    return mark_safe("".join(html))


def _summary(choice: CouncilChoice) -> str:
    """The filters in words: "care homes rated Good"."""
    what = KINDS.get(choice.service, choice.service) or "locations"
    what = what[0].lower() + what[1:] if choice.service in KINDS else what
    if not choice.rating:
        return what
    rating = RATINGS[choice.rating]
    return f"{what} rated {rating}" if rating else f"{what} not yet rated"


def _filters(choice: CouncilChoice, types: list[str]) -> dict[str, Any]:
    """The options of the service and rating filters, as the form shows them."""
    return {
        "filter_summary": _summary(choice),
        "clear_link": choice.link(service="", rating=""),
        "kinds": list(KINDS.items()),
        "service_types": types,
        "ratings": [(key, label or "Not rated") for key, label in RATINGS.items()],
        "week_links": [
            {"weeks": weeks, "label": label, "link": choice.link(weeks=weeks)}
            for weeks, label in WEEK_CHOICES.items()
        ],
    }


def _charts(locations: QuerySet[Location], choice: CouncilChoice, expected: int) -> list[trends.Chart]:
    """The page's charts of these locations over the chosen weeks."""
    series = figures.time_series(locations, choice.weeks)
    return trends.charts(series, expected, WEEK_CHOICES[choice.weeks])


def table_link(choice: CouncilChoice, key: str) -> str:
    """The page's query for this choice with `table=key`, for a download link.

    Built from the choice, not the request: the cache keeps the page's HTML for every URL
    that makes the same choice.
    """
    query = choice.link()
    return f"{query}{'' if query == '?' else '&'}{urlencode({'table': key})}"


def chart_table(user: AnyUser, council: Council, choice: CouncilChoice, key: str) -> exports.Table:
    """One chart's table as a download, from the same figures as the page's chart."""
    locations = choice.apply(scope.visible_locations(user).filter(council=council))
    expected = compare_by(locations, None)[None].now.expected
    chart = next(c for c in _charts(locations, choice, expected) if c.key == key)
    return chart.download()


def council_tables(user: AnyUser, council: Council, choice: CouncilChoice) -> dict[str, Callable[[], exports.Table]]:
    """The charts' tables, each built only when asked for."""
    return {key: partial(chart_table, user, council, choice, key) for key in trends.chart_keys()}


def council_content(user: AnyUser, council: Council, choice: CouncilChoice) -> dict[str, Any]:
    """Everything in the council page's main content: what the cache keeps."""
    templates = figures.current_templates()
    periods = figures.current_periods(templates)
    every = scope.visible_locations(user).filter(council=council)
    locations = choice.apply(every)
    comparison = compare_by(locations, None, templates=templates)[None]
    rows = figures.location_rows(locations, templates=templates, periods=periods)
    attention = [row for row in rows if row.reasons]
    others = [row for row in rows if not row.reasons]
    weeks_label = WEEK_CHOICES[choice.weeks]
    charts = _charts(locations, choice, comparison.now.expected)
    return {
        "council": council,
        "choice": choice,
        "figures": comparison.now,
        "changes": {m.key: change(m, comparison) for m in MEASURES},
        "period_label": describe(periods[0]) if periods else "",
        "absence_threshold": figures.ABSENCE_ATTENTION_PCT,
        "nurse_threshold": figures.NURSE_ABSENCE_ATTENTION_PCT,
        "weeks_label": weeks_label,
        "charts": [(chart, table_link(choice, chart.key)) for chart in charts],
        "charts_data": [chart.as_data() for chart in charts],
        "attention": len(attention),
        "attention_rows": location_table(attention, with_reasons=True),
        "others": len(others),
        "other_rows": location_table(others, with_reasons=False),
        **_filters(choice, service_types(figures.active(every))),
    }


LOCATION_COLUMNS = [
    "Location", "CQC location ID", "Provider", "Needs attention", "Latest return (week starting)",
    "Beds occupied", "Beds", "Vacant beds", "Staff absence (%)", "Fewest days of PPE",
]


def location_cells(row: figures.LocationRow) -> list[Any]:
    """One row of the locations tables as a download, in LOCATION_COLUMNS order."""
    latest = row.latest or {}
    location = row.location
    return [
        location.name, location.cqc_location_id, location.provider.name, "; ".join(row.reasons),
        latest.get("period__start"), latest.get("beds_occupied"), latest.get("beds_total"),
        latest.get("beds_vacant"), row.absence_pct, latest.get("ppe_min_days"),
    ]


def council_export(user: AnyUser, council: Council, choice: CouncilChoice, fmt: str) -> HttpResponseBase:
    """Both locations tables, those needing attention first, exactly as the page lists them."""
    templates = figures.current_templates()
    locations = choice.apply(scope.visible_locations(user).filter(council=council))
    rows = figures.location_rows(locations, templates=templates, periods=figures.current_periods(templates))
    ordered = [row for row in rows if row.reasons] + [row for row in rows if not row.reasons]
    return exports.download(fmt, f"locations-{council.gss_code}", LOCATION_COLUMNS,
                            (location_cells(row) for row in ordered))


@login_required
def council_dashboard(request: HttpRequest, gss_code: str) -> HttpResponseBase:
    council = get_object_or_404(Council.objects.select_related("region"), gss_code=gss_code)
    if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
        raise PermissionDenied
    choice = CouncilChoice.from_query(request.GET)
    # Downloads read live, before the cache. A link without `table=` is the locations tables'.
    fmt = exports.wanted_format(request)
    if fmt and not request.GET.get("table"):
        return council_export(request.user, council, choice, fmt)
    found = exports.table_download(request, f"council-{council.gss_code}",
                                   council_tables(request.user, council, choice))
    if found is not None:
        return found

    def content() -> str:
        return render_to_string("oversight/_council_content.html", council_content(request.user, council, choice))

    context = {
        "council": council,
        "region": council.region,
        "can_open_region": scope.visible_regions(request.user).filter(pk=council.region_id).exists(),
        "content": cache.cached("council", request.user, f"{council.pk}:{choice.key()}", content,
                                council_id=council.pk),
    }
    return render(request, "oversight/council_dashboard.html", context)
