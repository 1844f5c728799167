"""Dashboards: exact figures for a hand-computed market, scoped by role, live, and cheap.

The market (mqis.lib.testing.build_market) plus a few homes, with these returns:

Manchester
  Oak House      this week   48 beds, 40 occupied, 6 vacant, open; staff 40, 5 absent; PPE 14
  Birch Court    last week   60 beds, 50 occupied, 10 vacant, closed; staff 40, 10 absent;
                             confirmed outbreak; 2 days of masks (and an older return, ignored)
  Acme Homecare  this week   home care: staff 50, 5 absent; 40 unmet hours; PPE 10
  Ash Grove      no return   20 registered beds
  Quiet Rest     dormant     10 registered beds, no return expected
  Old Mill       deregistered: not on any dashboard
Salford
  Elm Lodge      this week   30 beds, 27 occupied, 3 vacant, open; staff 20, 2 absent;
                             suspected outbreak (not counted); 1 day of masks
Leeds (another region)
  Moor View      this week   never on a North West page
"""

import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mqis.accounts import scope
from mqis.lib.testing import build_market, care_home_values
from mqis.oversight import figures
from mqis.registry.models import Council, Location, Provider
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store, submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db

HOME_CARE = {
    "packages_delivered": "120", "hours_delivered": "1500.5", "unmet_hours": "40",
    "staff_headcount": "50", "staff_absent": "5",
    **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def add_home(cid, name, provider, council, beds, **extra):
    return Location.objects.create(
        cqc_location_id=cid, name=name, provider=provider, council=council, care_home=True,
        beds=beds, service_types=["Care home service with nursing"], **extra,
    )


@pytest.fixture
def market():
    m = build_market()
    weekly = current_template("care-home")
    home_care = current_template("home-care")
    today = timezone.localdate()
    this_week = period_for(weekly, today)
    last_week = period_for(weekly, today - dt.timedelta(days=7))
    long_ago = period_for(weekly, today - dt.timedelta(days=21))
    m.ash = add_home("1-202", "Ash Grove", m.bolt, m.manchester, 20)
    m.quiet = add_home("1-203", "Quiet Rest", m.bolt, m.manchester, 10, dormant=True)
    m.old_mill = add_home("1-204", "Old Mill", m.bolt, m.manchester, 25, deregistered=True)

    def send(user, home, period, values, template=weekly):
        submit_return(user, home, template, period, values, channel="form")

    send(m.provider_user, m.home_a, this_week, care_home_values(
        nurses_headcount="10", nurses_absent="2"))
    send(m.rival_user, m.rival_home, last_week, care_home_values(
        beds_total="60", beds_occupied="50", beds_closed="0", beds_vacant="10",
        admissions_status="closed", admissions_closed_reason="outbreak",
        care_workers_headcount="40", care_workers_absent="10", outbreak_status="confirmed",
        ppe_days_masks="2"))
    store([Submission(m.rival_home, long_ago, weekly, care_home_values(
        beds_total="60", beds_occupied="30", beds_closed="0", beds_vacant="30"))],
        user=None, channel="demo")
    send(m.provider_user, m.agency, period_for(home_care, today), HOME_CARE, home_care)
    send(m.provider_user, m.home_b, this_week, care_home_values(
        beds_total="30", beds_occupied="27", beds_closed="0", beds_vacant="3",
        care_workers_headcount="20", care_workers_absent="2", outbreak_status="suspected",
        ppe_days_masks="1"))
    store([Submission(m.far_home, this_week, weekly, care_home_values())],
          user=None, channel="demo")
    m.this_week, m.last_week = this_week, last_week
    return m


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def council_url(council):
    return reverse("council_dashboard", args=[council.gss_code])


def region_url(region):
    return reverse("region_dashboard", args=[region.code])


def as_numbers(f: figures.Figures):
    return {
        "locations": f.locations, "registered_beds": f.registered_beds, "expected": f.expected,
        "received": f.received, "reporting": f.reporting, "beds_total": f.beds_total,
        "beds_occupied": f.beds_occupied, "beds_vacant": f.beds_vacant,
        "occupancy_pct": f.occupancy_pct, "closed_to_admissions": f.closed_to_admissions,
        "staff_headcount": f.staff_headcount, "staff_absent": f.staff_absent,
        "absence_pct": f.absence_pct, "in_outbreak": f.in_outbreak,
        "short_of_ppe": f.short_of_ppe,
    }


MANCHESTER = {
    "locations": 5, "registered_beds": 138, "expected": 4, "received": 2, "reporting": 3,
    "beds_total": 108, "beds_occupied": 90, "beds_vacant": 16, "occupancy_pct": 83.3,
    "closed_to_admissions": 1, "staff_headcount": 130, "staff_absent": 20, "absence_pct": 15.4,
    "in_outbreak": 1, "short_of_ppe": 1,
}
SALFORD = {
    "locations": 1, "registered_beds": 30, "expected": 1, "received": 1, "reporting": 1,
    "beds_total": 30, "beds_occupied": 27, "beds_vacant": 3, "occupancy_pct": 90.0,
    "closed_to_admissions": 0, "staff_headcount": 20, "staff_absent": 2, "absence_pct": 10.0,
    "in_outbreak": 0, "short_of_ppe": 1,
}
NORTH_WEST = {
    "locations": 6, "registered_beds": 168, "expected": 5, "received": 3, "reporting": 4,
    "beds_total": 138, "beds_occupied": 117, "beds_vacant": 19, "occupancy_pct": 84.8,
    "closed_to_admissions": 1, "staff_headcount": 150, "staff_absent": 22, "absence_pct": 14.7,
    "in_outbreak": 1, "short_of_ppe": 2,
}


def test_it_computes_a_councils_latest_figures_exactly(market):
    locations = scope.visible_locations(market.council_user)
    assert as_numbers(figures.figures_for(locations)) == MANCHESTER


def test_it_breaks_a_region_down_by_council_in_two_queries(market, django_assert_num_queries):
    templates = figures.current_templates()
    periods = figures.current_periods(templates)
    locations = scope.visible_locations(market.region_user)
    with django_assert_num_queries(2):
        by_council = figures.figures_by(locations, "council_id", templates=templates,
                                        periods=periods)
    assert set(by_council) == {market.manchester.pk, market.salford.pk}
    assert as_numbers(by_council[market.manchester.pk]) == MANCHESTER
    assert as_numbers(by_council[market.salford.pk]) == SALFORD
    assert as_numbers(figures.total(by_council.values())) == NORTH_WEST


def test_it_sums_the_measures_per_week(market):
    series = figures.time_series(scope.visible_locations(market.region_user))
    by_start = {point["start"]: point for point in series}
    assert set(by_start) == {market.this_week.start, market.last_week.start,
                             market.last_week.start - dt.timedelta(days=14)}
    week = by_start[market.this_week.start]
    assert (week["returns"], week["beds_total"], week["beds_occupied"]) == (3, 78, 67)
    assert (week["occupancy_pct"], week["absence_pct"]) == (85.9, 10.9)  # 12 of 110
    assert by_start[market.last_week.start]["occupancy_pct"] == 83.3


def test_it_gives_the_same_series_whichever_way_a_wide_scope_is_read(market):
    locations = scope.visible_locations(market.region_user)
    assert figures.time_series(locations, wide=True) == figures.time_series(locations)
    leeds = scope.visible_locations(market.other_council_user)
    assert figures.time_series(leeds, wide=True) == figures.time_series(leeds)


def test_it_shows_the_council_figures_with_attention_worthy_homes_first(market):
    response = client_for(market.council_user).get(council_url(market.manchester))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"Returns received</h3>\s*<p[^>]*>2 <span[^>]*>of 4</span>", html)
    assert re.search(r"Bed occupancy</h3>\s*<p[^>]*>83.3%</p>", html)
    assert re.search(r"Vacant beds</h3>\s*<p[^>]*>16</p>", html)
    assert re.search(r"Closed to admissions</h3>\s*<p[^>]*>1</p>", html)
    assert re.search(r"Staff absence</h3>\s*<p[^>]*>15.4%</p>", html)
    assert re.search(r"In outbreak</h3>\s*<p[^>]*>1</p>", html)
    assert re.search(r"Short of PPE</h3>\s*<p[^>]*>1</p>", html)
    link = r'<a class="govuk-link" href="/locations/[^/]+/">([^<]+)</a>'
    order = [m.group(1) for m in re.finditer(link, html)]
    assert order == ["Birch Court", "Ash Grove", "Acme Homecare Manchester", "Oak House",
                     "Quiet Rest"]
    assert "Old Mill" not in html
    birch = html[html.index("Birch Court</a>"):html.index("Ash Grove</a>")]
    for reason in ("Outbreak", "PPE under 3 days", "Closed to admissions", "Staff absence 25%"):
        assert f'<strong class="govuk-!-font-weight-bold">{reason}</strong>' in birch


def test_it_shows_a_saved_return_on_the_council_page_at_once(market):
    officer = client_for(market.council_user)
    before = officer.get(council_url(market.manchester)).content.decode()
    assert re.search(r"Returns received</h3>\s*<p[^>]*>2 <span[^>]*>of 4</span>", before)
    manager = client_for(market.rival_user)
    url = reverse("submit_return", args=[market.ash.cqc_location_id, "care-home"])
    assert manager.post(url, care_home_values(beds_total="20", beds_occupied="20",
                                              beds_closed="0", beds_vacant="0")).status_code == 302
    after = officer.get(council_url(market.manchester)).content.decode()
    assert re.search(r"Returns received</h3>\s*<p[^>]*>3 <span[^>]*>of 4</span>", after)
    assert re.search(r"Bed occupancy</h3>\s*<p[^>]*>85.9%</p>", after)  # 110 of 128


def test_it_shows_a_council_user_only_their_council(market):
    officer = client_for(market.council_user)
    html = officer.get(council_url(market.manchester)).content.decode()
    assert "Oak House" in html and "Elm Lodge" not in html
    assert officer.get(council_url(market.salford)).status_code == 403
    assert officer.get(region_url(market.region)).status_code == 403
    assert officer.get(reverse("location_detail", args=["1-102"])).status_code == 404
    # The region is named in the breadcrumbs but not linked: its page would refuse them.
    assert f'href="{region_url(market.region)}"' not in html


def test_it_shows_a_region_user_every_council_in_their_region(market):
    analyst = client_for(market.region_user)
    response = analyst.get(region_url(market.region))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{council_url(market.manchester)}">Manchester</a>' in html
    assert f'href="{council_url(market.salford)}">Salford</a>' in html
    assert "Leeds" not in html
    assert re.search(r"Bed occupancy</h3>\s*<p[^>]*>84.8%</p>", html)
    assert re.search(r"Returns received</h3>\s*<p[^>]*>3 <span[^>]*>of 5</span>", html)
    salford_row = html[html.index(">Salford</a>"):]
    salford_row = salford_row[:salford_row.index("</tr>")]
    assert "1 of 1 (100%)" in salford_row and "90.0%" in salford_row and "10.0%" in salford_row
    assert analyst.get(council_url(market.salford)).status_code == 200
    assert analyst.get(council_url(market.leeds)).status_code == 403
    assert analyst.get(region_url(market.other_region)).status_code == 403


def test_it_refuses_dashboards_to_a_provider(market):
    manager = client_for(market.provider_user)
    assert manager.get(council_url(market.manchester)).status_code == 403
    assert manager.get(region_url(market.region)).status_code == 403
    assert manager.get(reverse("region_list")).status_code == 403


def test_it_lists_regions_for_an_administrator(market):
    html = client_for(market.admin_user).get(reverse("region_list")).content.decode()
    assert f'href="{region_url(market.region)}">North West</a>' in html
    assert "Yorkshire and The Humber" in html


def test_it_keeps_the_region_page_queries_flat_as_the_market_grows(
    market, django_assert_max_num_queries
):
    analyst = client_for(market.region_user)
    analyst.get(region_url(market.region))  # warm the session and periods
    with CaptureQueriesContext(connection) as small:
        assert analyst.get(region_url(market.region)).status_code == 200
    template = current_template("care-home")
    provider = Provider.objects.create(cqc_provider_id="1-900", name="Growth Care")
    for n in range(4):
        council = Council.objects.create(gss_code=f"E0800009{n}", name=f"Council {n}",
                                         region=market.region)
        homes = [add_home(f"1-9{n}{i}", f"Home {n}-{i}", provider, council, 30)
                 for i in range(5)]
        store([Submission(home, market.this_week, template, care_home_values())
               for home in homes], user=None, channel="demo")
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = analyst.get(region_url(market.region)).content.decode()
    assert "Council 3" in html


def test_it_shows_a_location_with_its_cqc_details_and_history(market):
    manager = client_for(market.provider_user)
    url = reverse("submit_return", args=[market.home_a.cqc_location_id, "care-home"])
    manager.post(url, care_home_values(nurses_headcount="10", nurses_absent="2",
                                       beds_occupied="41", beds_vacant="5"))
    Location.objects.filter(pk=market.home_a.pk).update(
        rating_overall="Good", rating_safe="Requires improvement",
        registered_on=dt.date(2015, 3, 2), address="1 Oak Street\nManchester",
    )
    detail = reverse("location_detail", args=[market.home_a.cqc_location_id])
    html = client_for(market.council_user).get(detail).content.decode()
    assert "Acme Care Ltd" in html and "1-100" in html and "M1 1AA" in html
    assert "Requires improvement" in html and "2 March 2015" in html
    assert "Care home service with nursing" in html
    assert "Occupied beds: 40 → 41" in html and "Vacant beds: 6 → 5" in html
    assert "acme.manager" in html and "Web form" in html
    assert "First return: " in html
    assert re.search(r"Bed occupancy</h3>\s*<p[^>]*>85.4%</p>", html)  # 41 of 48
    assert f'href="{council_url(market.manchester)}">Manchester</a>' in html
    assert url not in html
    own = client_for(market.provider_user).get(detail).content.decode()
    assert f'href="{url}"' in own
    assert f'href="{council_url(market.manchester)}"' not in own


def test_it_hides_a_location_outside_the_users_scope(market):
    detail = reverse("location_detail", args=[market.home_a.cqc_location_id])
    assert client_for(market.other_council_user).get(detail).status_code == 404
    assert client_for(market.rival_user).get(detail).status_code == 404
    assert client_for(market.region_user).get(detail).status_code == 200


def test_it_draws_the_chart_from_embedded_data_with_a_table_alternative(market):
    html = client_for(market.council_user).get(council_url(market.manchester)).content.decode()
    assert '<script src="/static/vendor/plotly/plotly.min.js"></script>' in html
    data = json.loads(re.search(
        r'<script id="mqis-chart-data" type="application/json">(.*?)</script>', html, re.S
    ).group(1))
    assert data["dates"][-2:] == [market.last_week.start.isoformat(),
                                  market.this_week.start.isoformat()]
    assert data["occupancy"][-2:] == [83.3, 83.3]
    assert "Show the chart’s data as a table" in html


def test_it_tells_a_user_without_a_role_to_ask_for_one(market):
    nobody = User.objects.create_user("new.starter")
    client = client_for(nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("no_role")
    html = client.get(reverse("no_role")).content.decode()
    assert "You do not have a role in MQIS yet" in html
    assert "new.starter" in html
    assert client.get(council_url(market.manchester)).status_code == 403
