"""Where a signed-in user starts: the regions they may open, or why they see nothing.

The dashboards themselves are in views_region (region), views_council (council) and
views_location (location), each scoped by `mqis.accounts.scope`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from mqis.accounts import scope
from mqis.lib import exports


@login_required
def no_role(request: HttpRequest) -> HttpResponse:
    """Signed in, but no role yet: say who can give one."""
    if scope.membership(request.user) is not None:
        return redirect("home")
    return render(request, "oversight/no_role.html")


@login_required
def region_list(request: HttpRequest) -> HttpResponseBase:
    if scope.membership(request.user) is None:
        return redirect("no_role")
    # Ordered here: a query with GROUP BY does not use the model's own ordering.
    regions = list(scope.visible_regions(request.user).annotate(council_count=Count("councils")).order_by("name"))
    if not regions:
        raise PermissionDenied
    found = exports.table_download(request, "regions", {
        "list": lambda: (["Region", "ONS code", "Councils"],
                         [[r.name, r.code, r.council_count] for r in regions]),
    })
    if found is not None:
        return found
    return render(request, "oversight/region_list.html", {"regions": regions})
