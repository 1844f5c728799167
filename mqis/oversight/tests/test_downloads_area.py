"""Downloads of the area page's tables: the provider's own and the area's figures, and never
an area figure the page leaves out.

The market is test_area's (see its docstring for every return). Bolt runs 3 of
Manchester's 7 reporting care homes:
  Birch Court 50 of 60 beds, 10 of 40 staff absent, closed, confirmed outbreak, 2 days of masks
  Ash Grove   20 of 20 beds,  0 of 15 staff absent
  Beech House 25 of 30 beds,  4 of 20 staff absent, suspected outbreak (not counted), 1 day of gloves
so Bolt's own: 1 of 3 in outbreak (33.3%), 1 of 3 closed (33.3%), 95 of 110 beds (86.4%),
14 of 75 staff absent (18.7%), 2 of 3 short of PPE (66.7%). Only 4 other homes reported, so
Bolt is never given Manchester's figure. Last week Birch Court was full (60 of 60, 100.0%).
Salford has one care home, Acme's Elm Lodge (27 of 30 beds, 90.0%): too few for an
administrator to see its figure either.
"""

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from mqis.lib.testing import PASSWORD, build_market
from mqis.oversight.tests import test_area as data
from mqis.oversight.tests.html_tables import table_with
from mqis.registry.models import Provider
from mqis.returns.periods import period_for
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db

@pytest.fixture
def market():
    """test_area's market: its fixture, rebuilt here from its helpers."""
    m = build_market()
    cedar = Provider.objects.create(cqc_provider_id="1-400", name="Cedar Care Group")
    providers = {"bolt": m.bolt, "cedar": cedar}
    data.send(m.home_a, data.values(48, 40, 30, 3))
    data.send(m.rival_home, data.values(60, 50, 40, 10, admissions_status="closed",
                                        admissions_closed_reason="outbreak",
                                        outbreak_status="confirmed", ppe_days_masks="2"))
    data.send(m.home_b, data.values(30, 27, 20, 2))
    for n, (name, (owner, beds, occupied, staff, absent, extra)) in enumerate(data.OTHER_HOMES.items()):
        home = data.add_home(f"1-5{n}", name, providers[owner], m.manchester, beds)
        data.send(home, data.values(beds, occupied, staff, absent, **extra))
        if name == "Cedar One":
            data.send(home, data.values(beds, 20, staff, 1), weeks_ago=1)
    data.send(m.home_a, data.values(48, 44, 30, 6), weeks_ago=1)
    data.send(m.rival_home, data.values(60, 60, 40, 0), weeks_ago=1)
    m.this_week = period_for(current_template("care-home"), timezone.localdate()).start
    m.last_week = m.this_week - dt.timedelta(weeks=1)
    return m


def yours_and(*titles: str) -> list[str]:
    header = ["Measure", "Unit"]
    for title in ("Your care homes", *titles):
        header += [title, f"{title}: out of", f"{title} (%)"]
    return header


ALL_MANCHESTER = "All care homes in Manchester"
ACME_LATEST = [
    yours_and(ALL_MANCHESTER),
    ["Care homes reporting", "care homes", 1, 1, None, 7, 7, None],
    ["In outbreak", "homes", 0, 1, 0.0, 2, 7, 28.6],
    ["Closed to admissions", "homes", 0, 1, 0.0, 2, 7, 28.6],
    ["Bed occupancy", "beds", 40, 48, 83.3, 220, 258, 85.3],
    ["Staff absence", "staff", 3, 30, 10.0, 30, 180, 16.7],
    ["Short of PPE (under 3 days of an item)", "homes", 0, 1, 0.0, 2, 7, 28.6],
]
BOLT_LATEST = [  # Manchester's figure left out: no column, as on the page
    yours_and(),
    ["Care homes reporting", "care homes", 3, 3, None],
    ["In outbreak", "homes", 1, 3, 33.3],
    ["Closed to admissions", "homes", 1, 3, 33.3],
    ["Bed occupancy", "beds", 95, 110, 86.4],
    ["Staff absence", "staff", 14, 75, 18.7],
    ["Short of PPE (under 3 days of an item)", "homes", 2, 3, 66.7],
]
ADMIN_LATEST = [
    ["Measure", "Unit", ALL_MANCHESTER, f"{ALL_MANCHESTER}: out of", f"{ALL_MANCHESTER} (%)"],
    ["Care homes reporting", "care homes", 7, 7, None],
    ["In outbreak", "homes", 2, 7, 28.6],
    ["Closed to admissions", "homes", 2, 7, 28.6],
    ["Bed occupancy", "beds", 220, 258, 85.3],
    ["Staff absence", "staff", 30, 180, 16.7],
    ["Short of PPE (under 3 days of an item)", "homes", 2, 7, 28.6],
]
BOTH = ["Week starting", "Your care homes (%)", "All care homes (%)"]


def tables(m) -> list[tuple[Any, ...]]:
    """(persona, query, key, file name, the rows, the page's table caption, its rows)."""
    last, this = m.last_week, m.this_week
    day = "{:%-d %B %Y}".format
    return [
        ("acme.manager", {}, "latest-e08000003", "area-1-100-latest-e08000003", ACME_LATEST,
         "your care homes and all care homes in Manchester",
         [["Measure", "Your care homes", ALL_MANCHESTER],
          ["Care homes reporting", "1 of 1 care home", "7 of 7 care homes"],
          ["In outbreak", "0.0% 0 of 1 home", "28.6% 2 of 7 homes"],
          ["Closed to admissions", "0.0% 0 of 1 home", "28.6% 2 of 7 homes"],
          ["Bed occupancy", "83.3% 40 of 48 beds", "85.3% 220 of 258 beds"],
          ["Staff absence", "10.0% 3 of 30 staff", "16.7% 30 of 180 staff"],
          ["Short of PPE (under 3 days of an item)", "0.0% 0 of 1 home", "28.6% 2 of 7 homes"]]),
        ("acme.manager", {}, "occupancy-e08000003", "area-1-100-occupancy-e08000003",
         [BOTH, [last, 91.7, "Too few homes"], [this, 83.3, 85.3]],
         "Bed occupancy each week in Manchester",
         [["Week starting", "Your care homes", "All care homes"], [day(last), "91.7%", "Too few homes"],
          [day(this), "83.3%", "85.3%"]]),
        ("acme.manager", {}, "absence-e08000003", "area-1-100-absence-e08000003",
         [BOTH, [last, 20.0, "Too few homes"], [this, 10.0, 16.7]],
         "Staff absence each week in Manchester",
         [["Week starting", "Your care homes", "All care homes"], [day(last), "20.0%", "Too few homes"],
          [day(this), "10.0%", "16.7%"]]),
        ("bolt.manager", {}, "latest-e08000003", "area-1-200-latest-e08000003", BOLT_LATEST,
         "your care homes in Manchester",
         [["Measure", "Your care homes"], ["Care homes reporting", "3 of 3 care homes"],
          ["In outbreak", "33.3% 1 of 3 homes"], ["Closed to admissions", "33.3% 1 of 3 homes"],
          ["Bed occupancy", "86.4% 95 of 110 beds"], ["Staff absence", "18.7% 14 of 75 staff"],
          ["Short of PPE (under 3 days of an item)", "66.7% 2 of 3 homes"]]),
        ("bolt.manager", {}, "occupancy-e08000003", "area-1-200-occupancy-e08000003",
         [BOTH, [last, 100.0, "Too few homes"], [this, 86.4, "Too few homes"]],
         "Bed occupancy each week in Manchester",
         [["Week starting", "Your care homes", "All care homes"], [day(last), "100.0%", "Too few homes"],
          [day(this), "86.4%", "Too few homes"]]),
        ("admin.user", {"council": "E08000003"}, "latest-e08000003", "area-latest-e08000003",
         ADMIN_LATEST, "all care homes in Manchester",
         [["Measure", ALL_MANCHESTER], ["Care homes reporting", "7 of 7 care homes"],
          ["In outbreak", "28.6% 2 of 7 homes"], ["Closed to admissions", "28.6% 2 of 7 homes"],
          ["Bed occupancy", "85.3% 220 of 258 beds"], ["Staff absence", "16.7% 30 of 180 staff"],
          ["Short of PPE (under 3 days of an item)", "28.6% 2 of 7 homes"]]),
        ("admin.user", {"council": "E08000006"}, "occupancy-e08000006", "area-occupancy-e08000006",
         [["Week starting", "All care homes (%)"], [this, "Too few homes"]],
         "Bed occupancy each week in Salford",
         [["Week starting", "All care homes"], [day(this), "Too few homes"]]),
    ]


KEYS = ["acme-latest", "acme-occupancy", "acme-absence", "bolt-latest", "bolt-occupancy",
        "admin-latest", "admin-salford-occupancy"]


def client_for(market, username: str) -> Client:
    users = {u.username: u for u in (market.provider_user, market.rival_user, market.admin_user,
                                     market.council_user, market.region_user)}
    client = Client()
    client.force_login(users[username])
    return client


def get(market, username: str, **query):
    return client_for(market, username).get("/area/", query)


def as_csv(rows: list[list[Any]]) -> list[list[str]]:
    return [["" if cell is None else str(cell) for cell in row] for row in rows]


def as_xlsx(rows: list[list[Any]]) -> list[list[Any]]:
    return [[dt.datetime.combine(c, dt.time()) if isinstance(c, dt.date) else c for c in row] for row in rows]


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def xlsx_of(response) -> list[list[Any]]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


@pytest.mark.parametrize("case", range(len(KEYS)), ids=KEYS)
def test_it_downloads_each_area_table_with_the_pages_rows(market, case):
    persona, query, key, name, rows, caption, shown = tables(market)[case]
    response = get(market, persona, **query, table=key, format="csv")
    assert f'filename="{name}.csv"' in response["Content-Disposition"]
    assert csv_of(response) == as_csv(rows)
    workbook = get(market, persona, **query, table=key, format="xlsx")
    assert f'filename="{name}.xlsx"' in workbook["Content-Disposition"]
    assert xlsx_of(workbook) == as_xlsx(rows)
    html = get(market, persona, **query).content.decode()
    assert table_with(html, caption).rows == shown
    for fmt in ("csv", "xlsx"):
        query_text = "".join(f"{k}={v}&amp;" for k, v in query.items())
        assert f'href="?{query_text}table={key}&amp;format={fmt}" download>' in html


def test_it_never_downloads_an_area_figure_the_page_leaves_out(market):
    # Bolt: Manchester's figures (7 homes, 220 of 258 beds, 85.3%, ...) are nowhere in its files.
    for key in ("latest-e08000003", "occupancy-e08000003", "absence-e08000003"):
        for fmt in ("csv", "xlsx"):
            response = get(market, "bolt.manager", table=key, format=fmt)
            cells = csv_of(response) if fmt == "csv" else xlsx_of(response)
            found = {str(cell) for row in cells for cell in row}
            assert not found & {"7", "220", "258", "85.3", "180", "16.7", "28.6"}, key
    # Salford's only home is Acme's: an administrator gets no Salford figure at all, and the
    # page has no latest figures table there to download.
    admin = get(market, "admin.user", council="E08000006").content.decode()
    assert "latest-e08000006" not in admin
    assert get(market, "admin.user", council="E08000006", table="latest-e08000006",
               format="csv").status_code == 404
    for key in ("occupancy-e08000006", "absence-e08000006"):
        rows = csv_of(get(market, "admin.user", council="E08000006", table=key, format="csv"))
        assert [row[1] for row in rows[1:]] == ["Too few homes"]


def test_it_gives_a_provider_its_own_figures_where_the_area_is_left_out(market):
    rows = csv_of(get(market, "acme.manager", table="latest-e08000006", format="csv"))
    assert rows == as_csv([yours_and(),
                           ["Care homes reporting", "care homes", 1, 1, None],
                           ["In outbreak", "homes", 0, 1, 0.0],
                           ["Closed to admissions", "homes", 0, 1, 0.0],
                           ["Bed occupancy", "beds", 27, 30, 90.0],
                           ["Staff absence", "staff", 2, 20, 10.0],
                           ["Short of PPE (under 3 days of an item)", "homes", 0, 1, 0.0]])


def test_it_refuses_a_councils_tables_outside_the_providers_area(market):
    # Bolt runs nothing in Salford; Leeds is nobody's here; a narrowed page has one council.
    for query in ({"table": "latest-e08000006"}, {"table": "occupancy-e08000035"},
                  {"council": "E08000006", "table": "latest-e08000006"}):
        assert get(market, "bolt.manager", **query, format="csv").status_code == 404
    assert get(market, "acme.manager", council="E08000006", table="latest-e08000003",
               format="csv").status_code == 404
    assert get(market, "acme.manager", table="nothing", format="csv").status_code == 404
    for persona in ("manchester.officer", "nw.analyst"):
        assert get(market, persona).status_code == 403
        assert get(market, persona, table="latest-e08000003", format="csv").status_code == 403
    assert get(market, "admin.user", table="latest-e08000003", format="csv").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_it_downloads_an_area_table_from_its_link_in_a_browser(
    market, page, live_server, axe_check, screenshot_dir
):
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "acme.manager")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/area/")
    for summary in page.locator("summary").all():
        summary.click()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "downloads-area-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshot_dir / "downloads-area-phone.png"), full_page=True)
    assert axe_check() == []
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV of the bed occupancy table for Manchester").click()
    assert info.value.suggested_filename == "area-1-100-occupancy-e08000003.csv"
    with open(info.value.path(), encoding="utf-8-sig") as handle:
        assert list(csv.reader(handle)) == as_csv(tables(market)[1][4])
