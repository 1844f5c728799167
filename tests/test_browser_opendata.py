"""The public open data page in a real Chromium, not signed in: accessible on a desktop and a
phone, its tables readable, and its CSV downloads."""

import re

import pytest
from playwright.sync_api import expect

from mqis.opendata.tests.market import build_open_data_market

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def market():
    return build_open_data_market()


def test_an_anonymous_visitor_reads_the_open_data_on_a_desktop(market, page, live_server, axe_check,
                                                               screenshot_dir):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/open-data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Care homes and home care by council")
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
    north_west = page.get_by_role("table", name=re.compile("each council in North West"))
    manchester = north_west.get_by_role("row", name=re.compile("^Manchester"))
    expect(manchester.get_by_role("cell")).to_have_text(
        ["6", "208", "188", "162", "24", "86.2", "[c]", "[c]", "0", "[c]"])
    expect(page.get_by_role("link", name="Open Government Licence v3.0")).to_be_visible()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "open-data-desktop.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these figures as a CSV file").click()
    saved = download.value
    assert saved.suggested_filename == f"mqis-open-data-councils-{market.last_week.start.isoformat()}.csv"
    lines = open(saved.path(), encoding="utf-8-sig").read().splitlines()
    assert lines[2].startswith("council,E08000003,Manchester,E12000002,North West,")
    assert len(lines) == 9  # a heading, 5 councils, 2 regions and all regions


def test_the_open_data_page_works_on_a_phone(market, page, live_server, axe_check, screenshot_dir):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/open-data/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # The page itself never scrolls sideways; each wide table scrolls in its own region.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    region = page.get_by_role("region", name=re.compile("each council in North West"))
    expect(region).to_be_visible()
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "open-data-phone.png"), full_page=True)
