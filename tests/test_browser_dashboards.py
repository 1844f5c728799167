"""The region and council dashboards in a real Chromium: drilling down from the map, links
that reproduce a view, and accessibility on a desktop and a phone."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mqis.lib.testing import PASSWORD, build_market, care_home_values
from mqis.registry.models import Location
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template
from mqis.returns.validation import validate_values

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
REGION = "/regions/E12000002/"
MANCHESTER = "/councils/E08000003/"


def send(location, weeks_ago: int, **changes: str) -> None:
    template = current_template("care-home")
    period = period_for(template, timezone.localdate() - dt.timedelta(weeks=weeks_ago))
    cleaned, errors = validate_values(template.fields, template.rules, care_home_values(**changes))
    assert not errors
    store([Submission(location, period, template, cleaned)], user=None, channel="demo")


@pytest.fixture
def market():
    m = build_market()
    Location.objects.filter(pk=m.home_a.pk).update(rating_overall="Good")
    Location.objects.filter(pk=m.rival_home.pk).update(rating_overall="Requires improvement")
    for weeks_ago in range(6):
        send(m.home_a, weeks_ago, beds_occupied=str(36 + weeks_ago), beds_vacant=str(10 - weeks_ago),
             nurses_headcount="10", nurses_absent=str(weeks_ago % 3))
        send(m.home_b, weeks_ago, beds_total="30", beds_occupied=str(25 + weeks_ago % 3), beds_closed="0",
             beds_vacant=str(5 - weeks_ago % 3))
    send(m.rival_home, 1, beds_total="60", beds_occupied="50", beds_closed="0", beds_vacant="10",
         admissions_status="closed", admissions_closed_reason="outbreak", outbreak_status="confirmed",
         ppe_days_masks="2")
    return m


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def council_order(page) -> list[str]:
    return page.locator("table.mqis-compare tbody th").all_inner_texts()


def test_it_drills_down_from_a_council_on_the_map_to_a_location(market, page, live_server, axe_check,
                                                                   screenshot_dir):
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}{REGION}")
    expect(page.get_by_role("heading", level=1)).to_have_text("North West")
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "dashboards-region.png"), full_page=True)

    page.get_by_role("link", name=re.compile(r"^Manchester: .* staff absence$")).click()
    expect(page).to_have_url(re.compile(f"{MANCHESTER}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Manchester")
    expect(page.locator("#mqis-chart-occupancy .main-svg").first).to_be_visible()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "dashboards-council.png"), full_page=True)

    attention = page.locator("table", has_text="Needs attention")
    expect(attention).to_contain_text("Birch Court")
    expect(attention).to_contain_text("Closed to admissions")
    attention.get_by_role("link", name="Birch Court").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Birch Court")


def test_it_sorts_the_councils_and_changes_the_map_measure_without_javascript_tricks(market, page, live_server):
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}{REGION}")
    assert council_order(page) == ["Manchester", "Salford"]
    page.get_by_role("link", name="Occupancy", exact=True).click()
    expect(page.locator('th[aria-sort="descending"]')).to_have_text(re.compile("^Occupancy"))
    assert council_order(page) == ["Salford", "Manchester"]
    page.get_by_role("link", name="Occupancy", exact=True).click()
    expect(page.locator('th[aria-sort="ascending"]')).to_have_text(re.compile("^Occupancy"))
    assert council_order(page) == ["Manchester", "Salford"]
    page.get_by_label("Colour the map by").select_option(label="Vacant beds")
    page.get_by_role("button", name="Show on map").click()
    expect(page.locator("svg.mqis-map__svg title").first).to_have_text("Map of vacant beds by council")
    assert council_order(page) == ["Manchester", "Salford"]  # the sort survives
    assert "sort=occupancy" in page.url and "order=asc" in page.url and "measure=vacant" in page.url


def view_of_region(page) -> dict:
    return {
        "order": council_order(page),
        "sorted": page.locator("th[aria-sort='descending'], th[aria-sort='ascending']").inner_text(),
        "map": page.locator("svg.mqis-map__svg > title").text_content(),
        "measure": page.get_by_label("Colour the map by").input_value(),
    }


def view_of_council(page) -> dict:
    data = json.loads(page.locator("#mqis-charts-data").text_content() or "[]")
    return {
        "service": page.get_by_label("Type of service").input_value(),
        "rating": page.get_by_label("CQC overall rating").input_value(),
        "weeks": page.locator(".mqis-periods [aria-current]").inner_text(),
        "dates": data[0]["dates"],
        "locations": page.locator("main table th[scope=row] a").all_inner_texts(),
    }


def test_it_opens_the_same_view_from_a_shared_link_after_signing_in(market, browser, page, live_server):
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}{REGION}")
    page.get_by_role("link", name="Vacant beds", exact=True).click()
    page.get_by_label("Colour the map by").select_option("occupancy")
    page.get_by_role("button", name="Show on map").click()
    region_link, region_view = page.url.split("#")[0], view_of_region(page)
    assert region_view["map"] == "Map of bed occupancy by council"

    page.goto(f"{live_server.url}{MANCHESTER}")
    page.get_by_label("Type of service").select_option("care-homes")
    page.get_by_label("CQC overall rating").select_option("good")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name="4 weeks").click()
    council_link, council_view = page.url.split("#")[0], view_of_council(page)
    assert council_view["weeks"] == "4 weeks" and council_view["locations"] == ["Oak House"]
    assert len(council_view["dates"]) == 4

    # A colleague opens the links from an e-mail: signed out, in a browser of their own.
    fresh = browser.new_context(viewport=DESKTOP)
    other = fresh.new_page()
    try:
        other.goto(region_link)
        expect(other).to_have_url(re.compile("/sign-in/"))
        other.fill("#id_username", "admin.user")
        other.fill("#id_password", PASSWORD)
        other.get_by_role("button", name="Sign in").click()
        expect(other).to_have_url(region_link)
        assert view_of_region(other) == region_view
        other.goto(council_link)
        assert view_of_council(other) == council_view
    finally:
        fresh.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_it_passes_axe_on_the_region_and_council_pages(market, browser, live_server, axe_check, screenshot_dir,
                                                       viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    size = "phone" if viewport is PHONE else "desktop"
    try:
        sign_in(page, live_server, "nw.analyst")
        for name, path in [("region", f"{REGION}?sort=absence&order=desc&measure=ppe"),
                           ("council", f"{MANCHESTER}?weeks=52&rating=good")]:
            page.goto(f"{live_server.url}{path}")
            page.locator("summary").first.click() if name == "council" else None
            assert axe_check(page) == [], name
            # Nothing but the tables' own scrolling boxes may be wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.screenshot(path=str(screenshot_dir / f"dashboards-{name}-{size}.png"), full_page=True)
    finally:
        context.close()
