"""The council market view and the methodology page, each with its tables as downloads."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.text import capfirst

from mqis.accounts import scope
from mqis.lib import exports
from mqis.registry.models import Council
from mqis.risk import market
from mqis.risk.config import Settings, current
from mqis.risk.indicators import REGISTRY
from mqis.risk.market import HIGH_ABOVE, KINDS, MODERATE_FROM, headline_figures, market_view
from mqis.risk.models import Band
from mqis.risk.profile import JUDGEMENT, LOW_COVERAGE, TAG_CLASSES


@login_required
def council_market(request: HttpRequest, gss_code: str) -> HttpResponseBase:
    council = get_object_or_404(Council.objects.select_related("region"), gss_code=gss_code)
    if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
        raise PermissionDenied
    locations = scope.visible_locations(request.user).filter(council=council)
    kind = request.GET.get("show", "")
    kind = kind if kind in KINDS else ""
    found = exports.table_download(request, f"market-{council.gss_code}", market.tables(locations, kind))
    if found is not None:
        return found
    view = market_view(locations, kind)
    context = {
        "council": council,
        "region": council.region,
        "can_open_region": scope.visible_regions(request.user).filter(pk=council.region_id).exists(),
        "market": view,
        "figures": headline_figures(view),
        "watch_limit": market.WATCH_LIMIT,
        "kind": kind,
        "kind_label": KINDS[kind],
        "kinds": list(KINDS.items()),
        "judgement": JUDGEMENT,
        "moderate_from": MODERATE_FROM,
        "high_above": HIGH_ABOVE,
    }
    return render(request, "risk/market.html", context)


WEIGHT_HEADER = ["Indicator", "Measured in", "Weight", "Share of all weights (%)"]
BAND_HEADER = ["Band", "Score from", "Score below"]


def weight_rows(settings: Settings) -> list[dict[str, Any]]:
    """Each indicator with its weight and that weight's per cent of all the weights."""
    total = sum(settings.weights.values())
    return [
        {"unit": unit, "weight": settings.weights[key],
         "share": 100.0 * settings.weights[key] / total if total else 0.0}
        for key, unit in REGISTRY.items()
    ]


def band_rows(settings: Settings) -> list[tuple[Band, float, float | None]]:
    """Each band with the lowest score in it and the score it stops below (None: no limit)."""
    lows = [0.0, settings.medium_from, settings.high_from, settings.critical_from]
    belows: list[float | None] = [*lows[1:], None]
    return list(zip(Band, lows, belows, strict=True))


def band_scores(low: float, below: float | None) -> str:
    """As the page says it: "below 25", "25 to below 50", "75 or more"."""
    if not low:
        return f"below {below:g}"
    return f"{low:g} or more" if below is None else f"{low:g} to below {below:g}"


def method_tables(settings: Settings) -> dict[str, Callable[[], exports.Table]]:
    return {
        "weights": lambda: (WEIGHT_HEADER, [[r["unit"].name, capfirst(r["unit"].unit), r["weight"], r["share"]]
                                            for r in weight_rows(settings)]),
        "bands": lambda: (BAND_HEADER, [[band.label, low, below] for band, low, below in band_rows(settings)]),
    }


@login_required
def method(request: HttpRequest) -> HttpResponseBase:
    settings = current()
    found = exports.table_download(request, "risk-method", method_tables(settings))
    if found is not None:
        return found
    bands = [(band.label, TAG_CLASSES[band], band_scores(low, below)) for band, low, below in band_rows(settings)]
    context = {"indicators": weight_rows(settings), "bands": bands, "settings": settings, "judgement": JUDGEMENT,
               "low_coverage": LOW_COVERAGE}
    return render(request, "risk/method.html", context)
