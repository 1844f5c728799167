"""Completeness pages in a real Chromium: a council officer checks returns and the chase list."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mqis.lib.testing import PASSWORD, build_market, care_home_values
from mqis.registry.models import Location
from mqis.returns.periods import current_period, period_for
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def market():
    """Three weeks of returns in Manchester: Oak House always, Birch Court once and late."""
    m = build_market()
    Location.objects.filter(pk=m.rival_home.pk).update(
        phone="0161 496 0123", address="1 Birch Road\nManchester")
    Location.objects.create(
        cqc_location_id="1-202", name="Ash Grove", provider=m.bolt, council=m.manchester,
        care_home=True, beds=20, service_types=["Nursing homes"], phone="0161 496 0999",
        address="4 Ash Lane\nDidsbury\nManchester", postcode="M20 2AB",
    )
    template = current_template("care-home")
    now = timezone.now()
    this_week = current_period(template, now)
    for weeks in (3, 2, 1):
        period = period_for(template, this_week.start - dt.timedelta(weeks=weeks))
        sent = timezone.make_aware(dt.datetime.combine(period.start, dt.time(10)))
        submit_return(m.provider_user, m.home_a, template, period, care_home_values(),
                      channel="form", now=sent)
        if weeks == 3:
            submit_return(m.rival_user, m.rival_home, template, period, care_home_values(),
                          channel="form", now=sent + dt.timedelta(days=3))
    return m


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def look_at(page, axe_check, screenshot_dir, name: str) -> None:
    """Check the page with axe, then screenshot it on a desktop and on a phone."""
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_it_takes_a_council_officer_from_the_figures_to_the_chase_list(
    market, page, live_server, axe_check, screenshot_dir
):
    sign_in(page, live_server, "manchester.officer")
    page.goto(f"{live_server.url}/councils/E08000003/completeness/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns received")
    missed = page.locator("table", has=page.get_by_text("Periods missed in a row"))
    expect(missed).to_contain_text("Ash Grove")
    expect(page.locator("#mqis-completeness-chart .main-svg").first).to_be_visible()
    look_at(page, axe_check, screenshot_dir, "completeness-council")

    page.get_by_role("link", name="Chase list: locations that have not sent the care home return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chase list")
    chase = page.locator("table", has=page.get_by_text("to chase"))
    expect(chase).to_contain_text("Ash Grove")
    expect(chase).to_contain_text("0161 496 0999")
    expect(chase).to_contain_text("bolt.manager@example.org")
    look_at(page, axe_check, screenshot_dir, "completeness-chase")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this list as a spreadsheet (CSV)").click()
    assert download.value.suggested_filename.startswith("chase-E08000003-care-home-")


def test_it_shows_a_regional_analyst_every_councils_rate(
    market, page, live_server, axe_check, screenshot_dir
):
    sign_in(page, live_server, "nw.analyst")
    page.goto(f"{live_server.url}/regions/E12000002/completeness/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns received by council")
    expect(page.locator("#mqis-completeness-chart .main-svg").first).to_be_visible()
    look_at(page, axe_check, screenshot_dir, "completeness-region")
