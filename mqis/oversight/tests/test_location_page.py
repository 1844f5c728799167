"""A location's page: every field week by week, its charts, CQC details, and who may open it.

Oak House (Acme, Manchester) sends these care home returns, counting weeks back from this one:

  week 0   on time   a full return: every field of the template given
  week 2   late      sent the day after its deadline: 35 occupied, closed to admissions
  week 6   on time   the standard return (care_home_values): outside 4 weeks, inside 13
  week 20  on time   the standard return: outside 13 weeks, inside 26
"""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mqis.lib.testing import build_market, care_home_values
from mqis.oversight.tests.html_tables import table_with
from mqis.registry.models import Location
from mqis.returns.periods import period_for
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db

FULL = care_home_values(
    beds_total="48", beds_occupied="40", beds_closed="2", beds_vacant="6",
    vacant_residential="4", vacant_nursing="2", vacant_dementia="0", vacant_reserved="1",
    nurses_headcount="10", nurses_agency="1", nurses_absent="2", care_workers_headcount="30",
    care_workers_agency="3", care_workers_absent="3", other_staff_headcount="8",
    other_staff_absent="1", agency_hours="1200", residents_confirmed="2",
    residents_suspected="1", staff_confirmed="0", staff_suspected="1",
    outbreak_status="suspected", deaths="1", ppe_days_masks="2", ppe_days_gloves="21",
    residents_vaccinated_pct="85.5", staff_vaccinated_pct="60", visiting_status="restricted",
    support_needed="More agency nurses at weekends",
)
LATE = care_home_values(
    beds_occupied="35", beds_vacant="11", admissions_status="closed",
    admissions_closed_reason="staffing", care_workers_absent="6", outbreak_status="confirmed",
)
# Every field of the care home return: (label, week 0, week 2), as the table shows them.
EVERY_FIELD = [
    ("Total beds", "48", "48"),
    ("Occupied beds", "40", "35"),
    ("Beds closed or out of use", "2", "2"),
    ("Vacant beds", "6", "11"),
    ("Vacant residential beds", "4", "–"),
    ("Vacant nursing beds", "2", "–"),
    ("Vacant dementia beds", "0", "–"),
    ("Vacant beds reserved (not accepting admissions)", "1", "–"),
    ("Are you accepting admissions?", "Yes, open to admissions", "No, closed to admissions"),
    ("Why are admissions closed?", "–", "Not enough staff"),
    ("Nurses employed", "10", "–"),
    ("Agency nurses working this week", "1", "–"),
    ("Nurses absent today", "2", "–"),
    ("Care workers employed", "30", "30"),
    ("Agency care workers working this week", "3", "–"),
    ("Care workers absent today", "3", "6"),
    ("Other staff employed", "8", "–"),
    ("Other staff absent today", "1", "–"),
    ("Agency hours used in the last 7 days", "1,200", "–"),
    ("Residents with a confirmed infection", "2", "–"),
    ("Residents with a suspected infection", "1", "–"),
    ("Staff with a confirmed infection", "0", "–"),
    ("Staff with a suspected infection", "1", "–"),
    ("Outbreak status", "Suspected outbreak", "Confirmed outbreak"),
    ("Resident deaths in the last 7 days", "1", "–"),
    ("Days of masks in stock", "2", "14"),
    ("Days of gloves in stock", "21", "14"),
    ("Days of aprons in stock", "14", "14"),
    ("Days of eye protection in stock", "14", "14"),
    ("Days of hand hygiene products in stock", "14", "14"),
    ("Residents vaccinated this season", "85.5%", "–"),
    ("Staff vaccinated this season", "60%", "–"),
    ("Visiting", "Restricted visiting", "–"),
    ("What support do you need?", "More agency nurses at weekends", "–"),
]


def week(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(weeks=n)


def send(market, values, weeks_ago: int, *, late: bool = False, location=None):
    template = current_template("care-home")
    period = period_for(template, week(weeks_ago))
    when = period.due_at + dt.timedelta(days=1) if late else period.opens_at + dt.timedelta(hours=1)
    submit_return(market.provider_user, location or market.home_a, template, period, values,
                  channel="form", now=when)
    return period


@pytest.fixture
def market():
    m = build_market()
    m.week0 = send(m, FULL, 0)
    m.week2 = send(m, LATE, 2, late=True)
    m.week6 = send(m, care_home_values(), 6)
    m.week20 = send(m, care_home_values(beds_occupied="30", beds_vacant="16"), 20)
    return m


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, location_id="1-101", **params) -> str:
    response = client_for(user).get(reverse("location_detail", args=[location_id]), params)
    assert response.status_code == 200
    return response.content.decode()


def history_table(html: str, name: str = "Care home return"):
    return table_with(html, f"{name}: each figure")


def test_it_shows_every_field_of_each_week_with_exact_values(market):
    table = history_table(page(market.council_user))
    assert len(EVERY_FIELD) == len(current_template("care-home").fields)
    for label, this_week, two_weeks_ago in EVERY_FIELD:
        cells = table.row(label)
        assert (cells[0], cells[1], cells[2]) == (this_week, "–", two_weeks_ago), label
    # Worked out from the figures: occupancy 40 of 48, absence 6 of 48 staff; then 35 of 48.
    assert table.row("Bed occupancy")[:3] == ["83.3%", "–", "72.9%"]
    assert table.row("Staff absence")[:3] == ["12.5%", "–", "20%"]


def test_it_shows_the_newest_week_first_with_its_date(market):
    table = history_table(page(market.council_user))
    header = table.rows[0]
    assert header[0] == "Week starting"
    assert header[1] == f"{market.week0.start:%-d %b %Y}"
    assert header[3] == f"{market.week2.start:%-d %b %Y}"


def test_it_marks_a_late_return_and_when_each_was_sent(market):
    sent = history_table(page(market.council_user)).row("Return sent")
    late_day = timezone.localtime(market.week2.due_at + dt.timedelta(days=1))
    assert sent[0] == f"{market.week0.start:%-d %b}"
    assert sent[1] == "Not sent"
    assert sent[2] == f"{late_day:%-d %b} Late"


def test_it_shows_13_weeks_unless_the_url_asks_for_4_26_or_52(market):
    def columns(html):
        return len(history_table(html).rows[0]) - 1

    default = page(market.council_user)
    assert columns(default) == 13
    assert history_table(default).row("Occupied beds")[6] == "40"  # week 6
    assert columns(page(market.council_user, weeks="4")) == 4
    assert columns(page(market.council_user, weeks="52")) == 52
    year = history_table(page(market.council_user, weeks="26"))
    assert year.row("Occupied beds")[20] == "30"  # week 20
    assert columns(page(market.council_user, weeks="9")) == 13
    html = page(market.council_user, weeks="26")
    assert re.search(r'href="\?weeks=26&amp;chart=rates#over-time" aria-current="true">26 weeks',
                     html)


def test_it_draws_the_chart_named_in_the_url_with_a_table_of_its_data(market):
    html = page(market.council_user, weeks="4", chart="ppe")
    data = json.loads(re.search(
        r'<script id="location-chart-data" type="application/json">(.*?)</script>', html, re.S
    ).group(1))
    assert data["unit"] == "days"
    assert data["dates"] == [(market.week0.start - dt.timedelta(weeks=k)).isoformat()
                             for k in (3, 2, 1, 0)]
    masks = next(t for t in data["traces"] if t["name"] == "Days of masks in stock")
    assert masks["y"] == [None, 14.0, None, 2.0]  # weeks 3, 2, 1 and 0
    assert '<script src="/static/vendor/plotly/plotly.min.js"></script>' in html
    table = table_with(html, "PPE, oldest first")
    assert table.row(f"{market.week2.start:%-d %B %Y}")[:2] == [
        f"{timezone.localtime(market.week2.due_at + dt.timedelta(days=1)):%-d %b} Late", "14"]
    assert 'href="?weeks=4&amp;chart=staff#charts"' in html
    assert 'href="?weeks=4&amp;chart=staff-hours#charts"' in html


def test_it_starts_with_occupancy_and_absence_and_ignores_an_unknown_chart(market):
    html = page(market.council_user, chart="nonsense")
    assert 'id="chart-title">Occupancy and staff absence</h3>' in html
    data = json.loads(re.search(
        r'<script id="location-chart-data" type="application/json">(.*?)</script>', html, re.S
    ).group(1))
    assert [t["name"] for t in data["traces"]] == ["Bed occupancy", "Staff absence"]
    assert data["traces"][0]["y"][-3:] == [72.9, None, 83.3]


def test_it_shows_a_home_care_agency_its_own_returns_fields(market):
    template = current_template("home-care")
    period = period_for(template, week(0))
    submit_return(market.provider_user, market.agency, template, period, {
        "packages_delivered": "120", "hours_delivered": "1500.5", "unmet_hours": "40",
        "staff_headcount": "50", "staff_absent": "5",
        **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
    }, channel="form", now=period.opens_at + dt.timedelta(hours=2))
    html = page(market.provider_user, "1-103")
    table = history_table(html, "Home care return")
    assert table.row("Hours of care delivered this week")[0] == "1,500.5"
    assert table.row("Staff absence")[0] == "10%"
    assert "Occupied beds" not in html
    assert 'id="chart-title">Occupancy and staff absence</h3>' in html


def test_it_shows_the_cqc_registration_and_ratings(market):
    Location.objects.filter(pk=market.home_a.pk).update(
        phone="0161 496 0000", address="1 Oak Street\nManchester", registered_on=dt.date(2015, 3, 2),
        rating_overall="Good", rating_safe="Requires improvement", rating_effective="Good",
        rating_caring="Outstanding", rating_responsive="Good", rating_well_led="Inadequate",
        rating_published=dt.date(2024, 6, 14), dormant=True,
    )
    html = page(market.provider_user)
    assert 'href="https://www.cqc.org.uk/location/1-101"' in html
    assert 'href="https://www.cqc.org.uk/provider/1-100"' in html
    for text in ("Acme Care Ltd", "CQC provider ID 1-100", "Care home service with nursing",
                 "0161 496 0000", "1 Oak Street<br>Manchester<br>M1 1AA", "2 March 2015",
                 "Published on 14 June 2024", "Dormant: registered but not providing care now",
                 "Manchester (E08000003)"):
        assert text in html, text
    assert re.search(r"Registered beds</dt><dd[^>]*>48</dd>", html)
    ratings = table_with(html, "CQC ratings")
    assert ratings.rows[1:] == [["Overall", "Good"], ["Safe", "Requires improvement"],
                                ["Effective", "Good"], ["Caring", "Outstanding"],
                                ["Responsive", "Good"], ["Well-led", "Inadequate"]]


def test_it_keeps_the_change_history_with_who_when_and_how(market):
    html = page(market.council_user)
    assert "First return: 33 figures" in html  # week 0: all but one field
    assert "acme.manager" in html and "Web form" in html


def test_it_has_an_alerts_section(market):
    html = page(market.council_user)
    assert 'href="#alerts"' in html and 'id="alerts"' in html


def test_it_lets_only_users_who_can_see_the_location_open_it(market):
    url = reverse("location_detail", args=["1-101"])
    assert client_for(market.provider_user).get(url).status_code == 200
    assert client_for(market.rival_user).get(url).status_code == 404
    assert client_for(market.other_council_user).get(url).status_code == 404
    assert client_for(market.council_user).get(url).status_code == 200
    assert client_for(market.provider_user).get(
        reverse("location_detail", args=["1-201"])).status_code == 404


def test_it_costs_the_same_queries_for_a_year_as_for_a_month(market):
    for n in range(21, 50):
        send(market, care_home_values(), n)
    client = client_for(market.council_user)
    url = reverse("location_detail", args=["1-101"])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as month:
        client.get(url, {"weeks": "4"})
    with CaptureQueriesContext(connection) as year:
        html = client.get(url, {"weeks": "52"}).content.decode()
    assert len(year.captured_queries) == len(month.captured_queries) <= 20, len(year.captured_queries)
    assert history_table(html).row("Occupied beds")[49] == "40"


def test_it_shows_a_return_changed_since_the_last_view_at_once(market):
    officer = client_for(market.council_user)
    url = reverse("location_detail", args=["1-101"])
    assert history_table(officer.get(url).content.decode()).row("Occupied beds")[0] == "40"
    template = current_template("care-home")
    submit_return(market.provider_user, market.home_a, template, market.week0,
                  {**FULL, "beds_occupied": "41", "beds_vacant": "5", "vacant_residential": "3"},
                  channel="form",
                  now=market.week0.opens_at + dt.timedelta(hours=2))
    html = officer.get(url).content.decode()
    assert history_table(html).row("Occupied beds")[0] == "41"
    assert "Occupied beds: 40 → 41" in html
