"""The forecast page of a council: scoped by `mqis.accounts.scope` like every dashboard."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from mqis.accounts import scope
from mqis.forecasts import presentation as show
from mqis.forecasts.models import Forecast
from mqis.forecasts.series import MEASURES
from mqis.forecasts.services import current_forecast, min_weeks
from mqis.lib import exports
from mqis.registry.models import Council

DEFAULT_MEASURE = "occupied"


def _choice(request: HttpRequest) -> tuple[str, int]:
    """The measure and weeks ahead in the URL; anything unknown falls back to the defaults."""
    measure = request.GET.get("measure", DEFAULT_MEASURE)
    weeks = request.GET.get("weeks", "")
    return (
        measure if measure in MEASURES else DEFAULT_MEASURE,
        int(weeks) if weeks in {str(w) for w in show.WEEK_CHOICES} else show.DEFAULT_WEEKS,
    )


def _links(council: Council, measure: str, weeks: int) -> dict[str, list[dict[str, object]]]:
    base = reverse("council_forecast", args=[council.gss_code])
    return {
        "measure_links": [
            {"label": label, "link": f"{base}?measure={key}&weeks={weeks}", "current": key == measure}
            for key, label in Forecast.Measure.choices
        ],
        "week_links": [
            {"label": f"{w} weeks", "link": f"{base}?measure={measure}&weeks={w}", "current": w == weeks}
            for w in show.WEEK_CHOICES
        ],
    }


@login_required
def council_forecast(request: HttpRequest, gss_code: str) -> HttpResponseBase:
    council = get_object_or_404(Council.objects.select_related("region"), gss_code=gss_code)
    if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
        raise PermissionDenied
    key, weeks = _choice(request)
    measure = MEASURES[key]
    forecast = current_forecast(council, measure)
    found = exports.table_download(request, f"forecast-{council.gss_code}-{key}",
                                   show.tables(forecast, weeks, measure))
    if found is not None:
        return found
    context: dict[str, object] = {
        "council": council,
        "region": council.region,
        "can_open_region": scope.visible_regions(request.user).filter(pk=council.region_id).exists(),
        "measure": measure,
        "title": Forecast.Measure(key).label,
        "weeks": weeks,
        "forecast": forecast,
        "refresh_hours": round(settings.MQIS_FORECAST_REFRESH_SECONDS / 3600),
        **_links(council, key, weeks),
    }
    if forecast.status == Forecast.Status.OK:
        scores = forecast.backtest
        context |= {
            "accuracy": show.accuracy(forecast, measure, min_weeks()),
            "accuracy_rows": show.accuracy_rows(forecast, measure.unit),
            "baseline_why": show.baseline_why(scores.get("season", 1)),
            "rows": show.forecast_rows(forecast, weeks),
            "history_rows": show.history_rows(forecast, measure.unit),
            "estimated": any(h[2] for h in forecast.history),
            "chart": show.chart_data(forecast, weeks, measure),
        }
    return render(request, "forecasts/council_forecast.html", context)
