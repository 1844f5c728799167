"""Downloads of the completeness pages' tables and the regions list: the page's rows, scoped.

The market (mqis.lib.testing.build_market) plus one Bolt care home in Manchester whose
name is a formula. Care home returns are weekly, due on Wednesday at 5pm. "Now" is
Tuesday 24 November 2026 at noon, so:

  P0  23 to 29 November 2026   due 25 November: deadline not passed yet
  P1  16 to 22 November        due 18 November
  P2   9 to 15 November        due 11 November (the first period anyone sent a return for)

Manchester (3 care homes expected)  P2                  P1       P0
  Oak House      Acme               on time             late     on time
  Birch Court    Bolt               late (12 November)  -        -
  =HYPERLINK     Bolt               -                   -        -
Salford: Elm Lodge sent nothing.  Leeds: Moor View sent nothing.

So Manchester: P0 1 of 3 (33.3%), 1 on time, 2 to come; P1 1 of 3 (33.3%), 0 on time,
1 late, 2 missing; P2 2 of 3 (66.7%), 1 on time, 1 late, 1 missing. The formula home has
missed 2 periods in a row and never sent one; Birch Court has missed 1 (P1).
The North West: Salford 0 of 1 each period; all councils 1, 1 and 2 of 4 (25.0%, 25.0%, 50.0%).
"""

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from mqis.lib.testing import PASSWORD, build_market, care_home_values
from mqis.oversight.tests.html_tables import table_with
from mqis.registry.models import Location
from mqis.returns.periods import period_for
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db

W0 = dt.date(2026, 11, 23)
FORMULA = '=HYPERLINK("http://evil.example","Ash Grove")'
NEUTRALISED = "'" + FORMULA


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


NOW = at(W0 + dt.timedelta(days=1), 12)
P0, P1, P2 = (W0 - dt.timedelta(weeks=k) for k in range(3))
BIRCH_SENT = dt.date(2026, 11, 12)


def deadline(start: dt.date) -> dt.datetime:
    """5pm on the Wednesday, as a spreadsheet holds it: no time zone."""
    return dt.datetime.combine(start + dt.timedelta(days=2), dt.time(17))


@pytest.fixture
def market():
    m = build_market()
    t = current_template("care-home")
    m.formula_home = Location.objects.create(
        cqc_location_id="1-202", name=FORMULA, provider=m.bolt, council=m.manchester,
        care_home=True, beds=20, service_types=["Care home service with nursing"])

    def send(user, home, start, late=False):
        moment = at(start + dt.timedelta(days=3 if late else 1), 10)
        submit_return(user, home, t, period_for(t, start), care_home_values(), channel="form", now=moment)

    send(m.provider_user, m.home_a, P2)
    send(m.provider_user, m.home_a, P1, late=True)
    send(m.provider_user, m.home_a, P0)
    send(m.rival_user, m.rival_home, P2, late=True)
    return m


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


BY_PERIOD = [
    ["Period", "Period starts", "Deadline", "Expected", "Received", "On time", "Late", "Missing",
     "Not yet received", "Received (%)"],
    ["23 to 29 November 2026", P0, deadline(P0), 3, 1, 1, 0, None, 2, 33.3],
    ["16 to 22 November 2026", P1, deadline(P1), 3, 1, 0, 1, 2, None, 33.3],
    ["9 to 15 November 2026", P2, deadline(P2), 3, 2, 1, 1, 1, None, 66.7],
]
CHART = [
    ["Period", "Period starts", "Received (%)", "On time (%)"],
    ["16 to 22 November 2026", P1, 33.3, 0.0],
    ["9 to 15 November 2026", P2, 66.7, 33.3],
]
MISSED = [
    ["Location", "CQC location ID", "Provider", "Periods missed in a row", "Last return sent"],
    [NEUTRALISED, "1-202", "Bolt Homes Ltd", 2, "Never"],
]
MISSED_ONE = [*MISSED, ["Birch Court", "1-201", "Bolt Homes Ltd", 1, BIRCH_SENT]]


def region_header() -> list[str]:
    header = ["Council", "GSS code"]
    for label in ("23 to 29 November 2026", "16 to 22 November 2026", "9 to 15 November 2026"):
        header += [f"{label}: received (%)", f"{label}: received", f"{label}: expected"]
    return header


COUNCILS = [
    region_header(),
    ["Manchester", "E08000003", 33.3, 1, 3, 33.3, 1, 3, 66.7, 2, 3],
    ["Salford", "E08000006", 0.0, 0, 1, 0.0, 0, 1, 0.0, 0, 1],
    ["All councils", None, 25.0, 1, 4, 25.0, 1, 4, 50.0, 2, 4],
]
REGIONS = [["Region", "ONS code", "Councils"], ["North West", "E12000002", 2],
           ["Yorkshire and The Humber", "E12000003", 1]]

# What the page shows in the same table: (caption words, its rows as text).
PAGE_BY_PERIOD = ("expected and received in Manchester", [
    ["Period", "Expected", "Received", "On time", "Late", "Missing", "Received (%)"],
    ["23 to 29 November 2026Due by 5pm on Wednesday 25 November 2026", "3", "1", "1", "0", "2 to come", "33.3%"],
    ["16 to 22 November 2026", "3", "1", "0", "1", "2", "33.3%"],
    ["9 to 15 November 2026", "3", "2", "1", "1", "1", "66.7%"],
])
PAGE_CHART = ("Share of expected returns", [
    ["Period", "Received", "On time"],
    ["16 to 22 November 2026", "33.3%", "0.0%"], ["9 to 15 November 2026", "66.7%", "33.3%"],
])
PAGE_MISSED = ("missed 2 or more periods", [
    ["Location", "Periods missed in a row", "Last return sent"],
    [f"{FORMULA}Bolt Homes Ltd", "2", "Never"],
])
PAGE_COUNCILS = ("by council and period", [  # a short date for the eye, the period for a reader
    ["Council", "23 Nov23 to 29 November 2026", "16 Nov16 to 22 November 2026", "9 Nov9 to 15 November 2026"],
    ["Manchester", "33.3%1 of 3", "33.3%1 of 3", "66.7%2 of 3"],
    ["Salford", "0.0%0 of 1", "0.0%0 of 1", "0.0%0 of 1"],
    ["All councils", "25.0%1 of 4", "25.0%1 of 4", "50.0%2 of 4"],
])
PAGE_REGIONS = ("Regions you can see", [
    ["Region", "ONS code", "Councils"], ["North West", "E12000002", "2"],
    ["Yorkshire and The Humber", "E12000003", "1"],
])

# (persona, page URL, query, table key, file name, the rows, the page's table)
TABLES = [
    ("manchester.officer", "/councils/E08000003/completeness/", {}, "by-period",
     "completeness-E08000003-care-home-by-period", BY_PERIOD, PAGE_BY_PERIOD),
    ("manchester.officer", "/councils/E08000003/completeness/", {}, "chart",
     "completeness-E08000003-care-home-chart", CHART, PAGE_CHART),
    ("manchester.officer", "/councils/E08000003/completeness/", {}, "missed",
     "completeness-E08000003-care-home-missed", MISSED, PAGE_MISSED),
    ("nw.analyst", "/regions/E12000002/completeness/", {}, "councils",
     "completeness-E12000002-care-home-councils", COUNCILS, PAGE_COUNCILS),
    ("admin.user", "/regions/", {}, "list", "regions-list", REGIONS, PAGE_REGIONS),
]
IDS = [f"{url}{key}" for _, url, _, key, *_ in TABLES]


def as_csv(rows: list[list[Any]]) -> list[list[str]]:
    return [["" if cell is None else str(cell) for cell in row] for row in rows]


def as_xlsx(rows: list[list[Any]]) -> list[list[Any]]:
    """Excel holds a date as a time at midnight."""
    def cell(value: Any) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime.combine(value, dt.time())
        return value
    return [[cell(value) for value in row] for row in rows]


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def xlsx_of(response) -> list[list[Any]]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def user(market, username):
    return {u.username: u for u in (market.council_user, market.region_user, market.admin_user,
                                    market.other_council_user, market.provider_user)}[username]


def get(market, username, url, **query):
    return client_for(user(market, username)).get(url, query)


@pytest.mark.parametrize(("persona", "url", "query", "key", "name", "rows", "page"), TABLES, ids=IDS)
def test_it_downloads_each_table_with_the_pages_rows(market, clock, persona, url, query, key, name,
                                                     rows, page):
    response = get(market, persona, url, **query, table=key, format="csv")
    assert f'filename="{name}.csv"' in response["Content-Disposition"]
    assert csv_of(response) == as_csv(rows)
    html = get(market, persona, url, **query).content.decode()
    caption, shown = page
    assert table_with(html, caption).rows == shown


@pytest.mark.parametrize(("persona", "url", "query", "key", "name", "rows", "page"), TABLES, ids=IDS)
def test_it_gives_the_same_rows_as_a_workbook(market, clock, persona, url, query, key, name, rows, page):
    response = get(market, persona, url, **query, table=key, format="xlsx")
    assert f'filename="{name}.xlsx"' in response["Content-Disposition"]
    assert xlsx_of(response) == as_xlsx(rows)


@pytest.mark.parametrize(("persona", "url", "query", "key", "name", "rows", "page"), TABLES, ids=IDS)
def test_it_links_each_table_to_its_downloads(market, clock, persona, url, query, key, name, rows, page):
    html = get(market, persona, url, **query).content.decode()
    for fmt in ("csv", "xlsx"):
        assert f'href="?table={key}&amp;format={fmt}" download>' in html


@pytest.mark.parametrize("url", ["/councils/E08000003/completeness/", "/regions/E12000002/completeness/",
                                 "/regions/"])
def test_it_refuses_a_table_the_page_does_not_have(market, clock, url):
    assert get(market, "admin.user", url, table="chase", format="csv").status_code == 404
    assert get(market, "admin.user", url, format="csv").status_code == 404


def test_it_applies_the_pages_choices_to_the_download(market, clock):
    url = "/councils/E08000003/completeness/"
    assert csv_of(get(market, "manchester.officer", url, missed="1", table="missed",
                      format="csv")) == as_csv(MISSED_ONE)
    html = get(market, "manchester.officer", url, missed="1").content.decode()
    assert 'href="?missed=1&amp;table=missed&amp;format=csv"' in html
    # Only Acme's agency is expected to send the home care return; nobody has sent one yet.
    assert csv_of(get(market, "manchester.officer", url, template="home-care", table="by-period",
                      format="csv")) == as_csv([
        BY_PERIOD[0], ["23 to 29 November 2026", P0, deadline(P0), 1, 0, 0, 0, None, 1, 0.0]])
    response = get(market, "nw.analyst", "/regions/E12000002/completeness/", template="home-care",
                   table="councils", format="csv")
    assert 'filename="completeness-E12000002-home-care-councils.csv"' in response["Content-Disposition"]
    # Salford has no agency: none expected, as the page says.
    assert csv_of(response)[1:] == [["Manchester", "E08000003", "0.0", "0", "1"],
                                    ["Salford", "E08000006", "", "0", "0"],
                                    ["All councils", "", "0.0", "0", "1"]]


def test_it_never_puts_another_councils_locations_in_a_download(market, clock):
    # Elm Lodge (Salford) and Moor View (Leeds) missed both periods too.
    for persona in ("manchester.officer", "nw.analyst", "admin.user"):
        rows = csv_of(get(market, persona, "/councils/E08000003/completeness/", missed="1",
                          table="missed", format="csv"))
        assert [row[0] for row in rows[1:]] == [NEUTRALISED, "Birch Court"]


def test_it_gives_each_user_only_the_regions_they_may_see(market, clock):
    rows = csv_of(get(market, "nw.analyst", "/regions/", table="list", format="csv"))
    assert rows == as_csv(REGIONS[:2])


@pytest.mark.parametrize(("persona", "url", "key"), [
    ("leeds.officer", "/councils/E08000003/completeness/", "by-period"),
    ("leeds.officer", "/councils/E08000003/completeness/", "missed"),
    ("manchester.officer", "/councils/E08000006/completeness/", "chart"),
    ("manchester.officer", "/regions/E12000002/completeness/", "councils"),
    ("nw.analyst", "/regions/E12000003/completeness/", "councils"),
    ("acme.manager", "/councils/E08000003/completeness/", "missed"),
    ("acme.manager", "/regions/E12000002/completeness/", "councils"),
])
def test_it_refuses_a_download_where_it_refuses_the_page(market, clock, persona, url, key):
    assert get(market, persona, url).status_code == 403
    for fmt in ("csv", "xlsx"):
        assert get(market, persona, url, table=key, format=fmt).status_code == 403


def test_it_refuses_the_regions_list_download_to_a_council_officer(market, clock):
    # A council officer sees no region: the list refuses them, and so does its download.
    assert get(market, "manchester.officer", "/regions/").status_code == 403
    assert get(market, "manchester.officer", "/regions/", table="list", format="csv").status_code == 403


def test_it_neutralises_a_location_name_that_is_a_formula(market, clock):
    url = "/councils/E08000003/completeness/"
    cell = csv_of(get(market, "manchester.officer", url, table="missed", format="csv"))[1][0]
    assert cell == "'=HYPERLINK(\"http://evil.example\",\"Ash Grove\")"
    assert xlsx_of(get(market, "manchester.officer", url, table="missed", format="xlsx"))[1][0] == cell


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def look(page, axe_check, screenshot_dir, name: str) -> None:
    """Every details open, no axe-core violation, and a screenshot on a desktop and a phone."""
    for summary in page.locator("summary").all():
        summary.click()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshot_dir / f"{name}-phone.png"), full_page=True)
    assert axe_check() == []
    page.set_viewport_size({"width": 1280, "height": 900})


def downloaded(page, link) -> tuple[str, list[list[str]]]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    with open(download.path(), encoding="utf-8-sig") as handle:
        return download.suggested_filename, list(csv.reader(handle))


@pytest.mark.django_db(transaction=True)
def test_it_downloads_a_completeness_table_from_its_link_in_a_browser(
    market, clock, page, live_server, axe_check, screenshot_dir
):
    sign_in(page, live_server, "manchester.officer")
    page.goto(f"{live_server.url}/councils/E08000003/completeness/?missed=1")
    look(page, axe_check, screenshot_dir, "downloads-completeness-council")
    link = page.get_by_role("link", name="CSV of the locations that missed periods in a row")
    assert downloaded(page, link) == ("completeness-E08000003-care-home-missed.csv", as_csv(MISSED_ONE))

    page.context.clear_cookies()
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}/regions/E12000002/completeness/")
    look(page, axe_check, screenshot_dir, "downloads-completeness-region")
    link = page.get_by_role("link", name="CSV of the councils table")
    assert downloaded(page, link) == ("completeness-E12000002-care-home-councils.csv", as_csv(COUNCILS))

    page.context.clear_cookies()
    sign_in(page, live_server, "admin.user")
    page.goto(f"{live_server.url}/regions/")
    look(page, axe_check, screenshot_dir, "downloads-regions")
    assert downloaded(page, page.get_by_role("link", name="CSV of the regions table")) == (
        "regions-list.csv", as_csv(REGIONS))
