"""Alerts in a real Chromium: a return sent through the form raises an alert that reaches the
right council's inbox and no other; the officer acknowledges and resolves it."""

import pytest
from playwright.sync_api import expect

from mqis.alerts.models import AlertRule
from mqis.lib.testing import build_market
from tests.test_browser_journey import fill_care_home_return, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def market():
    AlertRule.objects.filter(key="overdue").update(enabled=False)
    return build_market()


def send_return_short_of_gloves(page, live_server) -> None:
    sign_in(page, live_server, "acme.manager")
    page.goto(f"{live_server.url}/locations/1-101/returns/care-home/")
    fill_care_home_return(
        page, beds_total="48", beds_occupied="40", beds_closed="0", beds_vacant="8",
        care_workers_headcount="30", care_workers_absent="3",
        ppe_days_masks="10", ppe_days_gloves="2", ppe_days_aprons="10", ppe_days_eye="10",
        ppe_days_hand_hygiene="10",
    )
    page.get_by_label("No outbreak").check()
    page.get_by_label("Yes, open to admissions").check()
    page.get_by_role("button", name="Send return").click()
    expect(page.locator(".govuk-panel")).to_be_visible()


def test_a_saved_return_raises_an_alert_for_the_right_council_only(
    market, browser, live_server, axe_check, screenshot_dir
):
    manager = browser.new_page()
    send_return_short_of_gloves(manager, live_server)
    manager.close()

    other = browser.new_page()
    sign_in(other, live_server, "leeds.officer")
    other.goto(f"{live_server.url}/alerts/")
    expect(other.get_by_text("There are no new alerts")).to_be_visible()
    expect(other.get_by_text("Oak House")).to_have_count(0)
    other.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, "manchester.officer")
    page.goto(f"{live_server.url}/alerts/")
    nav = page.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link", name="Alerts 1 new")).to_be_visible()
    row = page.get_by_role("row", name="PPE running out at Oak House")
    expect(row).to_contain_text("PPE for under 3 days: gloves (2 days)")
    assert axe_check(page) == []
    page.screenshot(path=str(screenshot_dir / "alerts-inbox.png"), full_page=True)

    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PPE running out")
    assert axe_check(page) == []
    page.get_by_label("Note").fill("Rang the manager; gloves ordered")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("You acknowledged the alert.")).to_be_visible()
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a note saying what was done")
    assert axe_check(page) == []
    page.get_by_label("Note").fill("Gloves delivered on Tuesday")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("You resolved the alert.")).to_be_visible()
    expect(page.locator(".mqis-timeline")).to_contain_text("Gloves delivered on Tuesday")
    page.screenshot(path=str(screenshot_dir / "alerts-detail.png"), full_page=True)

    page.goto(f"{live_server.url}/councils/E08000003/alerts/")
    expect(page.get_by_role("row", name="PPE running out 1 1 1 (100.0%)")).to_be_visible()
    assert axe_check(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/alerts/?show=resolved")
    assert axe_check(page) == []
    page.screenshot(path=str(screenshot_dir / "alerts-inbox-phone.png"), full_page=True)
