"""The weekly report page in a real Chromium: accessible on a desktop and a phone, the PDF
downloads, and subscribing by e-mail works from the page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mqis.lib.testing import PASSWORD
from mqis.reports.models import ReportSubscription
from mqis.reports.tests.market import report_market

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MANCHESTER = "/councils/E08000003/report/"
NORTH_WEST = "/regions/E12000002/report/"


@pytest.fixture
def market():
    return report_market()


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def open_every_table(page) -> None:
    for summary in page.locator("details summary").all():
        summary.click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("username, path, name", [
    ("manchester.officer", MANCHESTER, "council"), ("nw.analyst", NORTH_WEST, "region"),
])
def test_the_report_page_is_accessible(market, browser, live_server, axe_check, screenshot_dir, viewport,
                                       username, path, name):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        sign_in(page, live_server, username)
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        for heading in ("Capacity and occupancy", "Workforce", "Outbreaks and PPE", "Risk", "Completeness",
                        "Forecast"):
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(page.get_by_role("img", name="Bed occupancy")).to_be_visible()
        assert axe_check(page) == []
        open_every_table(page)
        assert axe_check(page) == []
        # Nothing wider than the screen but the tables, which scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        kind = "phone" if viewport is PHONE else "desktop"
        page.screenshot(path=str(screenshot_dir / f"report-{name}-{kind}.png"), full_page=kind == "desktop")
    finally:
        context.close()


def test_the_pdf_downloads_from_the_report_page(market, page, live_server):
    sign_in(page, live_server, "manchester.officer")
    page.goto(f"{live_server.url}{MANCHESTER}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"mqis-manchester-{timezone.localdate().isoformat()}.pdf"
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"


def test_a_user_subscribes_from_the_report_page(market, page, live_server, axe_check, screenshot_dir):
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}{NORTH_WEST}")
    page.get_by_role("button", name="E-mail me this report every Monday").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "You will get this report by e-mail every Monday from 07:00.")
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "report-subscribed.png"))
    assert ReportSubscription.objects.get(user__username="nw.analyst").region.code == "E12000002"
    page.get_by_role("button", name="Stop e-mailing me this report").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("no longer")
    assert not ReportSubscription.objects.get(user__username="nw.analyst").active
