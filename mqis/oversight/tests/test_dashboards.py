"""Region and council dashboards: exact figures, changes since last week, the URL's choices,
freshness and scope, for a hand-computed market.

The market (mqis.lib.testing.build_market) plus a few homes, with these returns
("now" is each location's latest return of the last 2 weeks; "a week ago" the same,
as the dashboard stood 7 days ago):

Manchester                   this week                        last week
  Oak House (rated Good)     48 beds, 40 occupied, 6 vacant;  48, 44 occupied, 4 vacant;
                             nurses 10 (3 absent), care       nurses 10 (4 absent), care
                             workers 30 (3 absent)            workers 30 (6 absent)
  Birch Court (Requires      none: its return is late         60 beds, 50 occupied, 10 vacant;
  improvement)                                                closed; care workers 40 (10
                                                              absent); outbreak; 2 days of masks
                             and older returns 3, 8 and 20 weeks ago (60 beds; 30, 45, 40 occupied)
  Acme Homecare (Good)       staff 50 (5 absent); PPE 10      staff 50 (10 absent); 2 days of masks
  Ash Grove (not rated)      no return: 20 registered beds
  Quiet Rest (Outstanding)   dormant, 10 registered beds, no return expected
  Old Mill                   deregistered: not on any dashboard
Salford
  Elm Lodge                  30 beds, 27 occupied, 3 vacant;  30, 24 occupied, 6 vacant;
                             care workers 20 (2 absent);      care workers 20 (5 absent);
                             suspected outbreak (not          outbreak; PPE 14
                             counted); 1 day of masks
Leeds (another region)
  Moor View                  this week: never on a North West page

The deadline of this week's returns has passed (the fixture moves it), so Birch Court,
which sent last week's but not this week's, is late.
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
from mqis.accounts.models import ApiToken, Membership
from mqis.lib.testing import build_market, care_home_values
from mqis.oversight import cache, change, figures
from mqis.oversight.measures import BY_KEY, MEASURES
from mqis.oversight.measures import change as measure_change
from mqis.registry.models import Council, Location, Provider
from mqis.returns.models import Period
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store, submit_return
from mqis.returns.templates import current_template
from mqis.returns.validation import validate_values

pytestmark = pytest.mark.django_db

HOME_CARE = {
    "packages_delivered": "120", "hours_delivered": "1500.5", "unmet_hours": "40",
    "staff_headcount": "50", "staff_absent": "5",
    **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
}
WEEK = dt.timedelta(days=7)


def add_home(cid, name, provider, council, beds, **extra):
    return Location.objects.create(
        cqc_location_id=cid, name=name, provider=provider, council=council, care_home=True,
        beds=beds, service_types=["Care home service with nursing"], **extra,
    )


def valid(values):
    template = current_template("care-home")
    cleaned, errors = validate_values(template.fields, template.rules, values)
    assert not errors
    return cleaned


def beds(total, occupied, vacant, **more):
    return care_home_values(beds_total=str(total), beds_occupied=str(occupied), beds_closed="0",
                            beds_vacant=str(vacant), **more)


@pytest.fixture
def market():
    m = build_market()
    weekly, home_care = current_template("care-home"), current_template("home-care")
    today = timezone.localdate()
    this_week, last_week = period_for(weekly, today), period_for(weekly, today - WEEK)
    care_this, care_last = period_for(home_care, today), period_for(home_care, today - WEEK)
    m.ash = add_home("1-202", "Ash Grove", m.bolt, m.manchester, 20)
    m.quiet = add_home("1-203", "Quiet Rest", m.bolt, m.manchester, 10, dormant=True,
                       rating_overall="Outstanding")
    m.old_mill = add_home("1-204", "Old Mill", m.bolt, m.manchester, 25, deregistered=True)
    Location.objects.filter(pk__in=[m.home_a.pk, m.agency.pk]).update(rating_overall="Good")
    Location.objects.filter(pk=m.rival_home.pk).update(rating_overall="Requires improvement")

    def send(user, home, period, values, template=weekly):
        submit_return(user, home, template, period, values, channel="form")

    def old(home, weeks_ago, values):
        # Periods this old are closed to the form: store them as the demo generator does.
        period = period_for(weekly, today - weeks_ago * WEEK)
        store([Submission(home, period, weekly, valid(values))], user=None, channel="demo")

    send(m.provider_user, m.home_a, this_week, care_home_values(nurses_headcount="10", nurses_absent="3"))
    send(m.provider_user, m.home_a, last_week, beds(48, 44, 4, nurses_headcount="10", nurses_absent="4",
                                                    care_workers_absent="6"))
    send(m.rival_user, m.rival_home, last_week, beds(
        60, 50, 10, admissions_status="closed", admissions_closed_reason="outbreak",
        care_workers_headcount="40", care_workers_absent="10", outbreak_status="confirmed",
        ppe_days_masks="2"))
    for weeks_ago, occupied in ((3, 30), (8, 45), (20, 40)):
        old(m.rival_home, weeks_ago, beds(60, occupied, 60 - occupied))
    send(m.provider_user, m.agency, care_this, HOME_CARE, home_care)
    send(m.provider_user, m.agency, care_last, {**HOME_CARE, "staff_absent": "10", "ppe_days_masks": "2"},
         home_care)
    send(m.provider_user, m.home_b, this_week, beds(30, 27, 3, care_workers_headcount="20",
                                                    care_workers_absent="2", outbreak_status="suspected",
                                                    ppe_days_masks="1"))
    send(m.provider_user, m.home_b, last_week, beds(30, 24, 6, care_workers_headcount="20",
                                                    care_workers_absent="5", outbreak_status="confirmed"))
    store([Submission(m.far_home, this_week, weekly, valid(care_home_values()))], user=None, channel="demo")
    Period.objects.filter(pk__in=[this_week.pk, care_this.pk]).update(
        due_at=timezone.now() - dt.timedelta(hours=1))
    m.this_week, m.last_week = this_week, last_week
    return m


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def council_url(council, query=""):
    return reverse("council_dashboard", args=[council.gss_code]) + query


def region_url(region, query=""):
    return reverse("region_dashboard", args=[region.code]) + query


def shown(comparison):
    """Each region-table measure now, a week ago, and its change as shown."""
    return {
        m.key: (m.value(comparison.now), m.value(comparison.before), change_of(m.key, comparison))
        for m in MEASURES
    }


def change_of(key, comparison):
    return measure_change(BY_KEY[key], comparison).shown


MANCHESTER = {
    "beds": (108, 108, "no change"),
    "vacant": (16, 14, "▲ 2"),
    "occupancy": (83.3, 87.0, "▼ 3.7"),  # 90 of 108; 94 of 108
    "closed": (1, 1, "no change"),
    "absence": (16.2, 23.1, "▼ 6.9"),  # 21 of 130; 30 of 130
    "nurse_absence": (30.0, 40.0, "▼ 10.0"),  # 3 of 10; 4 of 10
    "care_worker_absence": (18.6, 22.9, "▼ 4.3"),  # 13 of 70; 16 of 70
    "outbreaks": (1, 1, "no change"),
    "ppe": (1, 2, "▼ 1"),
    "received": (50.0, 75.0, "▼ 25.0"),  # 2 of 4 this week; 3 of 4 last week
}
SALFORD = {
    "beds": (30, 30, "no change"),
    "vacant": (3, 6, "▼ 3"),
    "occupancy": (90.0, 80.0, "▲ 10.0"),
    "closed": (0, 0, "no change"),
    "absence": (10.0, 25.0, "▼ 15.0"),
    "nurse_absence": (None, None, ""),  # no nurses: nothing to compare
    "care_worker_absence": (10.0, 25.0, "▼ 15.0"),
    "outbreaks": (0, 1, "▼ 1"),
    "ppe": (1, 0, "▲ 1"),
    "received": (100.0, 100.0, "no change"),
}
NORTH_WEST = {
    "beds": (138, 138, "no change"),
    "vacant": (19, 20, "▼ 1"),
    "occupancy": (84.8, 85.5, "▼ 0.7"),  # 117 of 138; 118 of 138
    "closed": (1, 1, "no change"),
    "absence": (15.3, 23.3, "▼ 8.0"),  # 23 of 150; 35 of 150
    "nurse_absence": (30.0, 40.0, "▼ 10.0"),
    "care_worker_absence": (16.7, 23.3, "▼ 6.6"),  # 15 of 90; 21 of 90
    "outbreaks": (1, 2, "▼ 1"),
    "ppe": (2, 2, "no change"),
    "received": (60.0, 80.0, "▼ 20.0"),  # 3 of 5; 4 of 5
}


# Figures


def test_it_compares_every_measure_with_last_week_for_each_council_exactly(market):
    locations = scope.visible_locations(market.region_user)
    by_council = change.compare_by(locations, "council_id")
    assert set(by_council) == {market.manchester.pk, market.salford.pk}
    assert shown(by_council[market.manchester.pk]) == MANCHESTER
    assert shown(by_council[market.salford.pk]) == SALFORD
    total = change.Comparison(figures.total(c.now for c in by_council.values()),
                              figures.total(c.before for c in by_council.values()))
    assert shown(total) == NORTH_WEST
    manchester = by_council[market.manchester.pk].now
    assert (manchester.locations, manchester.registered_beds, manchester.expected) == (5, 138, 4)
    assert (manchester.received, manchester.reporting) == (2, 3)


def test_it_reads_this_week_and_last_week_in_one_query_over_the_returns(market, django_assert_num_queries):
    templates = figures.current_templates()
    locations = scope.visible_locations(market.region_user)
    with django_assert_num_queries(3):  # the periods, the locations, the returns
        change.compare_by(locations, "council_id", templates=templates)


def test_it_agrees_with_the_latest_figures(market):
    locations = scope.visible_locations(market.council_user)
    assert change.compare_by(locations, None)[None].now == figures.figures_for(locations)


def test_it_sums_the_measures_per_week(market):
    series = figures.time_series(scope.visible_locations(market.region_user), 52)
    by_start = {point["start"]: point for point in series}
    this, last = by_start[market.this_week.start], by_start[market.last_week.start]
    assert len(series) == 5
    assert (this["returns"], this["beds_total"], this["beds_occupied"]) == (3, 78, 67)
    assert (this["absence_pct"], this["nurse_absence_pct"], this["care_worker_absence_pct"]) == (11.8, 30.0, 10.0)
    assert (this["in_outbreak"], this["short_of_ppe"], this["closed_to_admissions"]) == (0, 1, 0)
    assert (last["returns"], last["occupancy_pct"], last["absence_pct"]) == (4, 85.5, 23.3)
    assert (last["in_outbreak"], last["short_of_ppe"], last["closed_to_admissions"]) == (2, 2, 1)


def test_it_lists_why_each_location_needs_attention(market):
    rows = figures.location_rows(scope.visible_locations(market.council_user))
    reasons = {row.location.name: row.reasons for row in rows}
    assert reasons == {
        "Birch Court": ["Return late", "Outbreak", "PPE under 3 days", "Closed to admissions",
                        "Staff absence 25%"],
        "Ash Grove": ["No recent return"],
        "Oak House": ["Nurse absence 30%"],
        "Acme Homecare Manchester": [],
        "Quiet Rest": [],
    }
    assert [row.location.name for row in rows][:3] == ["Birch Court", "Ash Grove", "Oak House"]


# The region page


def cells(html, council):
    """(value, change, spoken) for each measure in a council's row of the councils table."""
    row = html[html.index(f">{council}</a></th>"):]
    row = row[:row.index("</tr>")]
    found = re.findall(r'<td[^>]*>([^<]*)(?:<span class="mqis-change" aria-hidden="true">([^<]*)</span>)?'
                       r'<span class="govuk-visually-hidden">, ([^<]*)</span></td>', row)
    return [tuple(cell) for cell in found]


def test_it_shows_every_measure_for_each_council_with_its_change_since_last_week(market):
    html = client_for(market.region_user).get(region_url(market.region)).content.decode()
    assert cells(html, "Manchester") == [
        ("108", "no change", "no change since last week"),
        ("16", "▲ 2", "up 2 since last week"),
        ("83.3%", "▼ 3.7", "down 3.7 points since last week"),
        ("1", "no change", "no change since last week"),
        ("16.2%", "▼ 6.9", "down 6.9 points since last week"),
        ("30.0%", "▼ 10.0", "down 10.0 points since last week"),
        ("18.6%", "▼ 4.3", "down 4.3 points since last week"),
        ("1", "no change", "no change since last week"),
        ("1", "▼ 1", "down 1 since last week"),
        ("50.0%", "▼ 25.0", "down 25.0 points since last week"),
    ]
    salford = cells(html, "Salford")
    assert salford[5] == ("–", "", "no figure to compare with last week")
    assert salford[2] == ("90.0%", "▲ 10.0", "up 10.0 points since last week")
    headings = re.findall(r'<th scope="col"[^>]*><a class="govuk-link" href="[^"]*">([^<]+)</a>', html)
    assert headings == ["Council", "Beds", "Vacant beds", "Occupancy", "Closed to admissions",
                        "Staff absence", "Nurse absence", "Care worker absence", "In outbreak",
                        "PPE under 3 days", "Returns received"]
    assert re.search(r"Bed occupancy</h3>\s*<p[^>]*>84.8%</p>", html)
    assert re.search(r"Returns received</h3>\s*<p[^>]*>3 <span[^>]*>of 5</span>", html)
    assert "▼ 0.7 points since last week" in html and "Down 0.7 points since last week" in html


def council_order(html):
    return re.findall(r'<th scope="row" class="govuk-table__header"><a class="govuk-link" '
                      r'href="/councils/[^/]+/">([^<]+)</a>', html)


def test_it_sorts_the_councils_by_the_measure_and_order_in_the_url(market):
    analyst = client_for(market.region_user)

    def page(query):
        return analyst.get(region_url(market.region, query)).content.decode()

    assert council_order(page("")) == ["Manchester", "Salford"]
    assert council_order(page("?sort=council&order=desc")) == ["Salford", "Manchester"]
    assert council_order(page("?sort=occupancy&order=desc")) == ["Salford", "Manchester"]
    assert council_order(page("?sort=occupancy&order=asc")) == ["Manchester", "Salford"]
    assert council_order(page("?sort=vacant")) == ["Manchester", "Salford"]  # most first
    # A council with no figure comes last, whichever the order.
    assert council_order(page("?sort=nurse_absence&order=asc")) == ["Manchester", "Salford"]
    assert council_order(page("?sort=nurse_absence&order=desc")) == ["Manchester", "Salford"]
    sorted_page = page("?sort=occupancy&order=desc")
    assert re.search(r'aria-sort="descending"><a class="govuk-link" href="\?sort=occupancy&amp;order=asc#councils">'
                     r"Occupancy</a>", sorted_page)
    assert re.search(r'aria-sort="none"><a class="govuk-link" href="\?#councils">Council</a>',
                     sorted_page)
    assert re.search(r'aria-sort="none"><a class="govuk-link" href="\?sort=absence&amp;order=desc#councils">',
                     sorted_page)
    # Nonsense in the URL gives the default view.
    assert council_order(page("?sort=drop+table&order=sideways")) == ["Manchester", "Salford"]


def test_it_colours_the_map_by_the_measure_in_the_url(market):
    analyst = client_for(market.region_user)
    html = analyst.get(region_url(market.region, "?measure=occupancy&sort=vacant")).content.decode()
    assert "Map of bed occupancy by council" in html
    assert 'aria-label="Manchester: 83.3% bed occupancy"' in html
    assert 'aria-label="Salford: 90.0% bed occupancy"' in html
    assert f'<a href="{council_url(market.manchester)}" aria-label="Manchester' in html
    assert '<option value="occupancy" selected>Bed occupancy</option>' in html
    # The form keeps the table's sort when the map's measure changes.
    assert '<input type="hidden" name="sort" value="vacant">' in html
    counts = analyst.get(region_url(market.region, "?measure=ppe")).content.decode()
    assert 'aria-label="Salford: 1 locations short of PPE"' in counts
    default = analyst.get(region_url(market.region, "?measure=nonsense")).content.decode()
    assert "Map of staff absence by council" in default
    assert 'aria-label="Manchester: 16.2% staff absence"' in default


def test_it_links_only_councils_the_user_may_open_on_the_map(market):
    html = client_for(market.admin_user).get(region_url(market.region)).content.decode()
    linked = re.findall(r'<a href="/councils/([^/]+)/" aria-label', html)
    assert sorted(linked) == ["E08000003", "E08000006"]


# The council page


def stat(html, label):
    found = re.search(rf"{label}</h3>\s*<p[^>]*>(.*?)</p>", html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


def test_it_shows_the_council_figures_with_their_change_and_the_locations_needing_attention(market):
    html = client_for(market.council_user).get(council_url(market.manchester)).content.decode()
    assert stat(html, "Returns received") == "2 of 4"
    assert (stat(html, "Bed occupancy"), stat(html, "Vacant beds"), stat(html, "Staff absence")) == (
        "83.3%", "16", "16.2%")
    assert (stat(html, "Closed to admissions"), stat(html, "In outbreak"), stat(html, "Short of PPE")) == (
        "1", "1", "1")
    assert "▼ 3.7 points since last week" in html and "▲ 2 since last week" in html
    assert "nurses 30.0%; care workers 18.6%" in html
    attention = html[html.index('id="attention"'):html.index('id="locations"')]
    others = html[html.index('id="locations"'):]
    link = r'<a class="govuk-link" href="/locations/[^/]+/">([^<]+)</a>'
    assert re.findall(link, attention) == ["Birch Court", "Ash Grove", "Oak House"]
    assert re.findall(link, others) == ["Acme Homecare Manchester", "Quiet Rest"]
    assert "Locations needing attention (3)" in html and "Other locations (2)" in html
    birch = attention[attention.index("Birch Court"):attention.index("Ash Grove")]
    assert re.findall(r"<strong>([^<]+)</strong>", birch) == [
        "Return late", "Outbreak", "PPE under 3 days", "Closed to admissions", "Staff absence 25%"]
    assert "<strong>Nurse absence 30%</strong>" in attention
    assert "Old Mill" not in html


def chart_data(html):
    found = re.search(r'<script id="mqis-charts-data" type="application/json">(.*?)</script>', html, re.S)
    return {chart["id"].removeprefix("mqis-chart-"): chart for chart in json.loads(found.group(1))}


def test_it_charts_each_measure_over_the_weeks_in_the_url_with_a_table_of_each(market):
    officer = client_for(market.council_user)
    html = officer.get(council_url(market.manchester)).content.decode()
    charts = chart_data(html)
    assert list(charts) == ["occupancy", "vacancies", "absence", "pressures", "received"]
    assert len(charts["occupancy"]["dates"]) == 4  # 13 weeks: 8 and 3 weeks ago, last week, this week
    assert charts["occupancy"]["lines"][0]["values"] == [75.0, 50.0, 87.0, 83.3]
    assert charts["vacancies"]["lines"][0]["values"] == [15, 30, 14, 6]
    absence = {line["name"]: line["values"][-2:] for line in charts["absence"]["lines"]}
    assert absence == {"All staff": [23.1, 12.2], "Nurses": [40.0, 30.0], "Care workers": [22.9, 10.0]}
    pressures = {line["name"]: line["values"][-2:] for line in charts["pressures"]["lines"]}
    assert pressures == {"In outbreak": [1, 0], "PPE under 3 days": [2, 0], "Closed to admissions": [1, 0]}
    assert charts["received"]["lines"][0]["values"] == [25.0, 25.0, 75.0, 50.0]
    assert html.count("Show the figures as a table") == 5
    assert re.search(rf"<th[^>]*>{market.last_week.start:%-d %B %Y}</th>\s*"
                     r'<td class="govuk-table__cell govuk-table__cell--numeric">23.1%</td>\s*'
                     r'<td class="govuk-table__cell govuk-table__cell--numeric">40.0%</td>', html)
    assert '<a class="govuk-link" href="?weeks=52#trends">12 months</a>' in html
    assert 'href="?#trends" aria-current="true">3 months</a>' in html
    month = chart_data(officer.get(council_url(market.manchester, "?weeks=4")).content.decode())
    assert month["occupancy"]["lines"][0]["values"] == [50.0, 87.0, 83.3]
    year = chart_data(officer.get(council_url(market.manchester, "?weeks=52")).content.decode())
    assert year["occupancy"]["lines"][0]["values"] == [66.7, 75.0, 50.0, 87.0, 83.3]
    odd = chart_data(officer.get(council_url(market.manchester, "?weeks=7")).content.decode())
    assert len(odd["occupancy"]["dates"]) == 4


def test_it_filters_figures_charts_and_lists_by_service_type_and_rating(market):
    officer = client_for(market.council_user)

    def page(query):
        return officer.get(council_url(market.manchester, query)).content.decode()

    homes = page("?service=care-homes")
    assert (stat(homes, "Returns received"), stat(homes, "Bed occupancy"), stat(homes, "Locations")) == (
        "1 of 3", "83.3%", "4")
    assert "Acme Homecare" not in homes and "Showing care homes." in homes
    assert '<option value="care-homes" selected>Care homes</option>' in homes
    care = page("?service=home-care")
    assert (stat(care, "Returns received"), stat(care, "Staff absence")) == ("1 of 1", "10.0%")
    assert chart_data(care)["absence"]["lines"][0]["values"] == [20.0, 10.0]
    assert page("?service=Homecare+agencies").count("Acme Homecare Manchester") == 1
    good = page("?rating=good")
    assert (stat(good, "Returns received"), stat(good, "Staff absence")) == ("2 of 2", "12.2%")
    assert "Showing locations rated Good." in good and "Birch Court" not in good
    assert '<option value="good" selected>Good</option>' in good
    birch = page("?service=care-homes&rating=requires-improvement")
    assert (stat(birch, "Returns received"), stat(birch, "Staff absence")) == ("0 of 1", "25.0%")
    unrated = page("?rating=not-rated")
    assert "Ash Grove" in unrated and "Oak House" not in unrated and "Showing locations not yet rated." in unrated
    assert 'href="?">Clear filters</a>' in unrated
    # The chosen weeks stay when filtering, and the filters when choosing weeks.
    both = page("?weeks=4&rating=good")
    assert '<input type="hidden" name="weeks" value="4">' in both
    assert 'href="?weeks=52&amp;rating=good#trends">12 months</a>' in both


# Freshness and the cache


def test_it_shows_a_saved_return_on_the_council_page_at_once(market):
    officer = client_for(market.council_user)
    before = officer.get(council_url(market.manchester)).content.decode()
    assert stat(before, "Returns received") == "2 of 4"
    manager = client_for(market.rival_user)
    url = reverse("submit_return", args=[market.ash.cqc_location_id, "care-home"])
    assert manager.post(url, beds(20, 20, 0)).status_code == 302
    after = officer.get(council_url(market.manchester)).content.decode()
    assert stat(after, "Returns received") == "3 of 4"
    assert stat(after, "Bed occupancy") == "85.9%"  # 110 of 128


def test_it_shows_a_return_sent_through_the_api_on_the_region_page_at_once(market):
    analyst = client_for(market.region_user)
    assert cells(analyst.get(region_url(market.region)).content.decode(), "Salford")[1][0] == "3"
    _, token = ApiToken.issue(market.provider_user)
    body = {"cqc_location_id": "1-102", "template": "care-home", "period": market.this_week.start.isoformat(),
            "values": beds(30, 20, 10, care_workers_headcount="20", care_workers_absent="2")}
    response = Client().post("/api/v1/returns", json.dumps(body), content_type="application/json",
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    after = analyst.get(region_url(market.region)).content.decode()
    assert cells(after, "Salford")[1] == ("10", "▲ 4", "up 4 since last week")


def test_it_answers_from_the_cache_until_the_data_changes(market):
    officer = client_for(market.council_user)
    officer.get(council_url(market.manchester))
    with CaptureQueriesContext(connection) as cached:
        html = officer.get(council_url(market.manchester)).content.decode()
    assert stat(html, "Returns received") == "2 of 4"
    assert len(cached.captured_queries) <= 8  # session, user, council, scope, data version, ...
    store([Submission(market.ash, market.this_week, current_template("care-home"), valid(beds(20, 10, 10)))],
          user=None, channel="demo")
    assert stat(officer.get(council_url(market.manchester)).content.decode(), "Returns received") == "3 of 4"


def test_it_keeps_a_councils_page_cached_when_another_council_sends_a_return(market):
    analyst = client_for(market.region_user)
    analyst.get(council_url(market.manchester))
    analyst.get(region_url(market.region))
    salford_return = valid(beds(30, 10, 20, care_workers_headcount="20", care_workers_absent="2"))
    store([Submission(market.home_b, market.this_week, current_template("care-home"), salford_return)],
          user=None, channel="demo")
    with CaptureQueriesContext(connection) as manchester:
        analyst.get(council_url(market.manchester))
    with CaptureQueriesContext(connection) as region:
        html = analyst.get(region_url(market.region)).content.decode()
    assert len(region.captured_queries) > len(manchester.captured_queries) + 3  # computed again
    assert cells(html, "Salford")[1][0] == "20"
    store([Submission(market.home_a, market.this_week, current_template("care-home"), valid(beds(48, 48, 0)))],
          user=None, channel="demo")
    assert stat(analyst.get(council_url(market.manchester)).content.decode(), "Vacant beds") == "10"


def test_it_keeps_each_scopes_cached_pages_to_that_scope(market):
    def computed(user, text):
        return cache.cached("council", user, "same choice", lambda: text)

    assert computed(market.council_user, "Manchester's") == "Manchester's"
    assert computed(market.other_council_user, "Leeds's") == "Leeds's"
    assert computed(market.region_user, "the region's") == "the region's"
    assert computed(market.admin_user, "everyone's") == "everyone's"
    assert computed(market.council_user, "recomputed") == "Manchester's"
    assert len({cache.scope_key(u) for u in (market.council_user, market.other_council_user,
                                              market.region_user, market.admin_user)}) == 4


def test_it_never_serves_a_cached_council_page_outside_its_scope(market):
    manchester = client_for(market.council_user)
    assert "Oak House" in manchester.get(council_url(market.manchester)).content.decode()
    leeds = client_for(market.other_council_user)
    assert leeds.get(council_url(market.manchester)).status_code == 403
    own = leeds.get(council_url(market.leeds)).content.decode()
    assert "Moor View" in own and "Oak House" not in own
    analyst = client_for(market.region_user)
    assert "Oak House" in analyst.get(council_url(market.manchester)).content.decode()
    assert analyst.get(council_url(market.leeds)).status_code == 403
    admin = client_for(market.admin_user)
    assert "Moor View" in admin.get(council_url(market.leeds)).content.decode()
    # Moved to Leeds, the officer no longer gets Manchester, cached or not.
    Membership.objects.filter(user=market.council_user).update(council=market.leeds)
    assert manchester.get(council_url(market.manchester)).status_code == 403
    assert "Moor View" in manchester.get(council_url(market.leeds)).content.decode()


def test_it_changes_the_data_version_when_a_registered_source_gains_a_row(market, monkeypatch):
    monkeypatch.setattr(cache, "_SOURCES", list(cache._SOURCES))
    cache.register_version_source(Provider)
    before = cache.data_version()
    assert cache.data_version() == before
    Provider.objects.create(cqc_provider_id="1-999", name="New Care Ltd")
    assert cache.data_version() != before


def test_it_times_each_response_in_a_server_timing_header(market):
    response = client_for(market.region_user).get(region_url(market.region))
    assert re.fullmatch(r"app;dur=\d+\.\d, cpu;dur=\d+\.\d", response["Server-Timing"])


# Access


def test_it_shows_a_council_user_only_their_council(market):
    officer = client_for(market.council_user)
    html = officer.get(council_url(market.manchester)).content.decode()
    assert "Oak House" in html and "Elm Lodge" not in html
    assert officer.get(council_url(market.salford)).status_code == 403
    assert officer.get(region_url(market.region)).status_code == 403
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


def test_it_keeps_the_region_page_queries_flat_as_the_market_grows(market, django_assert_max_num_queries):
    from django.core.cache import cache as django_cache

    analyst = client_for(market.region_user)
    analyst.get(region_url(market.region))  # warm the session and periods
    django_cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert analyst.get(region_url(market.region)).status_code == 200
    template = current_template("care-home")
    provider = Provider.objects.create(cqc_provider_id="1-900", name="Growth Care")
    for n in range(4):
        council = Council.objects.create(gss_code=f"E0800009{n}", name=f"Council {n}", region=market.region)
        homes = [add_home(f"1-9{n}{i}", f"Home {n}-{i}", provider, council, 30) for i in range(5)]
        store([Submission(home, market.this_week, template, valid(care_home_values())) for home in homes],
              user=None, channel="demo")
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = analyst.get(region_url(market.region)).content.decode()
    assert "Council 3" in html


def test_it_tells_a_user_without_a_role_to_ask_for_one(market):
    nobody = User.objects.create_user("new.starter")
    client = client_for(nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("no_role")
    html = client.get(reverse("no_role")).content.decode()
    assert "You do not have a role in MQIS yet" in html
    assert "new.starter" in html
    assert client.get(council_url(market.manchester)).status_code == 403
