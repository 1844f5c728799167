"""The forecasting method: exponential smoothing (ETS) from statsmodels, chosen by AICc.

Pure numbers in, numbers out: nothing here knows about councils or returns. Two
additive-error models with an additive trend are fitted, one with the trend damped, and
the one with the lower AICc is used; its prediction intervals are statsmodels' exact
ones. A model with no trend is not a candidate: fitted to a few months of figures it
often settles on their long-run average, which lags any change, and a strongly damped
trend covers a flat series.
"""

import functools
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from threadpoolctl import ThreadpoolController

from mqis.forecasts.backtest import Backtest, backtest

# Two-sided normal quantiles for the 80% and 95% intervals.
LEVELS = {80: 0.2, 95: 0.05}


@dataclass(frozen=True)
class Candidate:
    key: str
    trend: str | None
    damped: bool
    description: str


CANDIDATES = (
    Candidate("trend", "add", False, "exponential smoothing (ETS) with a trend"),
    Candidate("damped", "add", True, "exponential smoothing (ETS) with a damped trend"),
)
FLAT = Candidate("flat", None, False, "no change: the figure was the same every week")


@functools.cache
def _threads() -> ThreadpoolController:
    """Finds the loaded BLAS libraries once: looking is slower than a fit."""
    return ThreadpoolController()


@dataclass(frozen=True)
class Prediction:
    """Forecasts for the next steps: the mean and the 80% and 95% intervals (never below zero)."""

    candidate: Candidate
    mean: list[float]
    lo80: list[float]
    hi80: list[float]
    lo95: list[float]
    hi95: list[float]

    def rows(self) -> list[tuple[float, float, float, float, float]]:
        return list(zip(self.mean, self.lo80, self.hi80, self.lo95, self.hi95, strict=True))


class Forecaster:
    """Fits the candidates to a history and forecasts from the best, by AICc.

    Keeps each candidate's last parameters to start the next fit from them: in a
    rolling-origin backtest the histories grow a week at a time, so the next fit
    converges in a few steps.
    """

    def __init__(self, candidates: Sequence[Candidate] = CANDIDATES):
        self.candidates = tuple(candidates)
        self._last: dict[str, np.ndarray] = {}

    def best(self, history: Sequence[float]) -> tuple[Candidate, Any]:
        y = pd.Series(np.asarray(history, dtype=float))
        if np.ptp(y.to_numpy()) == 0:
            return FLAT, None
        fitted = []
        for candidate in self.candidates:
            result = self._fit(y, candidate)
            if result is not None:
                fitted.append((result.aicc, candidate, result))
        if not fitted:
            return FLAT, None
        _aicc, candidate, result = min(fitted, key=lambda item: item[0])
        return candidate, result

    def predict(self, history: Sequence[float], steps: int) -> Prediction:
        candidate, result = self.best(history)
        if result is None:
            return _flat(history[-1], steps)
        n = len(history)
        prediction = result.get_prediction(start=n, end=n + steps - 1)
        # Beds and hours are never negative: clip the mean and the ranges at zero.
        low: dict[int, list[float]] = {}
        high: dict[int, list[float]] = {}
        for level, alpha in LEVELS.items():
            frame = prediction.summary_frame(alpha=alpha)
            low[level], high[level] = _tidy(frame["pi_lower"]), _tidy(frame["pi_upper"])
        mean = _tidy(prediction.predicted_mean)
        return Prediction(candidate, mean, low[80], high[80], low[95], high[95])

    def point(self, history: Sequence[float], steps: int) -> list[float]:
        """Point forecasts only (no intervals: quicker), for the backtest."""
        _candidate, result = self.best(history)
        if result is None:
            return [float(history[-1])] * steps
        return [max(float(v), 0.0) for v in result.forecast(steps)]

    def _fit(self, y: pd.Series, candidate: Candidate) -> Any:
        model = ETSModel(y, error="add", trend=candidate.trend, damped_trend=candidate.damped)
        start = self._last.get(candidate.key)
        # One BLAS thread: these matrices are tiny, and OpenBLAS's threads, fighting for two
        # busy cores, made each fit forty times slower.
        with _threads().limit(limits=1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = model.fit(disp=False, start_params=start if start is not None else None)
            except (ValueError, np.linalg.LinAlgError):
                return None
        if not np.isfinite(result.aicc):
            return None
        self._last[candidate.key] = np.asarray(result.params)
        return result


def forecast_and_score(history: Sequence[float], steps: int, first: int) -> tuple[Prediction, Backtest]:
    """Forecast `steps` weeks ahead, and backtest the chosen model from week `first` on.

    The backtest refits the chosen form (its parameters re-estimated at each origin from
    the weeks before it): it measures the model that draws the line.
    """
    prediction = Forecaster().predict(history, steps)
    chosen = prediction.candidate
    refit = Forecaster([chosen] if chosen in CANDIDATES else CANDIDATES)
    return prediction, backtest(history, refit.point, first=first)


def describe(candidate: Candidate) -> str:
    """The method in words, naming the library for the ETS models."""
    return f"{candidate.description}, from statsmodels" if candidate in CANDIDATES else candidate.description


def _flat(value: float, steps: int) -> Prediction:
    same = [round(float(value), 1)] * steps
    return Prediction(FLAT, same, same, same, same, same)


def _tidy(values: Iterable[float]) -> list[float]:
    return [round(max(float(v), 0.0), 1) for v in values]
