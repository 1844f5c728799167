"""Risk profiles in a real Chromium, on a desktop and a phone: a location's risk section and a
council's market view are readable, accessible (axe) and scoped."""

import pytest
from playwright.sync_api import expect

from mqis.risk.scoring import rescore
from mqis.risk.tests.conftest import NOW
from mqis.risk.tests.conftest import market as risk_market  # noqa: F401 (a fixture)
from tests.test_browser_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def scored(risk_market):  # noqa: F811 (the fixture imported above)
    rescore(now=NOW)
    return risk_market


def check_sizes(page, axe_check, screenshot_dir, name: str, part=None) -> None:
    """No axe violations, and nothing scrolls the page sideways, at both sizes; screenshots of each."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.reload()
        assert axe_check() == []
        shot = str(screenshot_dir / f"{name}-{label}.png")
        if part is None:
            page.screenshot(path=shot, full_page=True)
        else:
            page.locator(part).screenshot(path=shot)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.set_viewport_size(DESKTOP)


def test_a_council_officer_reads_a_locations_risk_profile(scored, page, live_server, axe_check, screenshot_dir):
    sign_in(page, live_server, "manchester.officer")
    page.goto(f"{live_server.url}/locations/1-101/")
    section = page.get_by_role("region", name="Risk profile")
    expect(section).to_contain_text("49.9 out of 100")
    expect(section.locator(".govuk-tag")).to_have_text("Medium")
    expect(section).to_contain_text("it does not replace it")
    table = section.get_by_role("table")
    expect(table.locator("tbody tr").first).to_contain_text("Occupancy against break-even")
    expect(table.locator("tbody tr").first).to_contain_text("75.0% (break-even 85%)")
    expect(section).to_contain_text("first worked out as medium (score 49.9)")
    check_sizes(page, axe_check, screenshot_dir, "risk-location", part="section[aria-labelledby=risk]")

    section.get_by_role("link", name="How the risk score is worked out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How the risk score is worked out")
    check_sizes(page, axe_check, screenshot_dir, "risk-method")


def test_a_council_officer_sees_where_to_look_first_in_the_market(
    scored, page, live_server, axe_check, screenshot_dir
):
    sign_in(page, live_server, "manchester.officer")
    page.goto(f"{live_server.url}/locations/1-101/")
    page.get_by_role("link", name="Manchester’s market risk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Market risk")
    expect(page.locator(".mqis-stat").first).to_contain_text("232")
    expect(page.locator(".mqis-stat").nth(2)).to_contain_text("4,599")
    expect(page.locator(".mqis-stat").nth(2)).to_contain_text("Highly concentrated")
    first = page.get_by_role("row").filter(has_text="Cedar Court").first
    expect(first).to_contain_text("Critical")
    check_sizes(page, axe_check, screenshot_dir, "risk-market")
    page.set_viewport_size(PHONE)
    page.locator("#look-first-caption").locator("xpath=ancestor::div[1]").screenshot(
        path=str(screenshot_dir / "risk-market-list-phone.png"))
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Care homes", exact=True).click()
    expect(page.get_by_role("link", name="Care homes", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="Acme Homecare Manchester")).to_have_count(0)


def test_another_councils_officer_cannot_open_the_market_view(scored, page, live_server):
    sign_in(page, live_server, "leeds.officer")
    response = page.goto(f"{live_server.url}/councils/E08000003/market/")
    assert response is not None and response.status == 403
    expect(page.locator("body")).not_to_contain_text("Cedar Court")
