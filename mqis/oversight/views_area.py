"""A provider's area: each council's care homes in aggregate, beside the provider's own."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render

from mqis.accounts import scope
from mqis.accounts.models import Role
from mqis.lib import exports
from mqis.oversight import cache, figures
from mqis.oversight.area import (
    MIN_OTHERS,
    TREND_MEASURES,
    TREND_WEEKS,
    Area,
    area_for,
    latest_table,
    table_key,
    trend_charts,
    trend_table,
)
from mqis.registry.models import Council, Location

Own = QuerySet[Location] | None


def _councils(request: HttpRequest) -> QuerySet[Council]:
    """The councils to show: a provider's area, or the one an administrator names."""
    wanted = request.GET.get("council")
    if scope.is_admin(request.user):
        if not wanted:
            raise PermissionDenied
        councils = scope.visible_councils(request.user).filter(gss_code=wanted)
    elif scope.role_of(request.user) == Role.PROVIDER:
        councils = scope.area_councils(request.user)
        if wanted:
            councils = councils.filter(gss_code=wanted)
    else:
        raise PermissionDenied
    return councils.order_by("name")


def _area(council: Council, own: Own) -> Area:
    templates = figures.current_templates()
    return area_for(council, own, templates, figures.current_periods(templates))


def areas(councils: list[Council], own: Own) -> list[Any]:
    """Each council's comparison and its trend charts: the expensive part of the page."""
    templates = figures.current_templates()
    periods = figures.current_periods(templates)
    found = [area_for(council, own, templates, periods) for council in councils]
    return [(area, trend_charts(area)) for area in found]


def _latest(council: Council, own: Own) -> exports.Table:
    area = _area(council, own)
    if not area.columns:
        raise Http404("Too few homes reported: the page shows no latest figures for this council.")
    return latest_table(area)


def _trend(council: Council, own: Own, measure: str) -> exports.Table:
    return trend_table(_area(council, own), measure)


def _tables(councils: list[Council], own: Own) -> dict[str, Callable[[], exports.Table]]:
    """Each council's tables by download key; only the one asked for is built, live."""
    tables: dict[str, Callable[[], exports.Table]] = {}
    for council in councils:
        tables[table_key("latest", council)] = partial(_latest, council, own)
        for measure in TREND_MEASURES:
            tables[table_key(measure, council)] = partial(_trend, council, own, measure)
    return tables


@login_required
def provider_area(request: HttpRequest) -> HttpResponseBase:
    """How a provider's care homes compare with all care homes in each of its councils."""
    membership = scope.membership(request.user)
    if membership is None:
        return redirect("no_role")
    councils = list(_councils(request))
    if request.GET.get("council") and not councils:
        raise Http404
    own = None if scope.is_admin(request.user) else scope.visible_locations(request.user)
    provider = membership.provider
    name = f"area-{provider.cqc_provider_id}" if provider else "area"
    found = exports.table_download(request, name, _tables(councils, own))
    if found is not None:
        return found
    choice = ",".join(council.gss_code for council in councils)
    context = {
        "areas": cache.cached("area", request.user, choice, lambda: areas(councils, own)),
        "provider": provider,
        "min_others": MIN_OTHERS,
        "trend_weeks": TREND_WEEKS,
        "is_admin": own is None,
    }
    return render(request, "oversight/area.html", context)
