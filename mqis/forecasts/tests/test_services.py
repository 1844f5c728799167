"""Making and storing forecasts: the plain statement for short histories, and the scheduled refresh."""

import datetime as dt

import pytest
from django.utils import timezone

from mqis.forecasts.models import Forecast
from mqis.forecasts.series import MEASURES
from mqis.forecasts.services import refresh_forecast
from mqis.forecasts.tasks import refresh_forecasts
from mqis.jobs.schedule import due_jobs

from .conftest import WEEK, beds

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 3, 5, 12, 0))  # a Thursday: this week's returns are due


def weeks_back(count: int, today: dt.date | None = None) -> list[dt.date]:
    """The Mondays of the `count` weeks before this one, oldest first."""
    today = today or timezone.localdate(NOW)
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - WEEK * k for k in range(count, 0, -1)]


def test_a_short_history_gets_the_plain_statement_and_no_line(market, send) -> None:
    for day in weeks_back(6):
        send(market.home_b, day, beds(30, 25))
    forecast = refresh_forecast(market.salford, MEASURES["occupied"], NOW)
    assert forecast.status == Forecast.Status.TOO_SHORT
    assert forecast.message == (
        "There are only 6 weeks of returns for Salford. A forecast needs at least 12 weeks, so none is shown."
    )
    assert forecast.points == []
    assert forecast.backtest == {}
    assert forecast.method == ""
    assert len(forecast.history) == 6


def test_it_says_so_when_there_is_nothing_to_forecast(market) -> None:
    salford_unmet = refresh_forecast(market.salford, MEASURES["unmet"], NOW)
    assert salford_unmet.message == (
        "No home care agencies in Salford are expected to send returns, so there is nothing to forecast."
    )
    manchester_unmet = refresh_forecast(market.manchester, MEASURES["unmet"], NOW)
    assert manchester_unmet.message == (
        "There are no returns of unmet home care hours for Manchester yet. "
        "A forecast needs at least 12 weeks, so none is shown."
    )


def test_the_minimum_is_a_setting_and_never_below_eight_weeks(market, send, settings) -> None:
    for n, day in enumerate(weeks_back(9)):
        send(market.home_b, day, beds(30, 20 + n % 4))
    settings.MQIS_FORECAST_MIN_WEEKS = 10
    forecast = refresh_forecast(market.salford, MEASURES["occupied"], NOW)
    assert forecast.message == (
        "There are only 9 weeks of returns for Salford. A forecast needs at least 10 weeks, so none is shown."
    )
    settings.MQIS_FORECAST_MIN_WEEKS = 2  # counts as 8
    forecast = refresh_forecast(market.salford, MEASURES["occupied"], NOW)
    assert forecast.status == Forecast.Status.OK
    assert forecast.backtest["origins"] == 0  # an 8-week history leaves nothing to check 4 weeks on


def test_a_forecast_covers_twelve_weeks_from_the_week_after_the_last_return(market, send) -> None:
    days = weeks_back(16)
    for n, day in enumerate(days):
        send(market.home_a, day, beds(48, 20 + n))
        send(market.rival_home, day, beds(60, 30 + n))
    forecast = refresh_forecast(market.manchester, MEASURES["occupied"], NOW)
    assert forecast.status == Forecast.Status.OK
    assert forecast.method in {
        "exponential smoothing (ETS) with a trend, from statsmodels",
        "exponential smoothing (ETS) with a damped trend, from statsmodels",
    }
    assert forecast.history[-1] == [days[-1].isoformat(), 80.0, False]  # 35 + 45 occupied
    assert [p[0] for p in forecast.points] == [(days[-1] + WEEK * k).isoformat() for k in range(1, 13)]
    for _week, mean, lo80, hi80, lo95, hi95 in forecast.points:
        assert lo95 <= lo80 <= mean <= hi80 <= hi95
    # Rising 2 beds a week without noise: the forecast keeps rising.
    assert forecast.points[0][1] == pytest.approx(82, abs=1)
    # Histories of 12 weeks, checked 4 weeks on: one origin in 16 weeks.
    assert forecast.backtest["origins"] == 1
    assert forecast.backtest["horizon"] == 4
    assert forecast.backtest["season"] == 1


def test_the_task_refreshes_the_stored_forecasts(market, send) -> None:
    today = timezone.localdate()
    for n, day in enumerate(weeks_back(14, today)):
        send(market.home_a, day, beds(48, 30 + n % 3))
    assert refresh_forecasts.call() == {"made": 2, "too_short": 7}  # Manchester's beds; the rest too short
    first = Forecast.objects.get(council=market.manchester, measure="occupied")
    assert len(first.history) == 14

    send(market.home_a, today - WEEK * 15, beds(48, 31))
    assert refresh_forecasts.call() == {"made": 2, "too_short": 7}
    again = Forecast.objects.get(council=market.manchester, measure="occupied")
    assert again.pk == first.pk and again.made_at > first.made_at
    assert len(again.history) == 15
    assert Forecast.objects.count() == 9  # 3 councils with locations × 3 measures, one row each


def test_the_worker_schedule_includes_the_refresh() -> None:
    assert "mqis.forecasts.tasks.refresh_forecasts" in due_jobs()
