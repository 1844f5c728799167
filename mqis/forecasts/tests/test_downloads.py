"""Downloads of the forecast page's tables: the weeks ahead, the weeks drawn and the accuracy.

The golden forecast of test_views.py: the weeks of returns start 26 October to 16 November
2026 (3,624, 3,669 estimated, 3,640, 3,679 beds); k weeks after 16 November the forecast is
3,660.2 - k, its 80% range 3,631.6 - 2k to 3,687.9 + k and its 95% range 3,616.7 - 3k to
3,702.8 + 2k. Over 10 past weeks, 4 weeks ahead, it was off by 46.65 beds (MASE 2.5828),
"the same as the last week" by 41.27 (MASE 2.2943).
"""

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from mqis.forecasts.models import Forecast
from mqis.oversight.tests.html_tables import table_with

from .test_views import URL, client_for, golden

pytestmark = pytest.mark.django_db

WEEK = dt.timedelta(weeks=1)
LAST = dt.date(2026, 11, 16)
AHEAD = ["Week starting", "Forecast (beds)", "80% range from (beds)", "80% range to (beds)",
         "95% range from (beds)", "95% range to (beds)"]


def ahead(weeks: int) -> list[list[Any]]:
    return [[LAST + WEEK * k, 3660.2 - k, 3631.6 - 2 * k, 3687.9 + k, 3616.7 - 3 * k, 3702.8 + 2 * k]
            for k in range(1, weeks + 1)]


EXPECTED = {
    "weeks-ahead": (AHEAD, [
        [dt.date(2026, 11, 23), 3659.2, 3629.6, 3688.9, 3613.7, 3704.8],
        [dt.date(2026, 11, 30), 3658.2, 3627.6, 3689.9, 3610.7, 3706.8],
        [dt.date(2026, 12, 7), 3657.2, 3625.6, 3690.9, 3607.7, 3708.8],
        [dt.date(2026, 12, 14), 3656.2, 3623.6, 3691.9, 3604.7, 3710.8],
    ]),
    "history": (["Week starting", "Total (beds)", "Estimated"], [
        [dt.date(2026, 11, 16), 3679.0, "No"],
        [dt.date(2026, 11, 9), 3640.0, "No"],
        [dt.date(2026, 11, 2), 3669.0, "Yes"],
        [dt.date(2026, 10, 26), 3624.0, "No"],
    ]),
    "accuracy": (["Forecast", "Weeks ahead", "Past weeks tested", "Average error (beds)", "MASE"], [
        ["This forecast", 4, 10, 46.65, 2.5828],
        ["The simple forecast, ‘the same as the last week’", 4, 10, 41.27, 2.2943],
    ]),
}


def typed(cell: str) -> Any:
    """A CSV cell as the value written: numbers are numbers, dates are dates."""
    for kind in (int, float, dt.date.fromisoformat):
        try:
            return kind(cell)
        except ValueError:
            pass
    return cell


def csv_table(response) -> list[list[Any]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text))
    return [header, *([typed(cell) for cell in row] for row in rows)]


def xlsx_table(response) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [[v.date() if isinstance(v, dt.datetime) else v for v in row]
            for row in book.active.iter_rows(values_only=True)]


def download(client: Client, key: str, fmt: str = "csv", query: str = "weeks=4") -> list[list[Any]]:
    response = client.get(f"{URL}?{query}&table={key}&format={fmt}")
    assert response.status_code == 200
    return csv_table(response) if fmt == "csv" else xlsx_table(response)


def near(rows: list[list[Any]]) -> list[list[Any]]:
    return [[pytest.approx(cell) if isinstance(cell, float) else cell for cell in row] for row in rows]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("key", EXPECTED)
def test_each_forecast_table_downloads_with_the_hand_worked_rows(market, key, fmt):
    golden(market)
    header, rows = EXPECTED[key]
    found = download(client_for(market.council_user), key, fmt)
    assert found[0] == header
    assert found[1:] == near(rows)


def test_the_file_names_the_council_and_the_measure(market):
    golden(market)
    response = client_for(market.region_user).get(URL + "?measure=occupied&table=weeks-ahead&format=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="forecast-E08000003-occupied-weeks-ahead.xlsx"'


@pytest.mark.parametrize("weeks", [4, 8, 12])
def test_the_weeks_ahead_chosen_on_the_page_are_the_weeks_downloaded(market, weeks):
    golden(market)
    client = client_for(market.council_user)
    found = download(client, "weeks-ahead", query=f"measure=occupied&weeks={weeks}")
    assert found[1:] == near(ahead(weeks))
    page = table_with(client.get(f"{URL}?measure=occupied&weeks={weeks}").content.decode(), "week by week").rows
    # The page rounds to whole beds and joins each range's ends.
    assert page[1:] == [[f"{week:%-d %b %Y}", f"{round(mean):,}", f"{round(lo80):,} to {round(hi80):,}",
                         f"{round(lo95):,} to {round(hi95):,}"] for week, mean, lo80, hi80, lo95, hi95 in found[1:]]


def test_the_accuracy_table_on_the_page_matches_its_download(market):
    golden(market)
    page = table_with(client_for(market.council_user).get(URL).content.decode(), "Average error 4 weeks ahead").rows
    assert page == [["Forecast", "Average error", "MASE"], ["This forecast", "47 beds", "2.58"],
                    ["The simple forecast, ‘the same as the last week’", "41 beds", "2.29"]]


def test_each_measure_downloads_its_own_forecast(market):
    golden(market)
    golden(market, measure="unmet", history=[["2026-11-16", 120.5, False]],
           points=[["2026-11-23", 130.25, 100.0, 160.5, 80.0, 180.0]])
    found = download(client_for(market.council_user), "weeks-ahead", query="measure=unmet&weeks=4")
    assert found[0] == ["Week starting", "Forecast (hours)", "80% range from (hours)", "80% range to (hours)",
                        "95% range from (hours)", "95% range to (hours)"]
    assert found[1:] == [[dt.date(2026, 11, 23), 130.25, 100.0, 160.5, 80.0, 180.0]]


def test_a_council_with_too_little_history_has_no_tables_to_download(market):
    golden(market, status=Forecast.Status.TOO_SHORT, points=[], backtest={}, method="",
           message="There are only 6 weeks of returns for Manchester.")
    client = client_for(market.council_user)
    page = client.get(URL).content.decode()
    assert "There are only 6 weeks of returns for Manchester." in page
    assert "format=csv" not in page and "Download this table" not in page
    for key in EXPECTED:
        assert client.get(f"{URL}?table={key}&format=csv").status_code == 404


def test_a_forecast_not_yet_tested_on_the_past_has_no_accuracy_table(market):
    golden(market, backtest={"horizon": 4, "season": 1, "origins": 0, "mae_method": None, "mae_baseline": None,
                             "mase_method": None, "mase_baseline": None})
    client = client_for(market.council_user)
    assert "table=accuracy" not in client.get(URL).content.decode()
    assert client.get(f"{URL}?table=accuracy&format=csv").status_code == 404
    assert len(download(client, "weeks-ahead")) == 1 + 4


@pytest.mark.parametrize(("persona", "council"), [
    ("council_user", "E08000006"), ("other_council_user", "E08000003"), ("region_user", "E08000035"),
    ("provider_user", "E08000003"), ("rival_user", "E08000003"),
])
def test_nobody_outside_the_council_downloads_its_forecast(market, persona, council):
    golden(market)
    client = client_for(getattr(market, persona))
    for key in EXPECTED:
        response = client.get(f"/councils/{council}/forecast/?table={key}&format=csv")
        assert response.status_code == 403


def test_an_unknown_table_is_not_found(market):
    golden(market)
    assert client_for(market.council_user).get(URL + "?table=chart&format=csv").status_code == 404


def test_the_page_links_each_table_keeping_its_choices(market):
    golden(market)
    page = client_for(market.council_user).get(URL + "?measure=occupied&weeks=8").content.decode()
    for key in EXPECTED:
        for fmt in ("csv", "xlsx"):
            assert f'href="?measure=occupied&amp;weeks=8&amp;table={key}&amp;format={fmt}"' in page
