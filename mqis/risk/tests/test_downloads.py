"""Downloads of the market page's and the method page's tables: the page's rows, scoped.

The market is the hand-built one in conftest.py (Manchester, scored at NOW). Worked by hand:
registered beds of active care homes 340 (Cedar Court 212, Birch Court 60, Oak House 48,
Ash Grove 20); at risk 232 (Cedar Court critical, Ash Grove high) = 68.24%; this week's
returns 160 beds (Oak House 100, Birch Court 60), 30 vacant (25 + 5) = 18.75%; groups Cedar
Care 212, Acme Group 68 (Oak House and Ash Grove), Bolt Homes 60, so shares 62.35%, 20%, 17.65%
and HHI (212² + 68² + 60²) / 340² × 10,000 = 4,599.31.

The weight resting on data (of 14 in all): Cedar Court and Ash Grove have only missed returns
(1) and their group's size and share (0.5 each): 2 / 14 = 14.3%; the agency missed returns and
group size: 1.5 / 14 = 10.7%; Oak House has every indicator: 100%.
"""

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from mqis.oversight.tests.html_tables import table_with
from mqis.registry.models import Location
from mqis.risk.market import WATCH_LIMIT
from mqis.risk.models import Band, RiskConfig, RiskScore
from mqis.risk.scoring import rescore
from mqis.risk.tests.conftest import NOW, care_home

pytestmark = pytest.mark.django_db

URL = "/councils/E08000003/market/"
FORMULA = '=HYPERLINK("http://evil.example","Cedar Court")'
SHARE = {"Cedar Care": 100 * 212 / 340, "Acme Group": 100 * 68 / 340, "Bolt Homes Ltd": 100 * 60 / 340}
LOOK_FIRST = ["Rank", "Location", "CQC location ID", "Provider", "Score", "Band", "Main reasons",
              "Weight with data (%)"]
MISSED_ALL = "Missed or late returns: 12 missed of 12 due"
ROWS = {
    "cedar": [1, "Cedar Court", "1-401", "Cedar Care", 75.5, "Critical",
              f"{MISSED_ALL}; Group's share of the council's beds: 62.4%; Size of provider group: 1 location", 14.3],
    "ash": [2, "Ash Grove", "1-111", "Acme North Ltd", 72.0, "High",
            f"{MISSED_ALL}; Group's share of the council's beds: 20.0%; Size of provider group: 4 locations", 14.3],
    "agency": [3, "Acme Homecare Manchester", "1-103", "Acme Care Ltd", 69.3, "High",
               "Missed or late returns: 1 missed of 1 due; Size of provider group: 4 locations", 10.7],
    "oak": [4, "Oak House", "1-101", "Acme Care Ltd", 49.9, "Medium",
            "Occupancy against break-even: 75.0% (break-even 85%); Occupancy trend: fell 6.3 points over 12 weeks; "
            "CQC overall rating: Requires improvement", 100.0],
    "birch": [5, "Birch Court", "1-201", "Bolt Homes Ltd", 6.1, "Low",
              "Group's share of the council's beds: 17.6%; Staff absence: 10.0%; Size of provider group: 1 location",
              71.4],
}
EXPECTED = {
    "figures": (["Figure", "Value"], [
        ["Beds at risk", 232],
        ["Registered care home beds", 340],
        ["Share of registered beds at risk (%)", 100 * 232 / 340],
        ["Care homes at risk", 2],
        ["Beds vacant in the latest returns", 30],
        ["Beds in the latest returns", 160],
        ["Vacancy rate (%)", 18.75],
        ["Market concentration (HHI, 0 to 10,000)", (212 ** 2 + 68 ** 2 + 60 ** 2) / 340 ** 2 * 10_000],
        ["Market concentration reading", "Highly concentrated"],
        ["Largest group", "Cedar Care"],
        ["Largest group's share of beds (%)", SHARE["Cedar Care"]],
    ]),
    "look-first": (LOOK_FIRST, list(ROWS.values())),
    "bands": (["Band", "Locations"], [["Low", 1], ["Medium", 1], ["High", 2], ["Critical", 1], ["Not scored", 0]]),
    "largest": (["Largest groups", "Share of beds (%)"], [[1, SHARE["Cedar Care"]], [3, 100.0], [5, 100.0]]),
    "groups": (["Group", "Care homes", "Beds", "Share of beds (%)"], [
        ["Cedar Care", 1, 212, SHARE["Cedar Care"]],
        ["Acme Group", 2, 68, SHARE["Acme Group"]],
        ["Bolt Homes Ltd", 1, 60, SHARE["Bolt Homes Ltd"]],
    ]),
}
# The method page with the shipped configuration: weights add up to 14; bands at 25, 50 and 75.
WEIGHTS = [
    ("Occupancy against break-even", "Per cent of beds occupied", 3),
    ("Occupancy trend", "Percentage points over 12 weeks", 2),
    ("CQC overall rating", "Rating", 2),
    ("CQC key question ratings", "Key questions rated below Good", 1),
    ("Staff absence", "Per cent of staff absent", 1),
    ("Agency staff", "Per cent of headcount", 1),
    ("Outbreaks", "Weeks in outbreak in the last 12", 1),
    ("PPE shortfalls", "Returns with under 7 days of PPE", 1),
    ("Missed or late returns", "Per cent of returns due", 1),
    ("Size of provider group", "Locations in the group", 0.5),
    ("Group's share of the council's beds", "Per cent of the council's beds", 0.5),
]
METHOD = {
    "weights": (["Indicator", "Measured in", "Weight", "Share of all weights (%)"],
                [[name, unit, weight, 100 * weight / 14] for name, unit, weight in WEIGHTS]),
    "bands": (["Band", "Score from", "Score below"],
              [["Low", 0, 25], ["Medium", 25, 50], ["High", 50, 75], ["Critical", 75, None]]),
}


@pytest.fixture
def scored(market):
    rescore(now=NOW)
    return market


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def typed(cell: str) -> Any:
    """A CSV cell as the value written: a blank is None, numbers are numbers."""
    if cell == "":
        return None
    for kind in (int, float):
        try:
            return kind(cell)
        except ValueError:
            pass
    return cell


def csv_table(response) -> list[list[Any]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text))
    return [header, *([typed(cell) for cell in row] for row in rows)]


def xlsx_table(response) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, *rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    # A workbook keeps no blank cells at the end of a row.
    return [header, *(row + [None] * (len(header) - len(row)) for row in rows)]


def download(client: Client, url: str, key: str, fmt: str = "csv", query: str = "") -> list[list[Any]]:
    response = client.get(f"{url}?{query}{'&' if query else ''}table={key}&format={fmt}")
    assert response.status_code == 200
    return csv_table(response) if fmt == "csv" else xlsx_table(response)


def near(row: list[Any]) -> list[Any]:
    """The row, with its fractions compared to within rounding."""
    return [pytest.approx(cell) if isinstance(cell, float) else cell for cell in row]


def assert_table(found: list[list[Any]], header: list[str], rows: list[list[Any]]) -> None:
    assert found[0] == header
    assert found[1:] == [near(row) for row in rows]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("key", EXPECTED)
def test_each_market_table_downloads_with_the_hand_worked_rows(scored, key, fmt):
    header, rows = EXPECTED[key]
    assert_table(download(client_for(scored.council_user), URL, key, fmt), header, rows)


def test_the_file_is_named_after_the_page_the_council_and_the_table(scored):
    response = client_for(scored.region_user).get(URL + "?table=look-first&format=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="market-E08000003-look-first.xlsx"'


def test_the_downloads_hold_what_the_page_shows(scored):
    client = client_for(scored.council_user)
    page = client.get(URL).content.decode()
    look_first = table_with(page, "Where to look first").rows[1:]
    # The page shows the provider on its own line under the location's name.
    assert [[row[0], row[1]] for row in look_first] == [
        [str(rank), name + provider] for rank, name, _, provider, *_ in download(client, URL, "look-first")[1:]]
    groups = table_with(page, "Provider groups").rows[1:]
    assert groups == [[name, str(homes), str(beds), f"{share:.1f}%"]
                      for name, homes, beds, share in download(client, URL, "groups")[1:]]
    figures = table_with(page, "Beds at risk, vacancy and concentration").rows[1:]
    assert [label for label, _ in figures] == [
        label.removesuffix(" (%)") for label, _ in download(client, URL, "figures")[1:]]
    assert figures[2] == ["Share of registered beds at risk", "68.2%"]
    assert figures[7] == ["Market concentration (HHI, 0 to 10,000)", "4,599"]


@pytest.mark.parametrize(("show", "keys"), [
    ("care-homes", ["cedar", "ash", "oak", "birch"]),
    ("other", ["agency"]),
    ("nonsense", ["cedar", "ash", "agency", "oak", "birch"]),
])
def test_the_look_first_download_keeps_the_pages_choice_of_services(scored, show, keys):
    found = download(client_for(scored.council_user), URL, "look-first", query=f"show={show}")
    ranked = [[n, *ROWS[key][1:]] for n, key in enumerate(keys, start=1)]
    assert_table(found, LOOK_FIRST, ranked)


def test_the_look_first_download_holds_every_score_not_only_the_pages_twenty(scored):
    for n in range(WATCH_LIMIT):
        home = care_home(f"1-5{n:02}", f"Quiet Home {n:02}", scored.bolt, scored, 10)
        RiskScore.objects.update_or_create(location=home, defaults={
            "score": 1.0, "band": Band.LOW, "computed_at": timezone.now(), "coverage": 100.0})
    client = client_for(scored.council_user)
    page = client.get(URL)
    assert len(page.context["market"].watch) == WATCH_LIMIT
    assert "The 20 highest of 25 scores. The download holds them all." in page.content.decode()
    found = download(client, URL, "look-first")
    assert len(found) == 1 + WATCH_LIMIT + 5
    assert found[-1][:2] == [25, "Quiet Home 19"]


def test_a_location_named_as_a_formula_is_written_as_text(scored):
    Location.objects.filter(cqc_location_id="1-401").update(name=FORMULA)
    client = client_for(scored.council_user)
    assert download(client, URL, "look-first")[1][1] == "'" + FORMULA
    assert download(client, URL, "look-first", "xlsx")[1][1] == "'" + FORMULA


@pytest.mark.parametrize("persona", ["other_council_user", "provider_user", "rival_user"])
def test_nobody_outside_the_council_downloads_its_tables(scored, persona):
    client = client_for(getattr(scored, persona))
    for key in EXPECTED:
        assert client.get(URL + f"?table={key}&format=csv").status_code == 403


def test_leeds_downloads_its_own_market_and_none_of_manchesters(scored):
    client = client_for(scored.other_council_user)
    found = download(client, "/councils/E08000035/market/", "look-first")
    assert [row[1] for row in found[1:]] == ["Moor View"]
    groups = download(client, "/councils/E08000035/market/", "groups")
    assert groups[1:] == [["Far Away Care", 1, 40, 100.0]]


def test_an_unknown_table_is_not_found(scored):
    client = client_for(scored.council_user)
    assert client.get(URL + "?table=everything&format=csv").status_code == 404
    assert client.get("/risk/method/?table=look-first&format=csv").status_code == 404


def test_the_market_page_links_each_table_keeping_its_choice(scored):
    page = client_for(scored.council_user).get(URL + "?show=care-homes").content.decode()
    for key in EXPECTED:
        for fmt in ("csv", "xlsx"):
            assert f'href="?show=care-homes&amp;table={key}&amp;format={fmt}"' in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("key", METHOD)
def test_the_method_pages_tables_download_with_the_configuration_in_use(scored, key, fmt):
    header, rows = METHOD[key]
    client = client_for(scored.provider_user)
    assert_table(download(client, "/risk/method/", key, fmt), header, rows)
    assert f'href="?table={key}&amp;format={fmt}"' in client.get("/risk/method/").content.decode()


def test_the_method_download_follows_a_changed_configuration(scored):
    RiskConfig.objects.update(weights={"occupancy": 4.5}, medium_from=30)
    client = client_for(scored.council_user)
    weights = download(client, "/risk/method/", "weights")
    # The other weights stay as shipped: 4.5 of 4.5 + 11 in all.
    assert weights[1] == ["Occupancy against break-even", "Per cent of beds occupied", 4.5,
                          pytest.approx(100 * 4.5 / 15.5)]
    assert weights[2][2:] == [2, pytest.approx(100 * 2 / 15.5)]
    assert download(client, "/risk/method/", "bands")[1:3] == [["Low", 0, 30], ["Medium", 30, 50]]
    assert "30 to below 50" in client.get("/risk/method/").content.decode()

