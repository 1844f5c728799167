"""Downloads of the location page's tables and of the council page's chart tables.

The market (mqis.lib.testing.build_market) with these care home returns, counting weeks back
from this one:

  Oak House (Manchester, Acme; sent by "Ann Smith", acme.manager)
    week 0  on time  48 beds, 40 occupied, 6 vacant, 30 care workers of whom 3 absent
    week 2  late     35 occupied, 11 vacant, closed to admissions, a confirmed outbreak
    then week 0 corrected: 41 occupied, 5 vacant
  Birch Court (Manchester, Bolt, rated Good)
    week 0  on time  60 beds, 55 occupied, 5 vacant, 30 care workers of whom 3 absent
  Moor View (Leeds, another region)
    week 0  on time  40 beds, 10 occupied, 30 vacant: never in a Manchester figure

Oak House also has two alerts (one open, one closed), a risk score made of two indicators
with data and one without, two changes of its risk band, and CQC ratings for two of the six
key questions.
"""

import csv
import datetime as dt
import html
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from mqis.alerts.models import Alert, AlertRule
from mqis.lib.testing import PASSWORD, build_market, care_home_values
from mqis.oversight.tests.html_tables import table_with
from mqis.registry.models import Location
from mqis.returns.periods import describe, period_for
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template
from mqis.risk.models import RiskBandChange, RiskScore

pytestmark = pytest.mark.django_db

OAK = "1-101"
MANCHESTER = "E08000003"


def week(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(weeks=n)


def send(market, location, values, weeks_ago: int, *, late: bool = False, user=None, hours: int = 1):
    template = current_template("care-home")
    period = period_for(template, week(weeks_ago))
    when = period.due_at + dt.timedelta(days=1) if late else period.opens_at + dt.timedelta(hours=hours)
    submit_return(user or market.provider_user, location, template, period, values, channel="form", now=when)
    return period


def at(days_ago: int, hour: int) -> dt.datetime:
    """A moment this many days ago, local time, to the second."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def market():
    m = build_market()
    m.provider_user.first_name, m.provider_user.last_name = "Ann", "Smith"
    m.provider_user.save()
    m.week0 = send(m, m.home_a, care_home_values(), 0)
    m.week2 = send(m, m.home_a, care_home_values(
        beds_occupied="35", beds_vacant="11", admissions_status="closed",
        admissions_closed_reason="staffing", outbreak_status="confirmed"), 2, late=True)
    send(m, m.home_a, care_home_values(beds_occupied="41", beds_vacant="5"), 0, hours=2)
    send(m, m.rival_home, care_home_values(beds_total="60", beds_occupied="55", beds_closed="0", beds_vacant="5"), 0,
         user=m.rival_user)
    send(m, m.far_home, care_home_values(beds_total="40", beds_occupied="10", beds_closed="0",
                                         beds_vacant="30"), 0, user=m.admin_user)
    Location.objects.filter(pk=m.rival_home.pk).update(rating_overall="Good")
    Location.objects.filter(pk=m.home_a.pk).update(rating_overall="Requires improvement",
                                                   rating_safe="Inadequate")
    Alert.objects.all().delete()  # those the returns raised: the test makes its own
    rule, other = AlertRule.objects.get(key="outbreak"), AlertRule.objects.get(key="ppe_short")
    m.opened = at(3, 9)
    m.closed_opened = at(20, 14)
    Alert.objects.create(rule=other, location=m.home_a, message="Under 3 days of masks",
                         opened_at=m.closed_opened, cleared_at=at(18, 10))
    Alert.objects.create(rule=rule, location=m.home_a, message="A confirmed outbreak", opened_at=m.opened)
    Alert.objects.create(rule=rule, location=m.far_home, message="Moor View outbreak", opened_at=m.opened)
    score_oak(m)
    return m


def score_oak(m) -> None:
    """A hand-made risk score: points are weight × risk; the score rests on weights 20 + 10."""
    RiskScore.objects.filter(location=m.home_a).delete()
    RiskBandChange.objects.filter(location=m.home_a).delete()
    RiskScore.objects.create(location=m.home_a, score=33.3, band="medium", computed_at=at(0, 6), coverage=75.0,
                             contributions={
        "cqc_overall": {"value": 0.5, "shown": "requires improvement", "risk": 0.5, "weight": 10, "points": 5.0},
        "occupancy": {"value": 85.4, "shown": "85.4% (break-even 85%)", "risk": 0.25, "weight": 20,
                      "points": 5.0},
        "occupancy_trend": {"value": None, "shown": "No data", "risk": None, "weight": 10, "points": 0.0},
    })
    m.first_scored, m.rescored = at(14, 6), at(7, 6)
    RiskBandChange.objects.create(location=m.home_a, old_band="", new_band="low", score=20.0, at=m.first_scored)
    RiskBandChange.objects.create(location=m.home_a, old_band="low", new_band="medium", score=33.3,
                                  at=m.rescored)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def location_url(cid: str = OAK) -> str:
    return reverse("location_detail", args=[cid])


def council_url(gss: str = MANCHESTER) -> str:
    return reverse("council_dashboard", args=[gss])


def csv_table(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def xlsx_table(response) -> list[list[Any]]:
    """The sheet's rows, each as wide as the header (a workbook leaves out trailing blanks)."""
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    return [row + [None] * (len(rows[0]) - len(row)) for row in rows]


def links(page: str) -> set[str]:
    """Every link's address, as a browser reads it."""
    return {html.unescape(href) for href in re.findall(r'href="([^"]*)"', page)}


def as_csv(rows: list[list[Any]]) -> list[list[str]]:
    """Rows of Python values as the CSV writes them."""
    return [["" if cell is None else str(cell) for cell in row] for row in rows]


def as_xlsx(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows of Python values as a workbook reads back: dates as midnight, local times naive."""
    def cell(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).replace(tzinfo=None)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        return value
    return [[cell(value) for value in row] for row in rows]


def sent_on(period, *, late: bool = False, hours: int = 1) -> str:
    when = period.due_at + dt.timedelta(days=1) if late else period.opens_at + dt.timedelta(hours=hours)
    return f"{timezone.localtime(when):%-d %b}" + (" (late)" if late else "")


def location_tables(m) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Each table of Oak House's page (4 weeks), worked out by hand from the fixture."""
    week3, week1 = (period_for(current_template("care-home"), week(n)) for n in (3, 1))
    return {
        "alerts": (["Alert", "Message", "Opened", "Status"], [
            ["Outbreak", "A confirmed outbreak", m.opened, "New"],
            ["PPE running out", "Under 3 days of masks", m.closed_opened, "Closed"],
        ]),
        "risk": (["Indicator", "Value", "Risk (0 to 1)", "Weight", "Points"], [
            ["Occupancy against break-even", "85.4% (break-even 85%)", 0.25, 20, 5.0],
            ["CQC overall rating", "Requires improvement", 0.5, 10, 5.0],
            ["Occupancy trend", "No data", None, 10, None],
            ["Score", None, None, None, 33.3],
        ]),
        "band-history": (["When", "From band", "To band", "Score"], [
            [m.rescored, "Low", "Medium", 33.3],
            [m.first_scored, None, "Low", 20.0],
        ]),
        "ratings": (["Key question", "Rating"], [
            ["Overall", "Requires improvement"], ["Safe", "Inadequate"], ["Effective", "Not rated"],
            ["Caring", "Not rated"], ["Responsive", "Not rated"], ["Well-led", "Not rated"],
        ]),
        # Occupancy 41 of 48 = 85.4% (corrected week 0) and 35 of 48 = 72.9%; absence 3 of 30.
        "chart-rates": (["Week starting", "Sent", "Bed occupancy (%)", "Staff absence (%)"], [
            [week3.start, "Not sent", None, None],
            [m.week2.start, sent_on(m.week2, late=True), 72.9, 10.0],
            [week1.start, "Not sent", None, None],
            [m.week0.start, sent_on(m.week0), 85.4, 10.0],
        ]),
    }


def get(user, url: str, **params) -> Any:
    return client_for(user).get(url, params)


@pytest.mark.parametrize("key", ["alerts", "risk", "band-history", "ratings", "chart-rates"])
def test_each_location_table_downloads_as_csv_and_xlsx_with_the_rows_shown(market, key):
    header, rows = location_tables(market)[key]
    params = {"weeks": "4", "table": key}
    response = get(market.council_user, location_url(), format="csv", **params)
    assert response["Content-Disposition"] == f'attachment; filename="location-1-101-{key}.csv"'
    assert csv_table(response) == [header, *as_csv(rows)]
    assert xlsx_table(get(market.council_user, location_url(), format="xlsx", **params)) == [
        header, *as_xlsx(rows)]


def test_the_location_page_shows_the_same_rows_and_links_to_each_download(market):
    page = get(market.council_user, location_url(), weeks="4").content.decode()
    assert table_with(page, "Alerts for Oak House").rows[1:] == [
        ["OutbreakA confirmed outbreak", f"{market.opened:%-d %b %Y}", "New"],
        ["PPE running outUnder 3 days of masks", f"{market.closed_opened:%-d %b %Y}", "Closed"],
    ]
    risk = table_with(page, "What makes up the score")
    assert risk.rows[1:] == [
        ["Occupancy against break-even", "85.4% (break-even 85%)", "0.25", "20", "5.0"],
        ["CQC overall rating", "Requires improvement", "0.50", "10", "5.0"],
        ["Occupancy trend", "No data", "–", "10", "–"],
        ["Score", "33.3"],
    ]
    assert f"{market.rescored:%-d %B %Y}: Low to medium (score 33.3)" in page
    assert table_with(page, "CQC ratings").rows[2] == ["Safe", "Inadequate"]
    chart = table_with(page, "Occupancy and staff absence, oldest first")
    late = sent_on(market.week2, late=True).replace(" (late)", " Late")
    assert chart.rows[2] == [f"{market.week2.start:%-d %B %Y}", late, "72.9%", "10%"]
    found = links(page)
    for key in ("alerts", "risk", "band-history", "ratings", "changes"):
        assert {f"?weeks=4&table={key}&format=csv", f"?weeks=4&table={key}&format=xlsx"} <= found, key
    assert "?weeks=4&chart=rates&table=chart-rates&format=csv" in found
    # The history table keeps its own links.
    assert "?weeks=4&template=care-home&format=csv" in found


def test_the_changes_download_has_every_save_newest_first_with_who_when_and_how(market):
    header, *rows = csv_table(get(market.council_user, location_url(), table="changes", format="csv"))
    assert header == ["When", "Period", "Who", "How", "What changed"]
    corrected = market.week0.opens_at + dt.timedelta(hours=2)
    assert rows[0] == [str(timezone.localtime(corrected)), describe(market.week0), "Ann Smith", "Web form",
                       "Occupied beds: 40 → 41; Vacant beds: 6 → 5"]
    assert [row[1] for row in rows] == [describe(market.week0), describe(market.week0), describe(market.week2)]
    first = rows[1][4].split("; ")
    assert {"Total beds: 48", "Occupied beds: 40", "Vacant beds: 6"} <= set(first)
    assert len(first) == 13  # the fields care_home_values gives
    book = xlsx_table(get(market.council_user, location_url(), table="changes", format="xlsx"))
    assert book[1][0] == timezone.localtime(corrected).replace(tzinfo=None)
    assert book[1][4] == "Occupied beds: 40 → 41; Vacant beds: 6 → 5"


def test_the_changes_download_is_not_limited_to_the_latest_the_page_shows(market):
    for n in range(3, 33):  # 30 more saves: 33 in all
        send(market, market.home_a, care_home_values(), n)
    page = get(market.council_user, location_url()).content.decode()
    assert len(table_with(page, "Changes to this location").rows) == 1 + 30
    assert "the latest 30: the download below has every one" in page
    rows = csv_table(get(market.council_user, location_url(), table="changes", format="csv"))
    assert len(rows) == 1 + 33


def test_the_chart_download_follows_the_weeks_chosen(market):
    rows = csv_table(get(market.council_user, location_url(), weeks="13", table="chart-rates", format="csv"))
    assert len(rows) == 1 + 13
    assert rows[-1] == as_csv([[market.week0.start, sent_on(market.week0), 85.4, 10.0]])[0]
    ppe = csv_table(get(market.council_user, location_url(), weeks="4", table="chart-ppe", format="csv"))
    assert ppe[0][:3] == ["Week starting", "Sent", "Days of masks in stock"]
    assert ppe[2][:3] == [str(market.week2.start), sent_on(market.week2, late=True), "14"]


def test_a_user_who_writes_a_formula_as_their_name_gets_it_as_text(market):
    market.provider_user.first_name, market.provider_user.last_name = '=HYPERLINK("http://x.example")', ""
    market.provider_user.save()
    rows = csv_table(get(market.council_user, location_url(), table="changes", format="csv"))
    assert rows[1][2] == "'=HYPERLINK(\"http://x.example\")"
    book = xlsx_table(get(market.council_user, location_url(), table="changes", format="xlsx"))
    assert book[1][2] == "'=HYPERLINK(\"http://x.example\")"


@pytest.mark.parametrize("persona", ["other_council_user", "rival_user"])
def test_those_who_cannot_see_the_location_cannot_download_its_tables(market, persona):
    for key in ("alerts", "risk", "band-history", "ratings", "changes", "chart-rates"):
        response = get(getattr(market, persona), location_url(), table=key, format="csv")
        assert response.status_code == 404, key


def test_an_unknown_table_is_not_found(market):
    assert get(market.council_user, location_url(), table="nonsense", format="csv").status_code == 404
    assert get(market.council_user, council_url(), table="nonsense", format="csv").status_code == 404


def test_the_history_table_download_still_works(market):
    rows = csv_table(get(market.council_user, location_url(), weeks="4", template="care-home", format="csv"))
    assert rows[0][:2] == ["Section", "Figure"]
    assert ["Beds", "Occupied beds", "41", "–", "35", "–"] in rows


# The council page's charts. Manchester with weeks=4: only Oak House and Birch Court sent
# returns (Moor View is in Leeds), in week 0 and week 2. Expected each week: Oak House,
# Birch Court and the agency's home care return = 3.
#   week 2: Oak House 35 of 48 = 72.9%, 11 vacant; 3 of 30 absent = 10.0%; an outbreak and
#           closed to admissions; 1 return of 3 = 33.3%
#   week 0: 41 + 55 of 48 + 60 = 96 of 108 = 88.9%, 5 + 5 = 10 vacant; 6 of 60 = 10.0%; 2 of 3 = 66.7%
def council_tables(m) -> dict[str, tuple[list[str], list[list[Any]]]]:
    w2, w0 = m.week2.start, m.week0.start
    return {
        "occupancy": (["Week starting", "Occupancy (%)"], [[w2, 72.9], [w0, 88.9]]),
        "vacancies": (["Week starting", "Vacant beds"], [[w2, 11], [w0, 10]]),
        "absence": (["Week starting", "All staff (%)", "Nurses (%)", "Care workers (%)"],
                    [[w2, 10.0, None, 10.0], [w0, 10.0, None, 10.0]]),
        "pressures": (["Week starting", "In outbreak", "PPE under 3 days", "Closed to admissions"],
                      [[w2, 1, 0, 1], [w0, 0, 0, 0]]),
        "received": (["Week starting", "Returns received (%)"], [[w2, 33.3], [w0, 66.7]]),
    }


@pytest.mark.parametrize("key", ["occupancy", "vacancies", "absence", "pressures", "received"])
def test_each_council_chart_table_downloads_with_the_rows_shown(market, key):
    header, rows = council_tables(market)[key]
    response = get(market.council_user, council_url(), weeks="4", table=key, format="csv")
    assert response["Content-Disposition"] == f'attachment; filename="council-E08000003-{key}.csv"'
    assert csv_table(response) == [header, *as_csv(rows)]
    book = xlsx_table(get(market.council_user, council_url(), weeks="4", table=key, format="xlsx"))
    assert book == [header, *as_xlsx(rows)]


def test_the_council_page_shows_the_chart_figures_and_links_to_them(market):
    page = get(market.council_user, council_url(), weeks="4").content.decode()
    occupancy = table_with(page, "Bed occupancy, week by week")
    assert occupancy.rows[1:] == [[f"{market.week2.start:%-d %B %Y}", "72.9%"],
                                  [f"{market.week0.start:%-d %B %Y}", "88.9%"]]
    found = links(page)
    for key in ("occupancy", "vacancies", "absence", "pressures", "received"):
        assert {f"?weeks=4&table={key}&format=csv", f"?weeks=4&table={key}&format=xlsx"} <= found, key
    assert "?weeks=4&format=csv" in found  # the locations tables, as before


def test_the_council_chart_download_applies_the_filters(market):
    # Rated Good: Birch Court alone, which sent only in week 0: 55 of 60 = 91.7%.
    rows = csv_table(get(market.council_user, council_url(), weeks="4", rating="good", table="occupancy",
                         format="csv"))
    assert rows == [["Week starting", "Occupancy (%)"], [str(market.week0.start), "91.7"]]
    page = get(market.council_user, council_url(), weeks="4", rating="good").content.decode()
    assert "?weeks=4&rating=good&table=occupancy&format=csv" in links(page)


def test_cached_content_links_to_the_choice_not_to_the_first_url_that_filled_the_cache(market):
    client = client_for(market.council_user)
    client.get(council_url(), {"weeks": "4", "stray": "x", "table": "vacancies"})  # fills the cache
    page = client.get(council_url(), {"weeks": "4"}).content.decode()
    assert "?weeks=4&table=occupancy&format=csv" in links(page)
    assert "stray" not in page
    client.get(location_url(), {"weeks": "4", "chart": "ppe", "stray": "x"})
    page = client.get(location_url(), {"weeks": "4", "chart": "ppe"}).content.decode()
    assert "?weeks=4&chart=ppe&table=chart-ppe&format=csv" in links(page)
    assert "stray" not in page


def test_the_council_download_reads_live_data_not_the_cached_page(market):
    client = client_for(market.council_user)
    good = {"weeks": "4", "rating": "good"}
    client.get(council_url(), good)  # Birch Court alone: week 0, 5 vacant
    Location.objects.filter(pk=market.home_a.pk).update(rating_overall="Good")  # adds no version row
    cached = table_with(client.get(council_url(), good).content.decode(), "Vacant beds, week by week")
    assert cached.rows[1:] == [[f"{market.week0.start:%-d %B %Y}", "5"]]
    rows = csv_table(client.get(council_url(), {**good, "table": "vacancies", "format": "csv"}))
    assert rows[1:] == [[str(market.week2.start), "11"], [str(market.week0.start), "10"]]


def test_no_other_councils_figures_reach_a_council_chart_download(market):
    leeds = get(market.other_council_user, council_url("E08000035"), weeks="4", table="occupancy", format="csv")
    assert csv_table(leeds) == [["Week starting", "Occupancy (%)"], [str(market.week0.start), "25.0"]]
    for persona in ("other_council_user", "provider_user"):
        response = get(getattr(market, persona), council_url(), weeks="4", table="occupancy", format="csv")
        assert response.status_code == 403, persona


PHONE = {"width": 390, "height": 844}


def look(page, axe_check, screenshot_dir, name: str) -> None:
    """axe finds nothing wrong on a desktop and a phone; a screenshot of each; no sideways page."""
    for size, label in (({"width": 1280, "height": 900}, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.reload()
        expect(page.locator(".mqis-chart .main-svg").first).to_be_visible()
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert axe_check() == []
        page.screenshot(path=str(screenshot_dir / f"downloads-{name}-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


@pytest.mark.django_db(transaction=True)
def test_an_officer_downloads_tables_from_the_location_and_council_pages(market, page, live_server, axe_check,
                                                                        screenshot_dir):
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", market.council_user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}{location_url()}?weeks=4")
    look(page, axe_check, screenshot_dir, "location")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as alerts:
        page.get_by_role("link", name="CSV of the alerts table").click()
    assert alerts.value.suggested_filename == "location-1-101-alerts.csv"
    with page.expect_download() as chart:
        page.get_by_role("link", name="XLSX of the chart’s data").click()
    assert chart.value.suggested_filename == "location-1-101-chart-rates.xlsx"

    page.goto(f"{live_server.url}{council_url()}?weeks=4")
    look(page, axe_check, screenshot_dir, "council")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as occupancy:
        page.get_by_role("link", name="CSV of the table of bed occupancy").click()
    assert occupancy.value.suggested_filename == "council-E08000003-occupancy.csv"
    rows = list(csv.reader(io.StringIO(open(occupancy.value.path(), encoding="utf-8-sig").read())))
    assert rows[1:] == as_csv(council_tables(market)["occupancy"][1])
