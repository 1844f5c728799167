"""Dashboards: region → council → location, each scoped by `mqis.accounts.scope`."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from mqis.accounts import scope
from mqis.oversight import figures
from mqis.registry.models import Council, Location, Region
from mqis.returns.models import Period, ReturnChange, ReturnTemplate
from mqis.returns.periods import describe
from mqis.returns.services import history
from mqis.returns.templates import applies_to

HISTORY_LIMIT = 30
DASH = "–"


def pct(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}%"


def number(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def location_table(rows: list[figures.LocationRow]) -> list[dict[str, Any]]:
    """The council's table, formatted here: a Django template is slow over hundreds of rows."""
    link = reverse("location_detail", args=["LOCATION"])
    table = []
    for row in rows:
        latest = row.latest or {}
        has_beds = latest.get("beds_total") is not None
        table.append(
            {
                "url": link.replace("LOCATION", row.location.cqc_location_id),
                "name": row.location.name,
                "provider": row.location.provider.name,
                "reasons": row.reasons,
                "latest": f"{latest['period__start']:%-d %B %Y}" if latest else "None",
                "occupied": (
                    f"{latest['beds_occupied']} of {latest['beds_total']}" if has_beds else DASH
                ),
                "vacant": number(latest.get("beds_vacant")),
                "absence": pct(row.absence_pct),
                "ppe": number(latest.get("ppe_min_days")),
            }
        )
    return table


def chart_data(series: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {
        "dates": [point["start"].isoformat() for point in series],
        "occupancy": [point["occupancy_pct"] for point in series],
        "absence": [point["absence_pct"] for point in series],
    }


def _dashboard(
    locations: Any, templates: list[ReturnTemplate], periods: list[Period], *, wide: bool = False
) -> dict[str, Any]:
    series = figures.time_series(locations, wide=wide)
    return {
        "series": series,
        "chart": chart_data(series),
        "period_label": describe(periods[0]) if periods else "",
        "absence_threshold": figures.ABSENCE_ATTENTION_PCT,
    }


@login_required
def no_role(request: HttpRequest) -> HttpResponse:
    """Signed in, but no role yet: say who can give one."""
    if scope.membership(request.user) is not None:
        return redirect("home")
    return render(request, "oversight/no_role.html")


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    if scope.membership(request.user) is None:
        return redirect("no_role")
    regions = list(scope.visible_regions(request.user).annotate(council_count=Count("councils")))
    if not regions:
        raise PermissionDenied
    return render(request, "oversight/region_list.html", {"regions": regions})


@login_required
def region_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    if not scope.visible_regions(request.user).filter(pk=region.pk).exists():
        raise PermissionDenied
    templates = figures.current_templates()
    periods = figures.current_periods(templates)
    locations = scope.visible_locations(request.user).filter(council__region=region)
    by_council = figures.figures_by(locations, "council_id", templates=templates, periods=periods)
    councils = scope.visible_councils(request.user).filter(region=region)
    rows = [(council, by_council.get(council.pk, figures.Figures())) for council in councils]
    overall = figures.total(by_council.values())
    context = {
        "region": region,
        "rows": rows,
        "figures": overall,
        "can_list_regions": scope.is_admin(request.user),
        **_dashboard(
            locations, templates, periods, wide=overall.locations >= figures.WIDE_SCOPE
        ),
    }
    return render(request, "oversight/region_dashboard.html", context)


@login_required
def council_dashboard(request: HttpRequest, gss_code: str) -> HttpResponse:
    council = get_object_or_404(Council.objects.select_related("region"), gss_code=gss_code)
    if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
        raise PermissionDenied
    templates = figures.current_templates()
    periods = figures.current_periods(templates)
    locations = scope.visible_locations(request.user).filter(council=council)
    context = {
        "council": council,
        "region": council.region,
        "can_open_region": scope.visible_regions(request.user)
        .filter(pk=council.region_id)
        .exists(),
        "figures": figures.figures_for(locations, templates=templates, periods=periods),
        "rows": location_table(figures.location_rows(locations, templates=templates)),
        **_dashboard(locations, templates, periods),
    }
    return render(request, "oversight/council_dashboard.html", context)


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


@login_required
def location_detail(request: HttpRequest, cqc_location_id: str) -> HttpResponse:
    location = get_object_or_404(
        Location.objects.select_related("provider", "council__region"),
        cqc_location_id=cqc_location_id,
    )
    if not scope.can_see_location(request.user, location):
        raise Http404
    templates = figures.current_templates()
    periods = figures.current_periods(templates)
    one = scope.visible_locations(request.user).filter(pk=location.pk)
    rows = figures.location_rows(one, templates=templates)
    council = location.council
    can_submit = scope.can_submit_for(request.user, location)
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
        "row": rows[0] if rows else None,
        "submit_templates": [t for t in templates if applies_to(t, location)] if can_submit else [],
        "history": _history_rows(history(location)[:HISTORY_LIMIT]),
        "history_limit": HISTORY_LIMIT,
        "ratings": [
            ("Overall", location.rating_overall),
            ("Safe", location.rating_safe),
            ("Effective", location.rating_effective),
            ("Caring", location.rating_caring),
            ("Responsive", location.rating_responsive),
            ("Well-led", location.rating_well_led),
        ],
        **_dashboard(one, templates, periods),
    }
    return render(request, "oversight/location_detail.html", context)
