"""The forecasting method and its backtest, on series whose structure is known.

No database: these are numbers in and numbers out, with exact figures worked by hand.
"""

import numpy as np
import pytest

from mqis.forecasts.backtest import SEASON, backtest, naive_scale, origins, season_for, seasonal_naive
from mqis.forecasts.method import FLAT, Forecaster, forecast_and_score


def trend_with_noise(weeks: int, start: float, slope: float, noise: float, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(start + slope * np.arange(weeks) + rng.normal(0, noise, weeks))


def test_it_beats_the_seasonal_naive_baseline_on_three_years_of_trend() -> None:
    # 156 weeks rising 2 a week with noise: last year's figure for the same week is about
    # 104 too low, while a trend model is off by about the noise.
    history = trend_with_noise(156, 500, 2.0, 5.0, seed=11)
    prediction, scored = forecast_and_score(history, 12, first=12)
    assert scored.season == SEASON
    assert scored.origins == 26
    assert scored.mase_method is not None and scored.mase_baseline is not None
    assert scored.mase_method < scored.mase_baseline / 4
    assert scored.mae_method is not None and scored.mae_method < 15
    assert prediction.candidate.trend == "add"
    # Twelve weeks on from week 155 the trend puts it near 500 + 2 × 167 = 834.
    assert 810 < prediction.mean[-1] < 860


def test_it_beats_the_naive_baseline_on_half_a_year_of_trend() -> None:
    # Half a year, too short for a seasonal baseline: "the same as last week" lags 4 × 4
    # = 16 behind four weeks on.
    history = trend_with_noise(26, 300, 4.0, 3.0, seed=5)
    _prediction, scored = forecast_and_score(history, 12, first=12)
    assert scored.season == 1
    assert scored.origins == 11  # histories of 12 to 22 weeks, each checked 4 weeks on
    assert scored.mase_method is not None and scored.mase_baseline is not None
    assert scored.mase_method < scored.mase_baseline / 2


def test_it_scores_mase_exactly_on_a_hand_made_example() -> None:
    # y = 10 12 11 13 15 14; forecasts 2 weeks ahead from histories of 3 and 4 weeks.
    # "Last value plus one a week" against naive ("the last value"):
    #   origin 3: history 10 12 11, scale (2 + 1) / 2 = 1.5; actual y[4] = 15
    #     method 11 + 2 = 13, error 2, scaled 4/3;  naive 11, error 4, scaled 8/3
    #   origin 4: history 10 12 11 13, scale (2 + 1 + 2) / 3 = 5/3; actual y[5] = 14
    #     method 13 + 2 = 15, error 1, scaled 0.6;  naive 13, error 1, scaled 0.6
    # MASE method (4/3 + 0.6) / 2 = 0.9667; naive (8/3 + 0.6) / 2 = 1.6333.
    def plus_one(history, steps):
        return [history[-1] + k + 1 for k in range(steps)]

    scored = backtest([10, 12, 11, 13, 15, 14], plus_one, horizon=2, first=3)
    assert scored.season == 1
    assert scored.origins == 2
    assert scored.mae_method == 1.5
    assert scored.mae_baseline == 2.5
    assert scored.mase_method == 0.9667
    assert scored.mase_baseline == 1.6333
    assert scored.beats_baseline is True


def test_the_seasonal_naive_forecast_repeats_the_last_season() -> None:
    assert seasonal_naive([1, 2, 3, 4, 5, 6, 7, 8], 6, season=4) == [5, 6, 7, 8, 5, 6]
    assert seasonal_naive([1, 2, 3], 2, season=1) == [3, 3]
    # |2 - 1| and |6 - 3|: the mean absolute change from one season to the next.
    assert naive_scale([1, 3, 2, 6], season=2) == 2.0


def test_the_baseline_is_seasonal_only_when_an_origin_has_two_years_behind_it() -> None:
    assert season_for(107) == 1
    assert season_for(108) == SEASON
    # With a yearly season the first origin has two full years of history.
    assert origins(108, 4, SEASON, 12) == [104]
    assert origins(30, 4, 1, 12) == list(range(12, 27))


def test_the_intervals_nest_and_widen_and_never_go_below_zero() -> None:
    # A small count falling towards zero: the lower ends would go negative unclipped.
    history = trend_with_noise(20, 40, -1.2, 2.0, seed=3)
    prediction = Forecaster().predict(history, 12)
    assert len(prediction.mean) == 12
    for mean, lo80, hi80, lo95, hi95 in prediction.rows():
        assert 0 <= lo95 <= lo80 <= mean <= hi80 <= hi95
    # The further ahead, the less certain: the upper ends move away from the forecast.
    above = [hi - mean for mean, hi in zip(prediction.mean, prediction.hi95, strict=True)]
    assert above[-1] > above[0] > 0
    assert prediction.lo95[-1] == 0.0


def test_a_flat_history_is_forecast_flat_and_cannot_be_scored() -> None:
    prediction, scored = forecast_and_score([0.0] * 16, 4, first=12)
    assert prediction.candidate is FLAT
    assert prediction.rows() == [(0.0, 0.0, 0.0, 0.0, 0.0)] * 4
    assert scored.origins == 1
    assert scored.mae_method == 0.0
    assert scored.mase_method is None and scored.beats_baseline is None


@pytest.mark.parametrize("weeks", [8, 12])
def test_it_forecasts_from_the_fewest_weeks_allowed(weeks: int) -> None:
    history = trend_with_noise(weeks, 100, 1.0, 2.0, seed=weeks)
    prediction = Forecaster().predict(history, 12)
    assert prediction.candidate is not FLAT
    assert all(np.isfinite(prediction.hi95))
