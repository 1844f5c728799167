"""What the forecast page says: the accuracy in plain English, the chart's data, the tables."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mqis.forecasts.backtest import BACKTEST_WEEKS, SEASON
from mqis.forecasts.models import Forecast
from mqis.forecasts.series import Measure

WEEK_CHOICES = (4, 8, 12)
DEFAULT_WEEKS = 12


def amount(value: float, unit: str) -> str:
    """'47 beds', '1 bed', '3,414 hours'."""
    n = round(value)
    return f"{n:,} {unit[:-1] if n == 1 else unit}"


def week_label(iso: str) -> str:
    return f"{dt.date.fromisoformat(iso):%-d %B %Y}"


def baseline_name(season: int) -> str:
    return "the same as the same week a year before" if season == SEASON else "the same as the last week"


def baseline_why(season: int) -> str:
    """Which simple forecast the method is compared with, and why that one."""
    if season == SEASON:
        return ("The simple forecast ‘the same as the same week a year before’, as there are two years "
                "of returns or more.")
    return ("The simple forecast ‘the same as the last week’. With fewer than two years of returns, "
            "there are too few to compare with last year's figure for the same week.")


@dataclass(frozen=True)
class Accuracy:
    """The backtest in sentences; `summary` is None when there was nothing to test on."""

    summary: str | None
    baseline: str | None
    verdict: str | None
    how: str


def accuracy(forecast: Forecast, measure: Measure, minimum: int) -> Accuracy:
    scores = forecast.backtest
    h = scores.get("horizon", BACKTEST_WEEKS)
    if not scores.get("origins"):
        need = minimum + h
        how = (f"Its accuracy is tested on the past once there are {need} weeks of returns: a forecast made "
               f"from each earlier week is compared with what came in {h} weeks later.")
        return Accuracy(None, None, None, how)
    unit = measure.unit
    method_mase, base_mase = scores["mase_method"], scores["mase_baseline"]
    summary = (f"Accuracy over the past: on average the forecast {h} weeks ahead was off by "
               f"{amount(scores['mae_method'], unit)}{_mase(method_mase)}.")
    baseline = (f"The simple forecast, ‘{baseline_name(scores['season'])}’, was off by "
                f"{amount(scores['mae_baseline'], unit)}{_mase(base_mase)}. Lower is better.")
    how = (f"Tested on {scores['origins']} past weeks: each time, a forecast was made from the returns up to "
           f"that week and compared with what came in {h} weeks later.")
    return Accuracy(summary, baseline, _verdict(method_mase, base_mase), how)


def _mase(value: float | None) -> str:
    return "" if value is None else f" (MASE {value:.2f})"


def _verdict(method: float | None, baseline: float | None) -> str:
    if method is None or baseline is None:
        return "The figures hardly changed over the past weeks, so the errors cannot be scored."
    if method < baseline:
        return "Over the past, this forecast did better than the simple one."
    if method == baseline:
        return "Over the past, this forecast did as well as the simple one, and no better."
    return "Over the past, the simple forecast did better than this one: use this forecast with care."


def forecast_rows(forecast: Forecast, weeks: int) -> list[dict[str, str]]:
    """The table of weeks ahead: week, forecast, 80% range, 95% range (short, to fit a phone)."""
    rows = []
    for week, mean, lo80, hi80, lo95, hi95 in forecast.points[:weeks]:
        rows.append({"week": f"{dt.date.fromisoformat(week):%-d %b %Y}", "mean": f"{round(mean):,}",
                     "range80": f"{round(lo80):,} to {round(hi80):,}",
                     "range95": f"{round(lo95):,} to {round(hi95):,}"})
    return rows


def history_rows(forecast: Forecast, unit: str) -> list[dict[str, Any]]:
    """The weeks drawn, newest first."""
    return [{"week": week_label(week), "value": amount(value, unit), "estimated": estimated}
            for week, value, estimated in reversed(forecast.history)]


def chart_data(forecast: Forecast, weeks: int, measure: Measure) -> dict[str, Any]:
    """What forecasts/forecast.js draws. The forecast starts at the last week drawn, so the lines join."""
    history = forecast.history
    points = forecast.points[:weeks]
    last_week, last_value = history[-1][0], history[-1][1]
    ahead = [[last_week, last_value, last_value, last_value, last_value, last_value], *points]
    columns = list(zip(*ahead, strict=True))
    return {
        "unit": measure.unit,
        "label": measure.label[0].upper() + measure.label[1:],
        "history": {"dates": [h[0] for h in history], "values": [h[1] for h in history]},
        "forecast": {"dates": list(columns[0]), "mean": list(columns[1]), "lo80": list(columns[2]),
                     "hi80": list(columns[3]), "lo95": list(columns[4]), "hi95": list(columns[5])},
    }
