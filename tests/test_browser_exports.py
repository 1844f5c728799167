"""The scorecard and the download links in a real Chromium: a download is the table, and the
pages stay accessible on a desktop and a phone."""

import csv
import io

import pytest
from django.utils import timezone

from mqis.lib.testing import PASSWORD, build_market, care_home_values
from mqis.returns.periods import current_period
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def market():
    m = build_market()
    template = current_template("care-home")
    period = current_period(template)
    submit_return(m.provider_user, m.home_a, template, period, care_home_values(), channel="web",
                  now=timezone.now())
    submit_return(m.provider_user, m.home_b, template, period, care_home_values(
        beds_total="30", beds_occupied="27", beds_closed="0", beds_vacant="3"), channel="web")
    return m


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_analyst_opens_the_scorecard_and_downloads_it(market, live_server, page, axe_check, screenshot_dir):
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}/regions/E12000002/")
    page.get_by_role("link", name="Council scorecard").click()
    assert page.locator("h1").inner_text() == "Council scorecard"
    headings = page.locator("table thead th").all_inner_texts()
    assert headings == ["Measure", "Manchester", "Salford"]
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.screenshot(path=str(screenshot_dir / f"exports-scorecard-{name}.png"), full_page=True)
        assert axe_check(page) == []
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV of the scorecard").click()
    download = info.value
    assert download.suggested_filename == "scorecard-E12000002.csv"
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert rows[0] == ["Measure", "Manchester", "Salford"]
    assert rows[1] == ["Beds", "48", "30"]


def test_the_region_page_offers_its_table_as_a_download(market, live_server, page, axe_check, screenshot_dir):
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}/regions/E12000002/?sort=beds&order=desc")
    links = page.get_by_text("Download this table")
    assert links.count() == 1
    page.set_viewport_size(PHONE)
    links.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "exports-region-links-phone.png"))
    assert axe_check(page) == []
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX of the councils table").click()
    assert info.value.suggested_filename == "councils-E12000002.xlsx"
