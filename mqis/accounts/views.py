from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from mqis.accounts.models import Role
from mqis.accounts.scope import membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the page that starts their day."""
    m = membership(request.user)
    if m is None:
        return redirect("no_role")
    if m.role == Role.PROVIDER:
        return redirect("provider_home")
    if m.role == Role.COUNCIL and m.council is not None:
        return redirect("council_dashboard", gss_code=m.council.gss_code)
    if m.role == Role.REGION and m.region is not None:
        return redirect("region_dashboard", code=m.region.code)
    return redirect("region_list")
