"""The loop a return makes, in a real Chromium: a manager sends it, a council officer sees it."""

import re

import pytest
from playwright.sync_api import expect

from mqis.lib.testing import PASSWORD, build_market

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def market():
    return build_market()


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def fill_care_home_return(page, **values: str) -> None:
    for key, value in values.items():
        page.fill(f"#id_{key}", value)


def stat(page, label: str) -> str:
    card = page.locator(".mqis-stat", has=page.get_by_role("heading", name=label, exact=True))
    return card.locator(".mqis-stat__value").inner_text()


def test_it_takes_a_return_from_error_to_the_council_dashboard(
    market, page, live_server, axe_check, screenshot_dir
):
    sign_in(page, live_server, "acme.manager")
    page.goto(f"{live_server.url}/locations/1-101/returns/care-home/")
    fill_care_home_return(
        page, beds_total="48", beds_occupied="52", beds_closed="0", beds_vacant="0",
        care_workers_headcount="30", care_workers_absent="6",
        ppe_days_masks="10", ppe_days_gloves="2", ppe_days_aprons="10", ppe_days_eye="10",
        ppe_days_hand_hygiene="10",
    )
    page.get_by_label("No outbreak").check()
    page.get_by_label("Yes, open to admissions").check()
    page.get_by_role("button", name="Send return").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Occupied beds (52) cannot be more than total beds (48)")
    expect(page).to_have_title(re.compile("^Error: "))
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "journey-form-error.png"), full_page=True)
    summary.get_by_role("link", name=re.compile("Occupied beds")).click()
    expect(page.locator("#id_beds_occupied")).to_be_focused()

    page.fill("#id_beds_occupied", "40")
    page.fill("#id_beds_vacant", "8")
    page.get_by_role("button", name="Send return").click()
    expect(page.locator(".govuk-panel")).to_be_visible()
    assert axe_check() == []

    # The council officer sees the new figures at once.
    page.context.clear_cookies()
    sign_in(page, live_server, "manchester.officer")
    page.goto(f"{live_server.url}/councils/E08000003/")
    assert stat(page, "Bed occupancy") == "83.3%"
    assert stat(page, "Vacant beds") == "8"
    assert stat(page, "Staff absence") == "20.0%"
    assert stat(page, "Short of PPE") == "1"
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "journey-council-dashboard.png"), full_page=False)


def test_it_keeps_a_provider_out_of_another_providers_location(market, page, live_server):
    sign_in(page, live_server, "acme.manager")
    for path in ("/locations/1-201/", "/locations/1-201/returns/care-home/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.locator("body")).not_to_contain_text("Birch Court")
