"""The forecast page in a real Chromium: the chart with its bands, the accuracy beside it,
the choices in the address, the plain statement for a short history, and accessibility on
a desktop and a phone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mqis.lib.testing import PASSWORD, build_market, care_home_values
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template
from mqis.returns.validation import validate_values

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MANCHESTER = "/councils/E08000003/forecast/"
SALFORD = "/councils/E08000006/forecast/"


def send(location, weeks_ago: int, total: int, occupied: int) -> None:
    template = current_template("care-home")
    values = care_home_values(beds_total=str(total), beds_occupied=str(occupied), beds_closed="0",
                              beds_vacant=str(total - occupied))
    cleaned, errors = validate_values(template.fields, template.rules, values)
    assert not errors
    period = period_for(template, timezone.localdate() - dt.timedelta(weeks=weeks_ago))
    store([Submission(location, period, template, cleaned)], user=None, channel="demo")


@pytest.fixture
def market():
    m = build_market()
    # Twenty weeks in Manchester, occupancy creeping up with a wobble; six in Salford.
    wobble = [0, 2, -1, 1, -2, 0, 1]
    for weeks_ago in range(1, 21):
        rise = (20 - weeks_ago) // 2
        send(m.home_a, weeks_ago, 48, 30 + rise + wobble[weeks_ago % 7])
        send(m.rival_home, weeks_ago, 60, 40 + rise - wobble[(weeks_ago + 3) % 7])
    for weeks_ago in range(1, 7):
        send(m.home_b, weeks_ago, 30, 25)
    return m


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_it_draws_the_forecast_with_its_accuracy_on_a_desktop_and_a_phone(
    market, browser, live_server, axe_check, screenshot_dir
):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        sign_in(page, live_server, "manchester.officer")
        page.goto(f"{live_server.url}{MANCHESTER}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Forecast of occupied beds")
        expect(page.locator("#mqis-forecast-chart .main-svg").first).to_be_visible()
        # History, forecast and both bands are drawn; the legend names them.
        legend = page.locator("#mqis-forecast-chart .legendtext").all_text_contents()
        assert legend == ["Returns", "Forecast", "80% range", "95% range"]
        accuracy = page.locator("#accuracy")
        expect(accuracy).to_contain_text("Accuracy over the past: on average the forecast 4 weeks ahead was off by")
        expect(accuracy).to_contain_text("‘the same as the last week’")
        expect(page.locator("#weeks-ahead + .mqis-table-scroll tbody tr")).to_have_count(12)
        if name == "desktop":
            # Beside the chart, not under it.
            chart, panel = page.locator("#mqis-forecast-chart").bounding_box(), accuracy.bounding_box()
            assert panel["x"] > chart["x"] + chart["width"] - 5 and panel["y"] < chart["y"] + chart["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert axe_check(page) == []
        page.screenshot(path=str(screenshot_dir / f"forecast-{name}.png"), full_page=True)
        context.close()


def test_the_choices_in_the_address_change_the_measure_and_the_weeks(market, page, live_server, axe_check):
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}{MANCHESTER}")
    page.get_by_role("navigation", name="What to forecast").get_by_role("link", name="Vacant beds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forecast of vacant beds")
    page.get_by_role("navigation", name="How far ahead").get_by_role("link", name="4 weeks").click()
    assert page.url.endswith("?measure=vacant&weeks=4")
    expect(page.locator("#weeks-ahead + .mqis-table-scroll tbody tr")).to_have_count(4)
    expect(page.get_by_role("link", name="4 weeks")).to_have_attribute("aria-current", "page")
    assert axe_check() == []


def test_a_short_history_gets_a_plain_statement_and_no_chart(market, browser, live_server, axe_check, screenshot_dir):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        sign_in(page, live_server, "nw.analyst")
        page.goto(f"{live_server.url}{SALFORD}")
        expect(page.locator("#forecast-statement")).to_have_text(
            "There are only 6 weeks of returns for Salford. A forecast needs at least 12 weeks, so none is shown.")
        expect(page.locator("#mqis-forecast-chart")).to_have_count(0)
        assert axe_check(page) == []
        page.screenshot(path=str(screenshot_dir / f"forecast-short-{name}.png"), full_page=True)
        context.close()
