"""A provider manager reads a location's history and its area, in a real Chromium, on a desktop and a phone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mqis.lib.testing import PASSWORD, build_market, care_home_values
from mqis.registry.models import Location, Provider
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template
from mqis.returns.validation import validate_values

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def send(location, weeks_ago: int, late: bool = False, **changes: str) -> None:
    template = current_template("care-home")
    period = period_for(template, timezone.localdate() - dt.timedelta(weeks=weeks_ago))
    cleaned, errors = validate_values(template.fields, template.rules, care_home_values(**changes))
    assert not errors
    when = period.due_at + dt.timedelta(days=1) if late else period.opens_at + dt.timedelta(hours=1)
    store([Submission(location, period, template, cleaned)], user=None, channel="demo", now=when)


@pytest.fixture
def market():
    m = build_market()
    Location.objects.filter(pk=m.home_a.pk).update(
        address="1 Oak Street\nManchester", phone="0161 496 0000", rating_overall="Good",
        rating_safe="Requires improvement", rating_effective="Good", rating_caring="Good",
        rating_responsive="Good", rating_well_led="Good", rating_published=dt.date(2024, 6, 14),
        registered_on=dt.date(2015, 3, 2),
    )
    for weeks_ago in range(13):
        if weeks_ago == 5:
            continue  # a missed week
        occupied = 36 + weeks_ago % 5
        send(m.home_a, weeks_ago, late=weeks_ago == 3, beds_occupied=str(occupied),
             beds_vacant=str(46 - occupied), care_workers_absent=str(2 + weeks_ago % 4),
             ppe_days_masks=str(4 + weeks_ago), nurses_headcount="10", nurses_absent="1",
             support_needed="More agency nurses at weekends" if weeks_ago == 0 else "")
    cedar = Provider.objects.create(cqc_provider_id="1-400", name="Cedar Care Group")
    for n in range(6):
        home = Location.objects.create(
            cqc_location_id=f"1-50{n}", name=f"Cedar {n}", provider=cedar, council=m.manchester,
            care_home=True, beds=40, service_types=["Care home service with nursing"],
        )
        for weeks_ago in range(8):
            send(home, weeks_ago, beds_total="40", beds_occupied=str(30 + n), beds_closed="0",
                 beds_vacant=str(10 - n), outbreak_status="confirmed" if n == 0 else "none")
    return m


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def check_both_sizes(page, axe_check, screenshot_dir, name: str) -> None:
    """axe finds nothing wrong on a desktop and on a phone; screenshots of each."""
    expect(page.locator(".mqis-chart .main-svg").first).to_be_visible()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator(".mqis-chart .main-svg").first).to_be_visible()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / f"{name}-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page itself must not scroll sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_it_shows_a_manager_their_locations_history_and_cqc_details(
    market, page, live_server, axe_check, screenshot_dir
):
    sign_in(page, live_server, "acme.manager")
    page.goto(f"{live_server.url}/locations/1-101/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oak House")
    history = page.get_by_role("region", name="Every figure in the care home return")
    expect(history).to_contain_text("More agency nurses at weekends")
    expect(history.locator(".govuk-tag", has_text="Late")).to_have_count(1)
    expect(page.get_by_role("link", name="See Oak House on the CQC website")).to_have_attribute(
        "href", "https://www.cqc.org.uk/location/1-101")
    check_both_sizes(page, axe_check, screenshot_dir, "location")

    page.get_by_role("link", name="PPE", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/locations/1-101/?weeks=13&chart=ppe#charts")
    expect(page.get_by_role("heading", name="PPE", exact=True)).to_be_visible()
    page.get_by_role("link", name="26 weeks").click()
    expect(page.get_by_role("link", name="26 weeks")).to_have_attribute("aria-current", "true")
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "location-ppe-26-weeks.png"), full_page=False)


def test_it_shows_a_manager_their_area_without_other_providers(
    market, page, live_server, axe_check, screenshot_dir
):
    sign_in(page, live_server, "acme.manager")
    page.goto(f"{live_server.url}/provider/")
    page.get_by_role("link", name="See how your care homes compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your area")
    expect(page.get_by_role("heading", name="Manchester", level=2)).to_be_visible()
    expect(page.locator("#area-E08000006").locator("..")).to_contain_text("Too few homes reported")
    expect(page.locator("body")).not_to_contain_text("Cedar")
    expect(page.locator("body")).not_to_contain_text("Birch Court")
    check_both_sizes(page, axe_check, screenshot_dir, "area")
