"""What the forecast page says: the accuracy in plain English, the chart's data, the tables."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mqis.forecasts.backtest import BACKTEST_WEEKS, SEASON
from mqis.forecasts.models import Forecast
from mqis.forecasts.series import Measure
from mqis.lib.exports import Table

WEEK_CHOICES = (4, 8, 12)
DEFAULT_WEEKS = 12


def amount(value: float, unit: str) -> str:
    """'47 beds', '1 bed', '3,414 hours'."""
    n = round(value)
    return f"{n:,} {unit[:-1] if n == 1 else unit}"


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


def forecast_header(unit: str) -> list[str]:
    return ["Week starting", f"Forecast ({unit})", f"80% range from ({unit})", f"80% range to ({unit})",
            f"95% range from ({unit})", f"95% range to ({unit})"]


def forecast_table(forecast: Forecast, weeks: int) -> list[list[Any]]:
    """The weeks ahead as stored: week, forecast, 80% range, 95% range, unrounded."""
    return [[dt.date.fromisoformat(week), *values] for week, *values in forecast.points[:weeks]]


def forecast_rows(forecast: Forecast, weeks: int) -> list[dict[str, str]]:
    """The table of weeks ahead: week, forecast, 80% range, 95% range (short, to fit a phone)."""
    rows = []
    for week, mean, lo80, hi80, lo95, hi95 in forecast_table(forecast, weeks):
        rows.append({"week": f"{week:%-d %b %Y}", "mean": f"{round(mean):,}",
                     "range80": f"{round(lo80):,} to {round(hi80):,}",
                     "range95": f"{round(lo95):,} to {round(hi95):,}"})
    return rows


def history_header(unit: str) -> list[str]:
    return ["Week starting", f"Total ({unit})", "Estimated"]


def history_table(forecast: Forecast) -> list[list[Any]]:
    """The weeks drawn, newest first: week, total, and whether it was estimated ("Yes" or "No")."""
    return [[dt.date.fromisoformat(week), value, "Yes" if estimated else "No"]
            for week, value, estimated in reversed(forecast.history)]


def history_rows(forecast: Forecast, unit: str) -> list[dict[str, Any]]:
    """The weeks drawn, newest first."""
    return [{"week": f"{week:%-d %B %Y}", "value": amount(value, unit), "estimated": estimated == "Yes"}
            for week, value, estimated in history_table(forecast)]


def accuracy_header(unit: str) -> list[str]:
    return ["Forecast", "Weeks ahead", "Past weeks tested", f"Average error ({unit})", "MASE"]


def accuracy_table(forecast: Forecast) -> list[list[Any]]:
    """The backtest, the method beside the simple forecast; no rows when nothing was tested."""
    scores = forecast.backtest
    if not scores.get("origins"):
        return []
    tested = [scores["horizon"], scores["origins"]]
    return [["This forecast", *tested, scores["mae_method"], scores["mase_method"]],
            [f"The simple forecast, ‘{baseline_name(scores['season'])}’", *tested, scores["mae_baseline"],
             scores["mase_baseline"]]]


def accuracy_rows(forecast: Forecast, unit: str) -> list[dict[str, str]]:
    """The accuracy table as the page shows it: error in whole units, MASE to 2 places."""
    return [{"name": name, "error": amount(error, unit), "mase": "–" if mase is None else f"{mase:.2f}"}
            for name, _, _, error, mase in accuracy_table(forecast)]


def tables(forecast: Forecast, weeks: int, measure: Measure) -> dict[str, Callable[[], Table]]:
    """The page's tables for `exports.table_download`: none when there is no forecast to show."""
    if forecast.status != Forecast.Status.OK:
        return {}
    unit = measure.unit
    found: dict[str, Callable[[], Table]] = {
        "weeks-ahead": lambda: (forecast_header(unit), forecast_table(forecast, weeks)),
        "history": lambda: (history_header(unit), history_table(forecast)),
    }
    if accuracy_table(forecast):
        found["accuracy"] = lambda: (accuracy_header(unit), accuracy_table(forecast))
    return found


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
