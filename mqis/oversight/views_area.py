"""A provider's area: each council's care homes in aggregate, beside the provider's own."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mqis.accounts import scope
from mqis.accounts.models import Role
from mqis.oversight import cache, figures
from mqis.oversight.area import MIN_OTHERS, TREND_WEEKS, area_for, trend_charts
from mqis.registry.models import Council, Location


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


def areas(councils: list[Council], own: QuerySet[Location] | None) -> list[Any]:
    """Each council's comparison and its trend charts: the expensive part of the page."""
    templates = figures.current_templates()
    periods = figures.current_periods(templates)
    found = [area_for(council, own, templates, periods) for council in councils]
    return [(area, trend_charts(area)) for area in found]


@login_required
def provider_area(request: HttpRequest) -> HttpResponse:
    """How a provider's care homes compare with all care homes in each of its councils."""
    membership = scope.membership(request.user)
    if membership is None:
        return redirect("no_role")
    councils = list(_councils(request))
    if request.GET.get("council") and not councils:
        raise Http404
    own = None if scope.is_admin(request.user) else scope.visible_locations(request.user)
    choice = ",".join(council.gss_code for council in councils)
    context = {
        "areas": cache.cached("area", request.user, choice, lambda: areas(councils, own)),
        "provider": membership.provider,
        "min_others": MIN_OTHERS,
        "trend_weeks": TREND_WEEKS,
        "is_admin": own is None,
    }
    return render(request, "oversight/area.html", context)
