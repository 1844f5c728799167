"""Golden tests: each rule opens, updates and clears alerts exactly as configured."""

import datetime as dt

import pytest
from django.utils import timezone

from mqis.alerts import engine
from mqis.alerts.models import Alert, AlertEvent, AlertRule, Delivery, WebhookEndpoint
from mqis.lib.testing import build_market, care_home_values
from mqis.returns.periods import current_period, period_for
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    return build_market()


@pytest.fixture(autouse=True)
def no_overdue_alerts(request):
    """The test market has no returns for past weeks, so every home is overdue; the tests of
    other rules leave that rule out."""
    if "overdue" not in request.node.name:
        AlertRule.objects.filter(key="overdue").update(enabled=False)


@pytest.fixture
def template():
    return current_template("care-home")


def send(market, values, *, location=None, weeks_ago=0, channel="form"):
    template = current_template("care-home")
    period = current_period(template)
    if weeks_ago:
        period = period_for(template, period.start - dt.timedelta(weeks=weeks_ago))
    submit_return(market.admin_user, location or market.home_a, template, period, values,
                  channel=channel, now=min(timezone.now(), period.due_at))


def open_alerts(location=None):
    alerts = Alert.objects.filter(cleared_at__isnull=True)
    if location is not None:
        alerts = alerts.filter(location=location)
    return {a.rule.key: a.message for a in alerts.select_related("rule")}


def test_a_clean_return_raises_no_alert(market):
    send(market, care_home_values())
    assert open_alerts() == {}


def test_ppe_under_three_days_names_each_short_item(market):
    send(market, care_home_values(ppe_days_gloves="2", ppe_days_masks="1", ppe_days_aprons="3"))
    assert open_alerts(market.home_a) == {
        "ppe_short": "PPE for under 3 days: gloves (2 days), masks (1 day)",
    }


def test_one_open_alert_per_rule_and_location_updated_not_repeated(market):
    send(market, care_home_values(ppe_days_gloves="2"))
    send(market, care_home_values(ppe_days_gloves="1"))
    alert = Alert.objects.get()
    assert alert.message == "PPE for under 3 days: gloves (1 day)"
    kinds = list(AlertEvent.objects.values_list("kind", flat=True))
    assert kinds == ["opened", "updated"]


def test_an_alert_closes_itself_when_the_condition_clears(market):
    send(market, care_home_values(ppe_days_gloves="2"))
    send(market, care_home_values())
    alert = Alert.objects.get()
    assert alert.cleared_at is not None and alert.status == "Closed"
    assert list(alert.events.values_list("kind", flat=True)) == ["opened", "cleared"]
    # The condition coming back is a new episode: a new alert.
    send(market, care_home_values(ppe_days_gloves="0"))
    assert Alert.objects.count() == 2 and open_alerts() == {"ppe_short": "PPE for under 3 days: gloves (0 days)"}


def test_staff_absence_thresholds_are_strictly_over_20_and_25_per_cent(market):
    # 6 of 30 care workers absent is exactly 20%; 2 of 8 nurses is exactly 25%: no alert.
    send(market, care_home_values(care_workers_absent="4", nurses_headcount="8", nurses_absent="2"))
    assert open_alerts() == {}
    # 3 of 8 nurses (37.5%) is over 25%, though all staff (7 of 38, 18%) is not over 20%.
    send(market, care_home_values(care_workers_absent="4", nurses_headcount="8", nurses_absent="3"))
    assert open_alerts() == {"staff_absence": "38% of nurses absent"}
    send(market, care_home_values(care_workers_absent="9", nurses_headcount="8", nurses_absent="3"))
    assert open_alerts() == {"staff_absence": "32% of staff absent; 38% of nurses absent"}


def test_outbreak_opens_and_its_end_is_announced_again(market):
    send(market, care_home_values(outbreak_status="confirmed", residents_confirmed="3"))
    assert open_alerts() == {"outbreak": "Outbreak reported"}
    told = Delivery.objects.filter(event__kind="opened").count()
    send(market, care_home_values())
    assert open_alerts() == {}
    # The outbreak rule tells the same people when it ends.
    assert Delivery.objects.filter(event__kind="cleared").count() == told > 0


def test_admissions_closed(market):
    send(market, care_home_values(admissions_status="closed", admissions_closed_reason="outbreak"))
    assert open_alerts() == {"admissions_closed": "Closed to admissions"}


def test_a_sharp_fall_in_occupancy_week_on_week(market):
    send(market, care_home_values(), weeks_ago=1)  # 40 of 48 occupied, 83%
    send(market, care_home_values(beds_occupied="34", beds_vacant="12"))  # 71%
    assert open_alerts() == {"capacity_drop": "Occupancy fell from 83% to 71%"}


def test_a_sharp_fall_in_vacancies_week_on_week(market):
    send(market, care_home_values(), weeks_ago=1)  # 6 vacant
    send(market, care_home_values(beds_occupied="43", beds_vacant="3"))
    assert open_alerts() == {"capacity_drop": "Vacant beds fell from 6 to 3"}


def test_an_overdue_return_is_found_on_schedule_and_cleared_by_sending_it(market, template):
    period = current_period(template)
    after_deadline = period.due_at + dt.timedelta(hours=1)
    engine.evaluate(now=after_deadline)
    overdue = {a.location.cqc_location_id for a in Alert.objects.filter(rule__key="overdue")}
    # Every care home (not the home care agency, which has its own template) is overdue.
    assert {"1-101", "1-102", "1-201", "1-301"} <= overdue
    submit_return(market.admin_user, market.home_a, template, period, care_home_values(),
                  channel="form", now=after_deadline)
    assert "overdue" not in open_alerts(market.home_a)
    assert "overdue" in open_alerts(market.rival_home)


def test_thresholds_are_configuration(market):
    rule = AlertRule.objects.get(key="ppe_short")
    rule.thresholds = {"days": 7}
    rule.save()
    send(market, care_home_values(ppe_days_gloves="5"))
    assert open_alerts() == {"ppe_short": "PPE for under 7 days: gloves (5 days)"}


def test_a_disabled_rule_raises_nothing(market):
    AlertRule.objects.filter(key="ppe_short").update(enabled=False)
    send(market, care_home_values(ppe_days_gloves="1"))
    assert open_alerts() == {}


def test_alerts_reach_the_people_whose_scope_covers_the_location(market):
    WebhookEndpoint.objects.create(name="Manchester", url="http://127.0.0.1:9/", secret="s",
                                   council=market.manchester)
    WebhookEndpoint.objects.create(name="Leeds", url="http://127.0.0.1:9/", secret="s",
                                   council=market.leeds)
    send(market, care_home_values(ppe_days_gloves="1"))
    emailed = set(Delivery.objects.filter(channel="email").values_list("user__username", flat=True))
    assert emailed == {"acme.manager", "manchester.officer", "nw.analyst"}
    hooks = set(Delivery.objects.filter(channel="webhook").values_list("endpoint__name", flat=True))
    assert hooks == {"Manchester"}


def test_demo_history_is_quiet(market):
    send(market, care_home_values(ppe_days_gloves="1"), channel="demo")
    assert Alert.objects.count() == 0


def test_alerts_opened_together_fall_back_to_one_by_one_if_one_is_already_open(market):
    from django.utils import timezone

    rule = AlertRule.objects.get(key="outbreak")
    now = timezone.now()
    Alert.objects.create(rule=rule, location=market.home_a, message="Outbreak reported", opened_at=now)
    events = engine._open_all([
        Alert(rule=rule, location=market.home_a, message="Outbreak reported", opened_at=now),
        Alert(rule=rule, location=market.home_b, message="Outbreak reported", opened_at=now),
    ], now)
    assert [e.alert.location_id for e in events] == [market.home_b.pk]
    assert Alert.objects.filter(rule=rule, cleared_at__isnull=True).count() == 2
