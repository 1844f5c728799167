"""Downloads of a council's alert figures (by rule, by week): the page's rows, scoped.

Alerts made by hand, at 9am on Mondays (local time) W-1 (last week) and W-6, or a minute ago (W0):

  Manchester  PPE running out      Oak House    W-1, acknowledged 3 hours later, closed 2 days later
              Outbreak             Birch Court  W-1, acknowledged 5 hours later, open
              PPE running out      Birch Court  W-1, acknowledged 6 hours later, open
              PPE running out      Oak House    W0, new
              High staff absence   Oak House    W-6, acknowledged 10 hours later, closed
  Leeds       Outbreak             Moor View    W-1, acknowledged 1 hour later

So over the last 4 weeks Manchester's PPE alerts: 3 opened, 2 still open, 2 acknowledged
(66.7%), median (3 + 6) / 2 = 4.5 hours; its outbreak 1, 1, 1 (100%) in 5 hours; staff
absence only over 13 weeks. Alerts opened each week: W-1 3, W0 1.
"""

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from mqis.alerts.models import Alert, AlertRule
from mqis.lib.testing import build_market
from mqis.oversight.tests.html_tables import table_with

pytestmark = pytest.mark.django_db

URL = "/councils/E08000003/alerts/"
TODAY = timezone.localdate()
W0 = TODAY - dt.timedelta(days=TODAY.weekday())
RULE_HEADER = ["Rule", "Opened", "Still open", "Acknowledged", "Acknowledged (%)",
               "Median time to acknowledge (hours)"]
NONE = [0, 0, 0, None, None]
FOUR_WEEKS = [
    ["Closed to admissions", *NONE],
    ["High risk", *NONE],
    ["High staff absence", *NONE],
    ["Outbreak", 1, 1, 1, 100.0, 5.0],
    ["PPE running out", 3, 2, 2, 100 * 2 / 3, 4.5],
    ["Return overdue", *NONE],
    ["Sharp change in capacity", *NONE],
]
EXPECTED = {
    "by-rule": (RULE_HEADER, FOUR_WEEKS),
    "by-week": (["Week starting", "Alerts opened"],
                [[W0 - dt.timedelta(weeks=3), 0], [W0 - dt.timedelta(weeks=2), 0], [W0 - dt.timedelta(weeks=1), 3],
                 [W0, 1]]),
}


def monday_9am(weeks_ago: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(W0 - dt.timedelta(weeks=weeks_ago), dt.time(9)))


def alert(rule: str, location, opened: dt.datetime, acknowledged_after: float | None = None,
          closed_after: float | None = None) -> Alert:
    """An alert as the engine leaves it; the times after opening are in hours."""
    def later(hours: float | None) -> dt.datetime | None:
        return None if hours is None else opened + dt.timedelta(hours=hours)

    return Alert.objects.create(rule=AlertRule.objects.get(key=rule), location=location, message=rule,
                                opened_at=opened, acknowledged_at=later(acknowledged_after),
                                cleared_at=later(closed_after))


@pytest.fixture
def market():
    m = build_market()
    alert("ppe_short", m.home_a, monday_9am(1), acknowledged_after=3, closed_after=48)
    alert("outbreak", m.rival_home, monday_9am(1), acknowledged_after=5)
    alert("ppe_short", m.rival_home, monday_9am(1), acknowledged_after=6)
    alert("ppe_short", m.home_a, timezone.now() - dt.timedelta(minutes=1))
    alert("staff_absence", m.home_a, monday_9am(6), acknowledged_after=10, closed_after=20)
    alert("outbreak", m.far_home, monday_9am(1), acknowledged_after=1)
    return m


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def typed(cell: str) -> Any:
    """A CSV cell as the value written: a blank is None, numbers are numbers, dates are dates."""
    if cell == "":
        return None
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


def xlsx_cell(value: Any) -> Any:
    """A workbook holds a date as midnight on that day."""
    return value.date() if isinstance(value, dt.datetime) else value


def xlsx_table(response) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, *rows = [[xlsx_cell(v) for v in row] for row in book.active.iter_rows(values_only=True)]
    # A workbook keeps no blank cells at the end of a row.
    return [header, *(row + [None] * (len(header) - len(row)) for row in rows)]


def download(client: Client, key: str, fmt: str = "csv", query: str = "weeks=4", url: str = URL) -> list[list[Any]]:
    response = client.get(f"{url}?{query}&table={key}&format={fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'filename="alerts-{url.split("/")[2]}-{key}.{fmt}"')
    return csv_table(response) if fmt == "csv" else xlsx_table(response)


def near(row: list[Any]) -> list[Any]:
    return [pytest.approx(cell) if isinstance(cell, float) else cell for cell in row]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("key", EXPECTED)
@pytest.mark.parametrize("persona", ["council_user", "region_user", "admin_user"])
def test_each_table_downloads_with_the_hand_worked_rows(market, persona, key, fmt):
    header, rows = EXPECTED[key]
    found = download(client_for(getattr(market, persona)), key, fmt)
    assert found[0] == header
    assert found[1:] == [near(row) for row in rows]


def test_the_by_rule_download_holds_the_pages_rows_unrounded(market):
    client = client_for(market.council_user)
    page = table_with(client.get(URL + "?weeks=4").content.decode(), "By rule").rows
    assert page[4] == ["Outbreak", "1", "1", "1 (100.0%)", "5.0 hours"]
    assert page[5] == ["PPE running out", "3", "2", "2 (66.7%)", "4.5 hours"]
    assert [row[0] for row in page[1:]] == [row[0] for row in download(client, "by-rule")[1:]]


def test_the_span_chosen_on_the_page_applies_to_the_download(market):
    client = client_for(market.council_user)
    by_rule = download(client, "by-rule", query="weeks=13")
    assert by_rule[3] == ["High staff absence", 1, 0, 1, 100.0, 10.0]
    assert len(download(client, "by-week", query="weeks=13")) == 1 + 13
    # An unknown span falls back to 13 weeks, as the page does.
    assert len(download(client, "by-week", query="weeks=5")) == 1 + 13


def test_leeds_downloads_only_its_own_alerts(market):
    client = client_for(market.other_council_user)
    found = download(client, "by-rule", url="/councils/E08000035/alerts/")
    assert found[4] == ["Outbreak", 1, 1, 1, 100.0, 1.0]
    assert found[5] == ["PPE running out", *NONE]
    weeks = download(client, "by-week", url="/councils/E08000035/alerts/")
    assert [n for _, n in weeks[1:]] == [0, 0, 1, 0]


@pytest.mark.parametrize("persona", ["other_council_user", "provider_user", "rival_user"])
def test_nobody_outside_the_council_downloads_its_figures(market, persona):
    client = client_for(getattr(market, persona))
    for key in EXPECTED:
        assert client.get(f"{URL}?table={key}&format=csv").status_code == 403


def test_a_rule_named_as_a_formula_is_written_as_text(market):
    AlertRule.objects.filter(key="ppe_short").update(name="=SUM(A1:A9)")
    client = client_for(market.council_user)
    assert download(client, "by-rule")[1][0] == "'=SUM(A1:A9)"
    assert download(client, "by-rule", "xlsx")[1][0] == "'=SUM(A1:A9)"


def test_an_unknown_table_is_not_found(market):
    assert client_for(market.council_user).get(URL + "?table=by-location&format=csv").status_code == 404


def test_the_page_links_both_tables_keeping_the_span(market):
    page = client_for(market.council_user).get(URL + "?weeks=52").content.decode()
    for key in EXPECTED:
        for fmt in ("csv", "xlsx"):
            assert f'href="?weeks=52&amp;table={key}&amp;format={fmt}"' in page
