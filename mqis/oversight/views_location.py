"""A location's page: latest figures, every field's history, CQC details and the audit trail."""

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from mqis.accounts import scope
from mqis.alerts.views import location_alerts
from mqis.lib import exports
from mqis.oversight import cache, figures
from mqis.oversight.location_history import (
    WEEK_CHOICES,
    Chart,
    TemplateHistory,
    chosen_weeks,
    fill_chart,
    location_history,
)
from mqis.registry.models import Location
from mqis.returns.models import ReturnChange, ReturnTemplate
from mqis.returns.periods import describe
from mqis.returns.templates import templates_for
from mqis.risk.profile import risk_context

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


def _lines(items: list[tuple[str, str, str]], first: bool) -> str:
    # Hundreds of items on a page: escape them here rather than loop in the template.
    if first:
        html = (f"<li>{escape(label)}: {escape(new)}</li>" for label, _, new in items)
    else:
        html = (
            f"<li>{escape(label)}: {escape(old or 'not given')} → {escape(new or 'not given')}</li>"
            for label, old, new in items
        )
    return mark_safe("".join(html))  # every part is escaped above


def _history_rows(changes: list[ReturnChange]) -> list[dict[str, Any]]:
    specs = _field_specs(changes)
    rows = []
    for change in changes:
        fields = specs.get((change.return_obj.period.template_slug, change.template_version), {})
        items = [
            (fields.get(key, {}).get("label", key), _shown(old), _shown(new))
            for key, (old, new) in change.diff.items()
        ]
        first = all(old == "" for _, old, _ in items)
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


def recent_changes(location: Location) -> list[ReturnChange]:
    """The latest saves that changed this location's returns, newest first."""
    return list(
        ReturnChange.objects.filter(return_obj__location=location)
        .select_related("return_obj__period", "changed_by")
        .order_by("-changed_at", "-id")[:HISTORY_LIMIT]
    )


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


def history_export(location: Location, weeks: int, slug: str, fmt: str) -> HttpResponseBase:
    """One return's "every figure" table, newest week first, as the page shows it."""
    histories = location_history(location, templates_for(location), weeks)
    history = next((h for h in histories if h.template.slug == slug), None)
    if history is None:
        raise Http404("This location sends no such return")
    header = ["Section", "Figure", *[c.start for c in history.columns]]
    rows = [["", "Return sent", *[c.status + (" (late)" if c.late else "") for c in history.columns]]]
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
    fmt = exports.wanted_format(request)
    if fmt:
        return history_export(location, weeks, request.GET.get("template", ""), fmt)
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
