"""Make and store each council's forecasts: the worker refreshes them on a schedule."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from mqis.forecasts.models import Forecast
from mqis.forecasts.series import MEASURES, WEEK, Measure, WeeklySeries, weekly_series
from mqis.registry.models import Council

HORIZON = 12  # weeks ahead stored; the page shows 4, 8 or 12 of them
# The fewest weeks the models can be fitted to, whatever MQIS_FORECAST_MIN_WEEKS says.
FEWEST_WEEKS = 8


def min_weeks() -> int:
    return max(FEWEST_WEEKS, int(settings.MQIS_FORECAST_MIN_WEEKS))


def _weeks(n: int) -> str:
    return "1 week" if n == 1 else f"{n} weeks"


def too_short_message(council: Council, series: WeeklySeries, minimum: int) -> str:
    """Why there is no forecast, in a sentence or two."""
    measure = series.measure
    if series.expected == 0:
        return (f"No {measure.locations} in {council.name} are expected to send returns, "
                "so there is nothing to forecast.")
    needs = f"A forecast needs at least {_weeks(minimum)}, so none is shown."
    if series.usable_weeks == 0:
        return f"There are no returns of {measure.label} for {council.name} yet. {needs}"
    return f"There are only {_weeks(series.usable_weeks)} of returns for {council.name}. {needs}"


def _forecast_fields(series: WeeklySeries, minimum: int) -> dict[str, Any]:
    # statsmodels, pandas and scipy take a second or more to import: only a process that
    # fits a model pays for them, not every page, command and worker round.
    from mqis.forecasts.method import describe, forecast_and_score

    prediction, scored = forecast_and_score(series.values, HORIZON, first=minimum)
    last = series.weeks[-1].start
    points = [[(last + WEEK * (k + 1)).isoformat(), *row] for k, row in enumerate(prediction.rows())]
    return {"status": Forecast.Status.OK, "message": "", "method": describe(prediction.candidate),
            "points": points, "backtest": scored.as_data()}


def refresh_forecast(council: Council, measure: Measure, now: dt.datetime | None = None) -> Forecast:
    """Forecast one measure for one council from its returns, and store it in place of the last."""
    now = now or timezone.now()
    series = weekly_series(council, measure, now)
    minimum = min_weeks()
    fields: dict[str, Any] = {
        "made_at": now, "horizon": HORIZON,
        "history": [[w.start.isoformat(), w.value, w.estimated] for w in series.weeks],
    }
    if series.usable_weeks < minimum:
        fields |= {"status": Forecast.Status.TOO_SHORT, "message": too_short_message(council, series, minimum),
                   "method": "", "points": [], "backtest": {}}
    else:
        fields |= _forecast_fields(series, minimum)
    forecast, _ = Forecast.objects.update_or_create(council=council, measure=measure.key, defaults=fields)
    return forecast


def refresh_all(now: dt.datetime | None = None) -> dict[str, int]:
    """Refresh every measure of every council that has locations."""
    now = now or timezone.now()
    counts = {"made": 0, "too_short": 0}
    for council in Council.objects.filter(locations__isnull=False).distinct().order_by("name"):
        for measure in MEASURES.values():
            forecast = refresh_forecast(council, measure, now)
            counts["made" if forecast.status == Forecast.Status.OK else "too_short"] += 1
    return counts


def current_forecast(council: Council, measure: Measure) -> Forecast:
    """The stored forecast, made now if the worker has not made one yet."""
    found = Forecast.objects.filter(council=council, measure=measure.key).first()
    return found or refresh_forecast(council, measure)
