"""Each table of the weekly report's web page as CSV and XLSX: the page's rows as figures,
scoped as the page, every row of a list the page cuts short, and never on paper.

The figures are those of market.py, worked out by hand there and in test_report.py. The
clock is set to market.NOW (Thursday noon), after this week's deadline, so the report
covers this week whatever day the tests run.
"""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from mqis.oversight.tests.html_tables import tables as html_tables
from mqis.registry.models import Location
from mqis.reports.pdf import report_html
from mqis.reports.report import build_report
from mqis.reports.tests.market import MONDAY, NOW, beds, send

pytestmark = pytest.mark.django_db

MANCHESTER, NORTH_WEST = "/councils/E08000003/report/", "/regions/E12000002/report/"
ELSEWHERE = ("Salford", "Elm Lodge", "Leeds", "Moor View")


def week(weeks_ago: int) -> str:
    return (MONDAY - dt.timedelta(weeks=weeks_ago)).isoformat()


# (page, table key, header, rows as the CSV holds them)
GOLDEN = [
    (MANCHESTER, "capacity-beds", ["Measure", "Week covered", "Week before", "Change"], [
        ["Beds in homes reporting", "108", "108", "0"],
        ["Occupied beds", "90", "94", "-4"],
        ["Vacant beds", "16", "14", "2"],
        ["Occupancy (%)", "83.3", "87.0", "-3.7"],  # 90/108 and 94/108
        ["Closed to admissions", "1", "1", "0"],
    ]),
    (MANCHESTER, "capacity-chart", ["Week starting", "Occupancy (%)"], [
        [week(3), "50.0"], [week(2), ""], [week(1), "87.0"], [week(0), "83.3"],
    ]),
    (MANCHESTER, "workforce-absence",
     ["Staff", "Absent", "Headcount", "Absence (%)", "Week before (%)", "Change (points)"], [
         ["All staff", "21", "130", "16.2", "23.1", "-6.9"],
         ["Nurses", "3", "10", "30.0", "40.0", "-10.0"],
         ["Care workers", "13", "70", "18.6", "22.9", "-4.3"],
     ]),
    (MANCHESTER, "outbreaks-ppe", ["Measure", "Week covered", "Week before", "Change"], [
        ["In outbreak", "1", "1", "0"], ["PPE under 3 days", "1", "2", "-1"],
    ]),
    (MANCHESTER, "outbreaks-locations", ["Location", "Provider", "Outbreak", "Fewest days of PPE"], [
        ["Birch Court", "Bolt Homes Ltd", "Yes", "2.0"],
    ]),
    (MANCHESTER, "risk-scores", ["Location", "Provider", "Score", "Band", "Weighs most"], [
        ["Birch Court", "Bolt Homes Ltd", "80", "Critical", ""],
        ["Oak House", "Acme Care Ltd", "62", "High", ""],
        ["Acme Homecare Manchester", "Acme Care Ltd", "10", "Low", ""],
    ]),
    (MANCHESTER, "completeness-week",
     ["Return", "Expected", "Received", "On time", "Late", "Not received", "Missed 3 weeks running"], [
         ["Care home return", "2", "1", "1", "0", "1", "0"],
         ["Home care return", "1", "1", "1", "0", "0", "0"],
     ]),
    (MANCHESTER, "forecast-next-week", ["Measure", "Forecast", "80% range", "Past error, 4 weeks ahead"], [
        ["Occupied beds", "110", "100 to 121", "6 beds"],
        ["Vacant beds", "", "Too little history", ""],
    ]),
    (NORTH_WEST, "councils", [
        "Council", "Beds", "Occupancy (%)", "Vacant beds", "Staff absence (%)", "In outbreak", "PPE under 3 days",
        "Returns received (%)", "High or critical risk"], [
        ["Manchester", "108", "83.3", "16", "16.2", "1", "1", "66.7", "2"],
        ["Salford", "30", "90.0", "3", "10.0", "0", "1", "100.0", "0"],
        ["North West (all)", "138", "84.8", "19", "15.3", "1", "2", "75.0", "2"],
    ]),
    (NORTH_WEST, "outbreaks-locations", ["Location", "Council", "Outbreak", "Fewest days of PPE"], [
        ["Elm Lodge", "Salford", "No", "1.0"],  # a suspected outbreak is not counted
        ["Birch Court", "Manchester", "Yes", "2.0"],
    ]),
]
PERSONA = {MANCHESTER: "council_user", NORTH_WEST: "region_user"}


@pytest.fixture(autouse=True)
def thursday_noon(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def download(client: Client, page: str, key: str, fmt: str = "csv"):
    return client.get(page, {"table": key, "format": fmt})


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def xlsx_rows(response) -> list[list[object]]:
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def as_text(value: object) -> str:
    """An XLSX cell as the CSV writes it: a date in ISO form, a blank as nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def same_cell(xlsx: object, text: str) -> bool:
    if isinstance(xlsx, int | float) and not isinstance(xlsx, bool):
        return float(text) == xlsx
    return as_text(xlsx) == text


def page_keys(market, page: str) -> list[str]:
    user = getattr(market, PERSONA[page])
    area = {"council": market.manchester} if page == MANCHESTER else {"region": market.region}
    return list(build_report(user, **area).tables())


@pytest.mark.parametrize("page, key, header, rows", GOLDEN, ids=[f"{p.split('/')[1]}-{k}" for p, k, _, _ in GOLDEN])
def test_a_tables_csv_and_xlsx_hold_its_figures(market, page, key, header, rows):
    client = client_for(getattr(market, PERSONA[page]))
    response = download(client, page, key)
    code = page.split("/")[2]
    assert response["Content-Disposition"] == f'attachment; filename="weekly-report-{code}-{key}.csv"'
    assert csv_rows(response) == [header, *rows]
    book = xlsx_rows(download(client, page, key, "xlsx"))
    assert book[0] == header
    assert len(book) == len(rows) + 1
    for got, want in zip(book[1:], rows, strict=True):
        assert all(same_cell(x, t) for x, t in zip(got, want, strict=True)), (got, want)


@pytest.mark.parametrize("page", [MANCHESTER, NORTH_WEST])
def test_every_table_on_the_page_has_links_and_downloads_the_rows_it_shows(market, page):
    """Every <table> on the page is followed by its links, and its download has its rows:
    the same row headings (a date in ISO form), in the same order, and the same columns."""
    client = client_for(getattr(market, PERSONA[page]))
    html = client.get(page).content.decode()
    keys = re.findall(r'href="\?table=([a-z-]+)&amp;format=csv"', html)
    assert len(html_tables(html)) == len(keys) and len(keys) == len(set(keys))
    assert set(keys) <= set(page_keys(market, page))
    for key, shown in zip(keys, html_tables(html), strict=True):
        assert f'href="?table={key}&amp;format=xlsx"' in html
        rows = csv_rows(download(client, page, key))
        assert len(rows) == len(shown.rows) and len(rows[0]) == len(shown.rows[0]), key
        for got, seen in zip(rows[1:], shown.rows[1:], strict=True):
            try:
                assert got[0] == dt.datetime.strptime(seen[0], "%d %B %Y").date().isoformat(), key
            except ValueError:
                assert got[0].removesuffix(" (%)") == seen[0], key


@pytest.mark.parametrize("key", ["capacity-chart", "capacity-beds", "workforce-absence", "outbreaks-locations",
                                 "risk-chart", "risk-scores", "completeness-week"])
def test_a_council_officer_never_downloads_another_councils_rows(market, key):
    rows = csv_rows(download(client_for(market.council_user), MANCHESTER, key))
    text = repr(rows)
    assert rows[1:] and not any(name in text for name in ELSEWHERE)


@pytest.mark.parametrize("persona, page", [
    ("other_council_user", MANCHESTER), ("provider_user", MANCHESTER), ("council_user", NORTH_WEST),
    ("provider_user", NORTH_WEST),
])
def test_a_download_outside_the_users_scope_is_refused_as_the_page_is(market, persona, page):
    for fmt in ("csv", "xlsx"):
        response = download(client_for(getattr(market, persona)), page, "capacity-beds", fmt)
        assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in_not_given_a_file(market):
    response = download(Client(), MANCHESTER, "capacity-beds")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_an_unknown_table_is_not_found(market):
    client = client_for(market.council_user)
    assert download(client, MANCHESTER, "salaries").status_code == 404
    assert download(client, MANCHESTER, "councils").status_code == 404  # a region's table only


def test_the_download_lists_every_location_the_page_cuts_short(market):
    for n in range(21):
        home = Location.objects.create(cqc_location_id=f"1-5{n:02d}", name=f"Home {n:02d}", provider=market.acme,
                                       council=market.manchester, care_home=True, beds=10)
        send(home, 0, beds(10, 9, 1, outbreak_status="confirmed"))
    client = client_for(market.council_user)
    html = client.get(MANCHESTER).content.decode()
    assert "20 of 22: those with the fewest days of PPE first." in html
    rows = csv_rows(download(client, MANCHESTER, "outbreaks-locations"))
    assert rows[1] == ["Birch Court", "Bolt Homes Ltd", "Yes", "2.0"]
    assert [row[0] for row in rows[2:]] == [f"Home {n:02d}" for n in range(21)]


def test_a_formula_in_a_locations_name_is_written_as_text(market):
    Location.objects.filter(pk=market.rival_home.pk).update(name='=HYPERLINK("http://x.example","y")')
    client = client_for(market.council_user)
    assert csv_rows(download(client, MANCHESTER, "outbreaks-locations"))[1][0] == (
        '\'=HYPERLINK("http://x.example","y")')
    assert xlsx_rows(download(client, MANCHESTER, "outbreaks-locations", "xlsx"))[1][0] == (
        '\'=HYPERLINK("http://x.example","y")')


def test_the_pdf_has_no_download_links(market):
    html = report_html(build_report(market.region_user, region=market.region))
    assert "Beds and admissions" in html
    assert "Download this table" not in html and "format=csv" not in html
