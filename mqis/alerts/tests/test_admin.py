"""An administrator changes a rule's thresholds in the admin; nonsense is refused in plain English."""

import pytest

from mqis.alerts.admin import AlertRuleForm
from mqis.alerts.models import AlertRule

pytestmark = pytest.mark.django_db


def form(thresholds: str) -> AlertRuleForm:
    rule = AlertRule.objects.get(key="staff_absence")
    data = {"name": rule.name, "description": rule.description, "enabled": "on",
            "thresholds": thresholds, "notify_on_clear": ""}
    return AlertRuleForm(data, instance=rule)


def test_a_new_threshold_is_saved():
    f = form('{"all_staff_pct": 15, "nurses_pct": 30}')
    assert f.is_valid(), f.errors
    f.save()
    assert AlertRule.objects.get(key="staff_absence").thresholds == {"all_staff_pct": 15, "nurses_pct": 30}


@pytest.mark.parametrize("value, message", [
    ('{"days": 3}', "This rule has no threshold called 'days' (it has: all_staff_pct, nurses_pct)."),
    ('{"nurses_pct": -1}', "The threshold 'nurses_pct' must be a number, 0 or more."),
    ('{"nurses_pct": "high"}', "The threshold 'nurses_pct' must be a number, 0 or more."),
    ('[20]', 'Thresholds must be an object such as {"days": 3}.'),
])
def test_bad_thresholds_are_refused_with_the_reason(value, message):
    f = form(value)
    assert not f.is_valid()
    assert f.errors["thresholds"] == [message]
    assert AlertRule.objects.get(key="staff_absence").thresholds == {"all_staff_pct": 20, "nurses_pct": 25}
