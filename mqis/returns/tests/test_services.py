"""The shared write path: scope, periods, audit, idempotence and template versions."""

import datetime as dt

import pytest
from django.utils import timezone

from mqis.lib.testing import build_market, care_home_values
from mqis.returns.models import Return, ReturnChange, ReturnTemplate
from mqis.returns.periods import current_period, period_for
from mqis.returns.services import ReturnRejected, submit_return
from mqis.returns.templates import current_template, publish_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    return build_market()


@pytest.fixture
def template():
    return current_template("care-home")


def test_it_saves_a_return_with_its_measures_and_an_audit_row(market, template):
    period = current_period(template)
    summary = submit_return(market.provider_user, market.home_a, template, period,
                            care_home_values(), channel="form")
    assert (summary.created, summary.updated) == (1, 0)
    ret = Return.objects.get()
    assert (ret.beds_total, ret.beds_occupied, ret.beds_vacant) == (48, 40, 6)
    assert (ret.staff_headcount, ret.staff_absent, ret.ppe_min_days) == (30, 3, 14)
    assert ret.in_outbreak is False and ret.admissions_closed is False
    assert ret.template.version == template.version
    change = ReturnChange.objects.get()
    assert change.changed_by == market.provider_user and change.channel == "form"
    assert change.diff["beds_total"] == [None, 48]


def test_it_keeps_staff_absence_by_role_and_agency_staff(market, template):
    values = care_home_values(nurses_headcount="8", nurses_absent="3", nurses_agency="2",
                              care_workers_agency="4")
    submit_return(market.provider_user, market.home_a, template, current_period(template),
                  values, channel="form")
    ret = Return.objects.get()
    assert (ret.nurses_headcount, ret.nurses_absent) == (8, 3)
    assert (ret.care_workers_headcount, ret.care_workers_absent) == (30, 3)
    # Every role still counts towards all staff.
    assert (ret.staff_headcount, ret.staff_absent, ret.agency_staff) == (38, 6, 6)


def test_it_says_no_changes_when_the_same_figures_are_sent_again(market, template):
    period = current_period(template)
    submit_return(market.provider_user, market.home_a, template, period, care_home_values(),
                  channel="form")
    again = submit_return(market.provider_user, market.home_a, template, period,
                          care_home_values(), channel="api")
    assert again.describe() == "No changes: the figures match what is already stored."
    assert ReturnChange.objects.count() == 1


def test_it_records_old_and_new_values_when_a_return_is_corrected(market, template):
    period = current_period(template)
    submit_return(market.provider_user, market.home_a, template, period, care_home_values(),
                  channel="form")
    summary = submit_return(market.provider_user, market.home_a, template, period,
                            care_home_values(beds_occupied="41", beds_vacant="5"), channel="api")
    assert summary.updated == 1
    latest = ReturnChange.objects.order_by("-id")[0]
    assert latest.diff == {"beds_occupied": [40, 41], "beds_vacant": [6, 5]}
    assert latest.channel == "api"
    assert Return.objects.get().beds_occupied == 41


@pytest.mark.parametrize("persona", ["rival_user", "council_user", "region_user"])
def test_it_refuses_a_return_from_someone_who_may_not_submit_for_the_location(
    market, template, persona
):
    with pytest.raises(ReturnRejected) as caught:
        submit_return(getattr(market, persona), market.home_a, template,
                      current_period(template), care_home_values(), channel="form")
    assert caught.value.errors[0].message == "You cannot submit returns for 1-101"
    assert Return.objects.count() == 0


def test_it_refuses_a_closed_period_with_its_reason(market, template):
    old = period_for(template, timezone.localdate() - dt.timedelta(days=60))
    with pytest.raises(ReturnRejected) as caught:
        submit_return(market.provider_user, market.home_a, template, old, care_home_values(),
                      channel="form")
    message = caught.value.errors[0].message
    assert message.startswith(f"The period {old.start:%-d}")
    assert "closed on" in message and "Ask your council to reopen it" in message
    assert Return.objects.count() == 0


def test_it_refuses_the_care_home_return_for_a_home_care_agency(market, template):
    with pytest.raises(ReturnRejected) as caught:
        submit_return(market.provider_user, market.agency, template, current_period(template),
                      care_home_values(), channel="form")
    assert caught.value.errors[0].message == (
        "The care home return does not apply to Acme Homecare Manchester"
    )


def test_it_keeps_old_returns_untouched_when_the_template_changes(market, template):
    period = current_period(template)
    submit_return(market.provider_user, market.home_a, template, period, care_home_values(),
                  channel="form")
    definition = {k: getattr(template, k) for k in
                  ("name", "description", "frequency", "schedule", "applies_to", "fields", "rules")}
    definition["fields"] = [
        *[dict(f, maximum=40) if f["key"] == "beds_total" else f for f in template.fields],
        {"key": "oxygen_days", "label": "Days of oxygen in stock", "type": "integer",
         "required": False, "minimum": 0},
    ]
    newer = publish_version("care-home", definition)
    assert newer.version == template.version + 1
    assert current_template("care-home") == newer
    stored = Return.objects.get()
    assert stored.template_id == template.pk and stored.values["beds_total"] == 48
    assert ReturnTemplate.objects.get(pk=template.pk).fields == template.fields
    with pytest.raises(ReturnRejected) as caught:
        submit_return(market.provider_user, market.home_b, newer, period, care_home_values(),
                      channel="form")
    assert caught.value.errors[0].message == "Total beds must be 40 or less (you entered 48)"


def test_it_does_not_add_a_version_when_the_definition_is_unchanged(template):
    definition = {k: getattr(template, k) for k in
                  ("name", "description", "frequency", "schedule", "applies_to", "fields", "rules")}
    assert publish_version("care-home", definition) == template
    assert ReturnTemplate.objects.filter(slug="care-home").count() == 1
