"""The council market view and the methodology page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from mqis.accounts import scope
from mqis.registry.models import Council
from mqis.risk.config import current
from mqis.risk.indicators import REGISTRY
from mqis.risk.market import HIGH_ABOVE, KINDS, MODERATE_FROM, market_view
from mqis.risk.models import Band
from mqis.risk.profile import JUDGEMENT, LOW_COVERAGE, TAG_CLASSES


@login_required
def council_market(request: HttpRequest, gss_code: str) -> HttpResponse:
    council = get_object_or_404(Council.objects.select_related("region"), gss_code=gss_code)
    if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
        raise PermissionDenied
    locations = scope.visible_locations(request.user).filter(council=council)
    kind = request.GET.get("show", "")
    kind = kind if kind in KINDS else ""
    context = {
        "council": council,
        "region": council.region,
        "can_open_region": scope.visible_regions(request.user).filter(pk=council.region_id).exists(),
        "market": market_view(locations, kind),
        "kind": kind,
        "kind_label": KINDS[kind],
        "kinds": list(KINDS.items()),
        "judgement": JUDGEMENT,
        "moderate_from": MODERATE_FROM,
        "high_above": HIGH_ABOVE,
    }
    return render(request, "risk/market.html", context)


@login_required
def method(request: HttpRequest) -> HttpResponse:
    settings = current()
    total = sum(settings.weights.values())
    indicators = [
        {"unit": unit, "weight": settings.weights[key],
         "share": 100.0 * settings.weights[key] / total if total else 0.0}
        for key, unit in REGISTRY.items()
    ]
    bands = [
        (Band.LOW.label, TAG_CLASSES[Band.LOW], f"below {settings.medium_from:g}"),
        (Band.MEDIUM.label, TAG_CLASSES[Band.MEDIUM], f"{settings.medium_from:g} to below {settings.high_from:g}"),
        (Band.HIGH.label, TAG_CLASSES[Band.HIGH], f"{settings.high_from:g} to below {settings.critical_from:g}"),
        (Band.CRITICAL.label, TAG_CLASSES[Band.CRITICAL], f"{settings.critical_from:g} or more"),
    ]
    context = {"indicators": indicators, "bands": bands, "settings": settings, "judgement": JUDGEMENT,
               "low_coverage": LOW_COVERAGE}
    return render(request, "risk/method.html", context)
