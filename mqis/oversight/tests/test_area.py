"""A provider's area: its council's care homes in aggregate, beside its own, and nothing else.

The market (mqis.lib.testing.build_market) plus five more Manchester care homes. Returns
this week, all open and with no outbreak unless said:

Manchester (7 care homes report; Acme's agency is not a care home)
  Oak House     Acme   48 beds, 40 occupied; staff 30, 3 absent; PPE 14 days
  Birch Court   Bolt   60 beds, 50 occupied; staff 40, 10 absent; closed, confirmed outbreak,
                       2 days of masks
  Ash Grove     Bolt   20 beds, 20 occupied; staff 15, 0 absent
  Beech House   Bolt   30 beds, 25 occupied; staff 20, 4 absent; suspected outbreak (not
                       counted); 1 day of gloves
  Cedar One     Cedar  40 beds, 30 occupied; staff 25, 5 absent; closed
  Cedar Two     Cedar  25 beds, 20 occupied; staff 20, 2 absent; confirmed outbreak
  Cedar Three   Cedar  35 beds, 35 occupied; staff 30, 6 absent
  Last week only Oak House, Birch Court and Cedar One sent returns.
Salford
  Elm Lodge     Acme   30 beds, 27 occupied; staff 20, 2 absent: the only home, so no area figure

All of Manchester: 7 homes; 2 in outbreak (28.6%); 2 closed (28.6%); 220 of 258 beds
occupied (85.3%); 30 of 180 staff absent (16.7%); 2 short of PPE (28.6%).
Acme's Oak House alone: 40 of 48 beds (83.3%); 3 of 30 staff absent (10.0%).
"""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mqis.accounts import scope
from mqis.accounts.models import Membership, Role
from mqis.lib.testing import build_market, care_home_values
from mqis.oversight.tests.html_tables import table_with
from mqis.registry.models import Location, Provider
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template
from mqis.returns.validation import validate_values

pytestmark = pytest.mark.django_db

TOO_FEW = ("Too few homes reported to show the area figure without revealing another "
           "provider’s figures")
OTHER_HOMES = {
    # name: (provider, beds, occupied, staff, absent, extra values)
    "Ash Grove": ("bolt", 20, 20, 15, 0, {}),
    "Beech House": ("bolt", 30, 25, 20, 4, {"outbreak_status": "suspected",
                                            "ppe_days_gloves": "1"}),
    "Cedar One": ("cedar", 40, 30, 25, 5, {"admissions_status": "closed",
                                           "admissions_closed_reason": "staffing"}),
    "Cedar Two": ("cedar", 25, 20, 20, 2, {"outbreak_status": "confirmed"}),
    "Cedar Three": ("cedar", 35, 35, 30, 6, {}),
}


def values(beds, occupied, staff, absent, **extra):
    return care_home_values(
        beds_total=str(beds), beds_occupied=str(occupied), beds_closed="0",
        beds_vacant=str(beds - occupied), care_workers_headcount=str(staff),
        care_workers_absent=str(absent), **extra,
    )


def send(location, figures, weeks_ago=0):
    template = current_template("care-home")
    period = period_for(template, timezone.localdate() - dt.timedelta(weeks=weeks_ago))
    cleaned, errors = validate_values(template.fields, template.rules, figures)
    assert not errors
    store([Submission(location, period, template, cleaned)], user=None, channel="demo",
          now=period.opens_at + dt.timedelta(hours=1))


def add_home(cid, name, provider, council, beds):
    return Location.objects.create(
        cqc_location_id=cid, name=name, provider=provider, council=council, care_home=True,
        beds=beds, service_types=["Care home service with nursing"],
    )


@pytest.fixture
def market():
    m = build_market()
    cedar = Provider.objects.create(cqc_provider_id="1-400", name="Cedar Care Group")
    providers = {"bolt": m.bolt, "cedar": cedar}
    send(m.home_a, values(48, 40, 30, 3))
    send(m.rival_home, values(60, 50, 40, 10, admissions_status="closed",
                              admissions_closed_reason="outbreak", outbreak_status="confirmed",
                              ppe_days_masks="2"))
    send(m.home_b, values(30, 27, 20, 2))
    for n, (name, (owner, beds, occupied, staff, absent, extra)) in enumerate(OTHER_HOMES.items()):
        home = add_home(f"1-5{n}", name, providers[owner], m.manchester, beds)
        send(home, values(beds, occupied, staff, absent, **extra))
        if name == "Cedar One":
            send(home, values(beds, 20, staff, 1), weeks_ago=1)
    send(m.home_a, values(48, 44, 30, 6), weeks_ago=1)
    send(m.rival_home, values(60, 60, 40, 0), weeks_ago=1)
    return m


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def area_page(user, **params) -> str:
    response = client_for(user).get(reverse("provider_area"), params)
    assert response.status_code == 200
    return response.content.decode()


def manchester_section(html: str) -> str:
    start = html.index('id="area-E08000003"')
    return html[start:html.index("</section>", start)]


def test_it_gives_a_provider_the_councils_where_it_runs_active_locations(market):
    assert list(scope.area_councils(market.provider_user).order_by("name")) == [
        market.manchester, market.salford]
    assert list(scope.area_councils(market.rival_user)) == [market.manchester]
    Location.objects.filter(pk=market.home_b.pk).update(deregistered=True)
    assert list(scope.area_councils(market.provider_user)) == [market.manchester]
    for user in (market.council_user, market.region_user, market.admin_user):
        assert not scope.area_councils(user).exists()


def test_it_shows_manchesters_care_homes_in_aggregate_beside_the_providers_own(market):
    html = area_page(market.provider_user)
    table = table_with(html, "your care homes and all care homes in Manchester")
    assert table.rows == [
        ["Measure", "Your care homes", "All care homes in Manchester"],
        ["Care homes reporting", "1 of 1 care home", "7 of 7 care homes"],
        ["In outbreak", "0.0% 0 of 1 home", "28.6% 2 of 7 homes"],
        ["Closed to admissions", "0.0% 0 of 1 home", "28.6% 2 of 7 homes"],
        ["Bed occupancy", "83.3% 40 of 48 beds", "85.3% 220 of 258 beds"],
        ["Staff absence", "10.0% 3 of 30 staff", "16.7% 30 of 180 staff"],
        ["Short of PPE (under 3 days of an item)", "0.0% 0 of 1 home", "28.6% 2 of 7 homes"],
    ]


def test_it_shows_the_last_weeks_and_hides_a_week_with_too_few_other_homes(market):
    html = area_page(market.provider_user)
    this_week = period_for(current_template("care-home"), timezone.localdate()).start
    last_week = this_week - dt.timedelta(weeks=1)
    occupancy = table_with(html, "Bed occupancy each week in Manchester")
    assert occupancy.rows[1:] == [
        [f"{last_week:%-d %B %Y}", "91.7%", "Too few homes"],  # only 2 others reported
        [f"{this_week:%-d %B %Y}", "83.3%", "85.3%"],
    ]
    absence = table_with(html, "Staff absence each week in Manchester")
    assert absence.rows[-1] == [f"{this_week:%-d %B %Y}", "10.0%", "16.7%"]


def test_it_never_shows_another_providers_homes_or_figures(market):
    html = area_page(market.provider_user)
    for name in ("Birch Court", "Bolt Homes", "Ash Grove", "Beech House", "Cedar", "1-201"):
        assert name not in html, name
    # Birch Court's own figures, in the forms the page writes figures.
    for figure in ("50 of 60", "10 of 40", "25.0%"):
        assert figure not in html, figure
    assert "Oak House" not in html  # even its own homes are only summed here


def test_it_leaves_out_the_area_figure_when_too_few_other_homes_reported(market):
    html = area_page(market.provider_user)
    start = html.index('id="area-E08000006"')
    salford = html[start:html.index("</section>", start)]
    assert TOO_FEW in salford
    table = table_with(html, "your care homes in Salford")
    assert table.rows[0] == ["Measure", "Your care homes"]
    assert table.row("Bed occupancy") == ["90.0% 27 of 30 beds"]
    assert "All care homes in Salford</th>" not in salford
    assert TOO_FEW not in manchester_section(html)


def test_it_gives_a_provider_with_homes_in_two_councils_a_section_for_each(market):
    html = area_page(market.provider_user)
    assert html.count('<section class="govuk-!-margin-bottom-9"') == 2
    assert '<a class="govuk-link" href="#area-E08000003">Manchester</a>' in html
    assert '<a class="govuk-link" href="#area-E08000006">Salford</a>' in html
    rival = area_page(market.rival_user)
    assert rival.count("<section ") == 1 and "Salford" not in rival
    # Bolt runs 3 of Manchester's 7 homes: 4 others reported, too few.
    assert TOO_FEW in rival


def test_it_lets_a_provider_narrow_to_one_of_its_councils_only(market):
    html = area_page(market.provider_user, council="E08000006")
    assert "Salford" in html and 'id="area-E08000003"' not in html
    response = client_for(market.provider_user).get(reverse("provider_area"),
                                                    {"council": "E08000035"})
    assert response.status_code == 404


def test_it_refuses_the_area_page_to_council_and_region_users(market):
    for user in (market.other_council_user, market.council_user, market.region_user):
        assert client_for(user).get(reverse("provider_area")).status_code == 403


def test_it_shows_an_administrator_a_named_councils_area_figures(market):
    admin = client_for(market.admin_user)
    assert admin.get(reverse("provider_area")).status_code == 403
    html = area_page(market.admin_user, council="E08000003")
    table = table_with(html, "all care homes in Manchester")
    assert table.rows[0] == ["Measure", "All care homes in Manchester"]
    assert table.row("Bed occupancy") == ["85.3% 220 of 258 beds"]
    assert admin.get(reverse("provider_area"), {"council": "E99999999"}).status_code == 404


def test_it_links_the_area_from_the_providers_home_page(market):
    html = client_for(market.provider_user).get(reverse("provider_home")).content.decode()
    assert f'href="{reverse("provider_area")}"' in html


def test_it_shows_a_provider_with_no_care_home_in_a_council_only_the_area(market):
    dom = Provider.objects.create(cqc_provider_id="1-600", name="Dom Care")
    Location.objects.create(
        cqc_location_id="1-601", name="Dom Care Manchester", provider=dom,
        council=market.manchester, care_home=False, service_types=["Homecare agencies"],
    )
    manager = User.objects.create_user("dom.manager")
    Membership.objects.create(user=manager, role=Role.PROVIDER, provider=dom)
    html = area_page(manager)
    assert "You run no care home in Manchester" in html
    table = table_with(html, "all care homes in Manchester")
    assert table.rows[0] == ["Measure", "All care homes in Manchester"]
    assert table.row("Bed occupancy") == ["85.3% 220 of 258 beds"]  # all 7 are others'
    assert "Your care homes" not in html
