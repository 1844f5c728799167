"""The inbox, an alert's page and a council's alert figures, each as its users see them."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from mqis.alerts import actions
from mqis.alerts.models import Alert, AlertEvent, AlertRule
from mqis.lib.testing import PASSWORD, build_market, care_home_values
from mqis.returns.periods import current_period
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    AlertRule.objects.filter(key="overdue").update(enabled=False)
    m = build_market()
    template = current_template("care-home")
    period = current_period(template)
    submit_return(m.admin_user, m.home_a, template, period, care_home_values(ppe_days_gloves="1"), channel="form")
    submit_return(m.admin_user, m.far_home, template, period,
                  care_home_values(outbreak_status="confirmed"), channel="form")
    return m


def client_for(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def alert_at(location) -> Alert:
    return Alert.objects.get(location=location)


@pytest.mark.parametrize("who, sees", [
    ("council_user", {"Oak House"}),
    ("other_council_user", {"Moor View"}),
    ("region_user", {"Oak House"}),
    ("provider_user", {"Oak House"}),
    ("rival_user", set()),
    ("admin_user", {"Oak House", "Moor View"}),
])
def test_the_inbox_shows_only_alerts_in_the_users_area(market, who, sees):
    page = client_for(getattr(market, who)).get("/alerts/").content.decode()
    assert {name for name in ("Oak House", "Moor View") if name in page} == sees


def test_the_menu_counts_new_alerts(market):
    page = client_for(market.admin_user).get("/alerts/").content.decode()
    assert '<span class="mqis-count" aria-label="2 new">2</span>' in page


def test_the_inbox_filters_by_rule_and_status_from_the_url(market):
    c = client_for(market.admin_user)
    page = c.get("/alerts/?rule=outbreak").content.decode()
    assert "Moor View" in page and "Oak House" not in page
    actions.acknowledge(alert_at(market.home_a), market.council_user)
    assert "Oak House" not in c.get("/alerts/?show=new").content.decode()
    assert "Oak House" in c.get("/alerts/?show=acknowledged").content.decode()


def test_someone_outside_the_area_cannot_open_an_alert(market):
    alert = alert_at(market.home_a)
    assert client_for(market.other_council_user).get(f"/alerts/{alert.pk}/").status_code == 404
    assert client_for(market.rival_user).post(
        f"/alerts/{alert.pk}/", {"action": "resolve", "note": "x"}).status_code == 404
    assert alert_at(market.home_a).resolved_at is None


def test_acknowledge_then_resolve_with_a_note_and_both_are_audited(market):
    alert = alert_at(market.home_a)
    c = client_for(market.council_user)
    response = c.post(f"/alerts/{alert.pk}/", {"action": "acknowledge", "note": "Rang the manager"}, follow=True)
    assert "You acknowledged the alert." in response.content.decode()
    response = c.post(f"/alerts/{alert.pk}/", {"action": "resolve", "note": "Gloves delivered"}, follow=True)
    assert "You resolved the alert." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "Resolved" and alert.resolved_by == market.council_user
    events = list(AlertEvent.objects.filter(alert=alert).values_list("kind", "by__username", "note"))
    assert events == [("opened", None, "PPE for under 3 days: gloves (1 day)"),
                      ("acknowledged", "manchester.officer", "Rang the manager"),
                      ("resolved", "manchester.officer", "Gloves delivered")]


def test_resolving_needs_a_note(market):
    alert = alert_at(market.home_a)
    response = client_for(market.council_user).post(f"/alerts/{alert.pk}/", {"action": "resolve", "note": " "})
    assert response.status_code == 400
    assert "Enter a note saying what was done to resolve the alert." in response.content.decode()
    assert alert_at(market.home_a).resolved_at is None


def test_a_council_sees_alert_volumes_and_time_to_acknowledge(market):
    alert = alert_at(market.home_a)
    actions.acknowledge(alert, market.council_user, now=alert.opened_at + dt.timedelta(hours=3))
    page = client_for(market.council_user).get("/councils/E08000003/alerts/?weeks=4").content.decode()
    assert "PPE running out" in page and "3.0 hours" in page
    assert client_for(market.other_council_user).get("/councils/E08000003/alerts/").status_code == 403
    assert client_for(market.provider_user).get("/councils/E08000003/alerts/").status_code == 403


def test_weekly_volumes_count_this_weeks_alerts(market):
    from mqis.alerts.stats import weekly_volumes

    volumes = weekly_volumes(Alert.objects.all(), 4)
    assert len(volumes) == 4 and volumes[-1]["opened"] == 2 and sum(v["opened"] for v in volumes) == 2
    assert volumes[-1]["week"].weekday() == 0 and volumes[-1]["week"] <= timezone.localdate()


def test_an_alert_page_states_the_rule_with_its_current_thresholds(market):
    AlertRule.objects.filter(key="ppe_short").update(thresholds={"days": 5})
    alert = alert_at(market.home_a)
    page = client_for(market.council_user).get(f"/alerts/{alert.pk}/").content.decode()
    assert "Any item of PPE will last fewer than 5 days." in page
    assert "3 e-mails: waiting to send" in page


@pytest.mark.parametrize("who, oak_house, moor_view", [
    ("provider_user", 200, 404),
    ("rival_user", 404, 404),
    ("council_user", 200, 404),
    ("other_council_user", 404, 200),
    ("region_user", 200, 404),
    ("admin_user", 200, 200),
])
def test_an_alerts_page_opens_only_for_people_whose_area_covers_it(market, who, oak_house, moor_view):
    c = client_for(getattr(market, who))
    assert c.get(f"/alerts/{alert_at(market.home_a).pk}/").status_code == oak_house
    assert c.get(f"/alerts/{alert_at(market.far_home).pk}/").status_code == moor_view


def test_signed_out_visitors_are_sent_to_sign_in(market):
    response = Client().get(f"/alerts/{alert_at(market.home_a).pk}/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_a_locations_page_lists_its_alerts_and_shows_an_acknowledgement_at_once(market):
    c = client_for(market.council_user)
    page = c.get("/locations/1-101/").content.decode()
    assert 'id="alerts"' in page and "PPE for under 3 days: gloves (1 day)" in page
    assert ">New<" in page
    actions.acknowledge(alert_at(market.home_a), market.council_user)
    assert ">Acknowledged<" in c.get("/locations/1-101/").content.decode()
