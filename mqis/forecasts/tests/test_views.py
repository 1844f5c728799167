"""The forecast page: what it says, the choices in its URL, and who may open it.

The golden forecast below is stored as the worker would store it, so the page's words
can be checked exactly: the forecast 4 weeks ahead was off by 46.65 beds on average
(MASE 2.5828) over 10 past weeks, and "the same as the last week" by 41.27 (MASE 2.2943).
"""

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from mqis.forecasts.models import Forecast

from .conftest import WEEK, beds

pytestmark = pytest.mark.django_db

URL = "/councils/E08000003/forecast/"
MADE = timezone.make_aware(dt.datetime(2026, 11, 23, 6, 30))


def golden(market, **changes) -> Forecast:
    weeks = [dt.date(2026, 10, 26) + WEEK * k for k in range(4)]
    fields = {
        "council": market.manchester, "measure": "occupied", "made_at": MADE, "horizon": 12,
        "method": "exponential smoothing (ETS) with a damped trend, from statsmodels",
        "history": [[w.isoformat(), v, e] for w, v, e in zip(weeks, [3624.0, 3669.0, 3640.0, 3679.0],
                                                             [False, True, False, False], strict=True)],
        "points": [[(weeks[-1] + WEEK * k).isoformat(), 3660.2 - k, 3631.6 - 2 * k, 3687.9 + k,
                    3616.7 - 3 * k, 3702.8 + 2 * k] for k in range(1, 13)],
        "backtest": {"horizon": 4, "season": 1, "origins": 10, "mae_method": 46.65, "mae_baseline": 41.27,
                     "mase_method": 2.5828, "mase_baseline": 2.2943},
        "status": Forecast.Status.OK,
    }
    return Forecast.objects.create(**(fields | changes))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def words(response) -> str:
    text = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def test_it_states_its_accuracy_beside_the_chart(market) -> None:
    golden(market)
    response = client_for(market.council_user).get(URL)
    assert response.status_code == 200
    text = words(response)
    assert ("Accuracy over the past: on average the forecast 4 weeks ahead was off by 47 beds (MASE 2.58)."
            in text)
    assert ("The simple forecast, ‘the same as the last week’, was off by 41 beds (MASE 2.29). Lower is better."
            in text)
    assert "Over the past, the simple forecast did better than this one: use this forecast with care." in text
    assert "Tested on 10 past weeks" in text
    assert "Exponential smoothing (ETS) with a damped trend, from statsmodels." in text
    assert "The simple forecast ‘the same as the last week’. With fewer than two years of returns" in text
    assert "23 November 2026 at 06:30" in text
    # The accuracy is in the column beside the chart's.
    page = response.content.decode()
    chart_column = page.index('id="mqis-forecast-chart"')
    assert chart_column < page.index('id="accuracy-heading"') < page.index('id="weeks-ahead"')


def test_the_table_lists_the_weeks_chosen_with_both_ranges(market) -> None:
    golden(market)
    response = client_for(market.council_user).get(URL + "?measure=occupied&weeks=4")
    text = words(response)
    assert "The next 4 weeks" in text
    # The first week ahead: 3,660.2 - 1 forecast, 80% from 3,631.6 - 2 to 3,687.9 + 1, and so on.
    assert "Week starting Forecast (beds) 80% range 95% range" in text
    assert ("23 Nov 2026 3,659 3,630 to 3,689 3,614 to 3,705 "
            "30 Nov 2026 3,658 3,628 to 3,690 3,611 to 3,707") in text
    assert "14 Dec 2026 3,656" in text
    assert "21 Dec 2026" not in text
    # The history table marks the week filled in between usable weeks.
    assert "2 November 2026 3,669 beds (estimated)" in text
    chart = response.context["chart"]
    assert chart["history"]["values"] == [3624.0, 3669.0, 3640.0, 3679.0]
    # The forecast line starts at the last week of returns, so the two lines join.
    assert chart["forecast"]["dates"][:2] == ["2026-11-16", "2026-11-23"]
    assert len(chart["forecast"]["mean"]) == 5


def test_a_short_history_shows_the_statement_and_no_chart(market, send) -> None:
    for k in range(1, 7):
        send(market.home_b, timezone.localdate() - WEEK * k, beds(30, 25))
    response = client_for(market.region_user).get("/councils/E08000006/forecast/")
    assert response.status_code == 200
    text = words(response)
    assert ("There are only 6 weeks of returns for Salford. "
            "A forecast needs at least 12 weeks, so none is shown.") in text
    content = response.content.decode()
    assert "mqis-forecast-chart" not in content and "mqis-forecast-data" not in content
    assert "plotly" not in content
    assert "How far ahead" not in text


def test_the_measure_is_chosen_in_the_url_and_unknown_choices_fall_back(market) -> None:
    golden(market)
    golden(market, measure="unmet", status=Forecast.Status.TOO_SHORT, points=[], backtest={}, method="",
           message="There are no returns of unmet home care hours for Manchester yet.")
    client = client_for(market.council_user)
    unmet = words(client.get(URL + "?measure=unmet"))
    assert "Forecast of unmet home care hours" in unmet
    assert "There are no returns of unmet home care hours for Manchester yet." in unmet
    fallback = client.get(URL + "?measure=everything&weeks=7")
    assert fallback.context["measure"].key == "occupied" and fallback.context["weeks"] == 12
    links = fallback.content.decode()
    assert 'href="/councils/E08000003/forecast/?measure=vacant&amp;weeks=12"' in links
    assert 'href="/councils/E08000003/forecast/?measure=occupied&amp;weeks=4"' in links


def test_a_forecast_not_made_yet_is_made_when_the_page_is_opened(market) -> None:
    response = client_for(market.admin_user).get(URL + "?measure=vacant")
    assert response.status_code == 200
    assert Forecast.objects.filter(council=market.manchester, measure="vacant").exists()
    assert "There are no returns of vacant beds for Manchester yet." in words(response)


@pytest.mark.parametrize(("persona", "council", "status"), [
    ("council_user", "E08000003", 200),
    ("council_user", "E08000006", 403),
    ("other_council_user", "E08000003", 403),
    ("other_council_user", "E08000035", 200),
    ("region_user", "E08000006", 200),
    ("region_user", "E08000035", 403),
    ("admin_user", "E08000035", 200),
    ("provider_user", "E08000003", 403),
    ("rival_user", "E08000003", 403),
])
def test_only_those_who_may_see_the_council_open_its_forecast(market, persona, council, status) -> None:
    response = client_for(getattr(market, persona)).get(f"/councils/{council}/forecast/")
    assert response.status_code == status


def test_signing_in_is_needed(market) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_an_unknown_council_is_not_found(market) -> None:
    assert client_for(market.admin_user).get("/councils/E99999999/forecast/").status_code == 404
