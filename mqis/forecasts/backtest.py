"""How accurate a method has been: a rolling-origin backtest scored by MASE.

From each origin t (an expanding window: the history up to week t as it stood then), the
method and the baseline forecast `horizon` weeks ahead, and each forecast for week
t + horizon is compared with what happened. Each absolute error is divided by the mean
absolute error of the in-sample (seasonal) naive forecast on that origin's history, as
Hyndman and Koehler (2006) define the mean absolute scaled error; MASE is the mean of
those scaled errors. Lower is better; the method beat the baseline where its MASE is
lower than the baseline's.
"""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

SEASON = 52  # weeks: social care demand has an annual cycle
BACKTEST_WEEKS = 4  # the horizon the accuracy is measured at
MAX_ORIGINS = 26  # the most recent origins only: enough to judge, quick to compute

PointForecast = Callable[[Sequence[float], int], Sequence[float]]


def season_for(length: int, horizon: int = BACKTEST_WEEKS) -> int:
    """52 when at least one origin has two full years behind it; otherwise 1 (naive)."""
    return SEASON if length - horizon >= 2 * SEASON else 1


def seasonal_naive(history: Sequence[float], steps: int, season: int) -> list[float]:
    """The value from one season earlier: with season 1, the last value, repeated."""
    n = len(history)
    return [float(history[n - season + (k % season)]) for k in range(steps)]


def naive_scale(history: Sequence[float], season: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast: MASE's denominator."""
    y = np.asarray(history, dtype=float)
    return float(np.mean(np.abs(y[season:] - y[:-season])))


@dataclass(frozen=True)
class Backtest:
    horizon: int
    season: int
    origins: int
    mae_method: float | None
    mae_baseline: float | None
    mase_method: float | None
    mase_baseline: float | None

    def as_data(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def beats_baseline(self) -> bool | None:
        if self.mase_method is None or self.mase_baseline is None:
            return None
        return self.mase_method < self.mase_baseline


def origins(length: int, horizon: int, season: int, first: int) -> list[int]:
    """History lengths to forecast from: each leaves `horizon` weeks to check against."""
    start = max(first, 2 * season if season > 1 else first)
    return list(range(start, length - horizon + 1))[-MAX_ORIGINS:]


def backtest(
    history: Sequence[float], method: PointForecast, *, horizon: int = BACKTEST_WEEKS, first: int = 12,
    season: int | None = None,
) -> Backtest:
    """Score `method` and the seasonal naive baseline over the past, at `horizon` weeks ahead."""
    y = [float(v) for v in history]
    m = season_for(len(y), horizon) if season is None else season
    errors: dict[str, list[float]] = {"method": [], "baseline": []}
    scaled: dict[str, list[float]] = {"method": [], "baseline": []}
    for t in origins(len(y), horizon, m, first):
        train, actual = y[:t], y[t + horizon - 1]
        scale = naive_scale(train, m)
        guesses = {"method": method(train, horizon)[-1], "baseline": seasonal_naive(train, horizon, m)[-1]}
        for name, guess in guesses.items():
            error = abs(actual - float(guess))
            errors[name].append(error)
            if scale > 0:
                scaled[name].append(error / scale)
    count = len(errors["method"])
    return Backtest(
        horizon=horizon, season=m, origins=count,
        mae_method=_mean(errors["method"]), mae_baseline=_mean(errors["baseline"]),
        # Origins whose history was flat have nothing to scale by and are left out of MASE.
        mase_method=_mean(scaled["method"]), mase_baseline=_mean(scaled["baseline"]),
    )


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None
