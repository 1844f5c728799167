"""A location's page: latest figures, every field's history, CQC details and the audit trail."""

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from mqis.accounts import scope
from mqis.alerts.views import location_alerts
from mqis.lib import exports
from mqis.oversight import cache, figures
from mqis.oversight.location_history import (
    WEEK_CHOICES,
    Chart,
    TemplateHistory,
    chart_download,
    chosen_weeks,
    fill_chart,
    location_history,
)
from mqis.registry.models import Location
from mqis.returns.models import ReturnChange, ReturnTemplate
from mqis.returns.periods import describe
from mqis.returns.templates import templates_for
from mqis.risk.profile import band_label, risk_context
from mqis.risk.profile import history as risk_history

HISTORY_LIMIT = 30
CQC_SITE = "https://www.cqc.org.uk"
CHART_KEY = re.compile(r"[a-z0-9-]{1,80}")


def _field_specs(changes: list[ReturnChange]) -> dict[tuple[str, int], dict[str, Any]]:
    """The field definitions of each template version these changes were made with."""
    wanted = {(c.return_obj.period.template_slug, c.template_version) for c in changes}
    which = Q(pk__in=[])
    for slug, version in wanted:
        which |= Q(slug=slug, version=version)
    return {(t.slug, t.version): t.field_map() for t in ReturnTemplate.objects.filter(which)}


def _described(items: list[tuple[str, str, str]], first: bool) -> list[str]:
    """Each changed figure in words: "Occupied beds: 40 → 41" (a first return: "Occupied beds: 40")."""
    if first:
        return [f"{label}: {new}" for label, _, new in items]
    return [f"{label}: {old or 'not given'} → {new or 'not given'}" for label, old, new in items]


def _lines(items: list[tuple[str, str, str]], first: bool) -> str:
    # Hundreds of items on a page: escape them here rather than loop in the template.
    html = (f"<li>{escape(text)}</li>" for text in _described(items, first))
    return mark_safe("".join(html))  # every part is escaped above


def _items(change: ReturnChange, specs: dict[tuple[str, int], dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(label, old, new) of each figure the save changed."""
    fields = specs.get((change.return_obj.period.template_slug, change.template_version), {})
    # In the form's order (PostgreSQL keeps a JSON object's keys in an order of its own).
    order = {key: n for n, key in enumerate(fields)}
    return [
        (fields.get(key, {}).get("label", key), _shown(old), _shown(new))
        for key, (old, new) in sorted(change.diff.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    ]


def _is_first(items: list[tuple[str, str, str]]) -> bool:
    return all(old == "" for _, old, _ in items)


def _history_rows(changes: list[ReturnChange]) -> list[dict[str, Any]]:
    specs = _field_specs(changes)
    rows = []
    for change in changes:
        items = _items(change, specs)
        first = _is_first(items)
        rows.append(
            {
                "change": change,
                "period_label": describe(change.return_obj.period),
                "who": _who(change),
                "first": first,
                "count": len(items),
                "lines": _lines(items, first),
            }
        )
    return rows


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _who(change: ReturnChange) -> str:
    user = change.changed_by
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def all_changes(location: Location) -> QuerySet[ReturnChange]:
    """Every save that changed this location's returns, newest first."""
    return (
        ReturnChange.objects.filter(return_obj__location=location)
        .select_related("return_obj__period", "changed_by")
        .order_by("-changed_at", "-id")
    )


def recent_changes(location: Location) -> list[ReturnChange]:
    """The latest saves that changed this location's returns, newest first."""
    return list(all_changes(location)[:HISTORY_LIMIT])


def _link(weeks: int, chart: str) -> str:
    return f"?{urlencode({'weeks': weeks, 'chart': chart})}"


def _charts(histories: list[TemplateHistory]) -> list[Chart]:
    """Every template's charts; keys carry the template's slug when there are several."""
    charts = []
    for history in histories:
        for chart in history.charts:
            if len(histories) > 1:
                chart.key = f"{history.template.slug}-{chart.key}"
            charts.append(chart)
    return charts


def history_context(
    location: Location, templates: list[ReturnTemplate], weeks: int, chart_key: str
) -> dict[str, Any]:
    """The history table of these weeks and the chosen chart (the first if none is)."""
    histories = location_history(location, templates, weeks)
    charts = _charts(histories)
    chosen = next((c for c in charts if c.key == chart_key), charts[0] if charts else None)
    if chosen is not None:
        owner = next(h for h in histories if chosen in h.charts)
        fill_chart(chosen, owner.columns)
    key = chosen.key if chosen else ""
    return {
        "weeks": weeks,
        "week_links": [(n, _link(n, key)) for n in WEEK_CHOICES],
        "histories": histories,
        "charts": [(c, _link(weeks, c.key)) for c in charts],
        "chart": chosen,
        # Built from the choice, not the request: the cache keeps this HTML for every URL
        # that makes the same choice.
        "chart_download": "?" + urlencode({"weeks": weeks, "chart": key, "table": f"chart-{key}"}),
    }


def figures_context(location: Location, user: Any, weeks: int, chart_key: str) -> dict[str, Any]:
    """The expensive part of the page: latest figures, every field's history, the changes."""
    templates = templates_for(location)
    rows = figures.location_rows(
        scope.visible_locations(user).filter(pk=location.pk), templates=templates
    )
    over_time = history_context(location, templates, weeks, chart_key)
    return {
        "templates": templates,
        "row": rows[0] if rows else None,
        "history": _history_rows(recent_changes(location)),
        # Rendered here, so the cache keeps the HTML: a year's table has ~2,000 cells.
        "history_html": render_to_string("oversight/_location_history.html", over_time),
        "chart": over_time["chart"],
    }


def cqc_details(location: Location) -> dict[str, Any]:
    return {
        "cqc_location_url": f"{CQC_SITE}/location/{location.cqc_location_id}",
        "cqc_provider_url": f"{CQC_SITE}/provider/{location.provider.cqc_provider_id}",
        "ratings": [
            ("Overall", location.rating_overall),
            ("Safe", location.rating_safe),
            ("Effective", location.rating_effective),
            ("Caring", location.rating_caring),
            ("Responsive", location.rating_responsive),
            ("Well-led", location.rating_well_led),
        ],
    }


ALERT_COLUMNS = ["Alert", "Message", "Opened", "Status"]
RISK_COLUMNS = ["Indicator", "Value", "Risk (0 to 1)", "Weight", "Points"]
BAND_COLUMNS = ["When", "From band", "To band", "Score"]
RATING_COLUMNS = ["Key question", "Rating"]
CHANGE_COLUMNS = ["When", "Period", "Who", "How", "What changed"]
BATCH = 500


def alert_rows(user: Any, location: Location) -> list[list[Any]]:
    """The alerts the page lists, open ones first, without the page's limit."""
    every = scope.visible_alerts(user).filter(location=location).count()
    return [
        [alert.rule.name, alert.message, timezone.localtime(alert.opened_at), alert.status]
        for alert in location_alerts(user, location, limit=every)
    ]


def risk_rows(location: Location) -> list[list[Any]]:
    """Each indicator's part of the score, largest first, then the score itself."""
    risk = risk_context(location)
    if risk["risk"] is None:
        return []
    rows = [
        [row["name"], capfirst(row["shown"]) if row["has_data"] else "No data", row["risk"],
         row["weight"], row["points"] if row["has_data"] else None]
        for row in risk["risk_rows"]
    ]
    return [*rows, ["Score", None, None, None, risk["risk"].score]]


def band_rows(location: Location) -> list[list[Any]]:
    """Every change of the risk band, newest first."""
    return [
        [timezone.localtime(change.at), band_label(change.old_band) if change.old_band else None,
         band_label(change.new_band), change.score]
        for change in risk_history(location, limit=None)
    ]


def rating_rows(location: Location) -> list[list[Any]]:
    return [[question, rating or "Not rated"] for question, rating in cqc_details(location)["ratings"]]


def _change_cells(batch: list[ReturnChange]) -> Iterator[list[Any]]:
    specs = _field_specs(batch)
    for change in batch:
        items = _items(change, specs)
        yield [
            timezone.localtime(change.changed_at), describe(change.return_obj.period), _who(change),
            change.get_channel_display(), "; ".join(_described(items, _is_first(items))),
        ]


def change_rows(location: Location) -> Iterator[list[Any]]:
    """Every save that changed the location's returns, newest first: the page shows the latest."""
    batch: list[ReturnChange] = []
    for change in all_changes(location).iterator(chunk_size=BATCH):
        batch.append(change)
        if len(batch) == BATCH:
            yield from _change_cells(batch)
            batch = []
    if batch:
        yield from _change_cells(batch)


def chart_tables(location: Location, weeks: int) -> dict[str, Callable[[], exports.Table]]:
    """Each chart's table, keyed "chart-" and the chart's key, over these weeks."""
    histories = location_history(location, templates_for(location), weeks)
    tables: dict[str, Callable[[], exports.Table]] = {}
    for chart in _charts(histories):
        owner = next(h for h in histories if chart in h.charts)
        tables[f"chart-{chart.key}"] = partial(chart_download, chart, owner.columns)
    return tables


def location_tables(user: Any, location: Location, weeks: int) -> dict[str, Callable[[], exports.Table]]:
    """The page's tables as downloads, each built only when asked for."""
    return {
        "alerts": lambda: (ALERT_COLUMNS, alert_rows(user, location)),
        "risk": lambda: (RISK_COLUMNS, risk_rows(location)),
        "band-history": lambda: (BAND_COLUMNS, band_rows(location)),
        "ratings": lambda: (RATING_COLUMNS, rating_rows(location)),
        "changes": lambda: (CHANGE_COLUMNS, change_rows(location)),
        **chart_tables(location, weeks),
    }


def download(request: HttpRequest, location: Location, weeks: int) -> HttpResponseBase | None:
    """A table of the page as a download, or None when none is asked for.

    A link with `template=` and no `table=` is the history table's (see history_export).
    """
    fmt = exports.wanted_format(request)
    if fmt is None:
        return None
    if not request.GET.get("table"):
        return history_export(location, weeks, request.GET.get("template", ""), fmt)
    return exports.table_download(
        request, f"location-{location.cqc_location_id}", location_tables(request.user, location, weeks)
    )


def history_export(location: Location, weeks: int, slug: str, fmt: str) -> HttpResponseBase:
    """One return's "every figure" table, newest week first, as the page shows it."""
    histories = location_history(location, templates_for(location), weeks)
    history = next((h for h in histories if h.template.slug == slug), None)
    if history is None:
        raise Http404("This location sends no such return")
    header = ["Section", "Figure", *[c.start for c in history.columns]]
    rows = [["", "Return sent", *[c.sent_label for c in history.columns]]]
    rows += [[section.name, row.label, *row.cells] for section in history.sections for row in section.rows]
    return exports.download(fmt, f"history-{location.cqc_location_id}-{slug}-{weeks}-weeks", header, rows)


@login_required
def location_detail(request: HttpRequest, cqc_location_id: str) -> HttpResponseBase:
    location = get_object_or_404(
        Location.objects.select_related("provider", "council__region"),
        cqc_location_id=cqc_location_id,
    )
    if not scope.can_see_location(request.user, location):
        raise Http404
    weeks = chosen_weeks(request.GET.get("weeks"))
    found = download(request, location, weeks)
    if found is not None:
        return found
    chart = request.GET.get("chart", "")
    chart = chart if CHART_KEY.fullmatch(chart) else ""
    content = cache.cached(
        "location", request.user, f"{location.pk}:{weeks}:{chart}",
        lambda: figures_context(location, request.user, weeks, chart),
    )
    council = location.council
    context = {
        "location": location,
        "council": council,
        "region": council.region if council else None,
        "can_open_council": bool(
            council and scope.visible_councils(request.user).filter(pk=council.pk).exists()
        ),
        "can_open_region": bool(
            council and scope.visible_regions(request.user).filter(pk=council.region_id).exists()
        ),
        "absence_threshold": figures.ABSENCE_ATTENTION_PCT,
        "can_submit": scope.can_submit_for(request.user, location),
        "history_limit": HISTORY_LIMIT,
        # Outside the cache: acknowledging an alert must show at once.
        "alerts_enabled": True,
        "location_alerts": location_alerts(request.user, location),
        # Outside the cache too: the worker re-scores on a schedule, not only when a return changes.
        **risk_context(location),
        **cqc_details(location),
        **content,
    }
    return render(request, "oversight/location_detail.html", context)
