"""The weights, break-even and bands are configuration: changing them changes the score as
docs/risk.md says, and the admin refuses bad values in words."""

import json

import pytest
from django.test import Client

from mqis.risk.admin import RiskConfigForm
from mqis.risk.config import DEFAULTS, current, shipped
from mqis.risk.indicators import REGISTRY
from mqis.risk.models import RiskConfig
from mqis.risk.scoring import rescore
from mqis.risk.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def form(**changes):
    row = RiskConfig.objects.get()
    data = {"weights": json.dumps(row.weights), "break_even_occupancy": row.break_even_occupancy,
            "medium_from": row.medium_from, "high_from": row.high_from, "critical_from": row.critical_from}
    data.update(changes)
    return RiskConfigForm(data=data, instance=row)


def test_the_shipped_file_weighs_every_indicator():
    assert set(shipped()["weights"]) == set(REGISTRY)
    assert json.loads(DEFAULTS.read_text())["break_even_occupancy"] == 85


def test_the_configuration_row_starts_as_the_shipped_file():
    settings = current()
    assert settings.weights["occupancy"] == 3 and settings.break_even == 85
    assert (settings.medium_from, settings.high_from, settings.critical_from) == (25, 50, 75)


def test_raising_a_weight_changes_the_score_as_documented(market):
    # docs/risk.md: Oak House scores 100 × 6.98256 / 14 = 49.9 (medium). Raising the weight of
    # PPE shortfalls (risk 0.75) from 1 to 3 adds 2 × 0.75 above and 2 below the line:
    # 100 × (6.98256 + 1.5) / 16 = 53.0, and the band becomes high.
    rescore(now=NOW)
    assert (market.home_a.risk.score, market.home_a.risk.band) == (49.9, "medium")
    row = RiskConfig.objects.get()
    row.weights = {**row.weights, "ppe_shortfall": 3}
    row.save()
    rescore(now=NOW)
    market.home_a.risk.refresh_from_db()
    assert (market.home_a.risk.score, market.home_a.risk.band) == (53.0, "high")
    assert market.home_a.risk.contributions["ppe_shortfall"]["points"] == pytest.approx(100 * 2.25 / 16, abs=0.01)


def test_a_weight_of_zero_leaves_the_indicator_out(market):
    # Without the CQC overall rating (risk 0.5, weight 2): 100 × (6.98256 - 1) / 12 = 49.9.
    RiskConfig.objects.update(weights={**shipped()["weights"], "cqc_overall": 0})
    rescore(now=NOW)
    assert market.home_a.risk.score == 49.9
    assert market.home_a.risk.contributions["cqc_overall"]["points"] == 0


def test_break_even_and_band_cut_offs_are_configuration(market):
    # Break-even 80: occupancy 75% is 5 points under, risk 0.25, so 0.75 less above the line:
    # 100 × 6.23256 / 14 = 44.5; with the high band starting at 40, that is high.
    RiskConfig.objects.update(break_even_occupancy=80, high_from=40)
    rescore(now=NOW)
    assert (market.home_a.risk.score, market.home_a.risk.band) == (44.5, "high")


def test_an_indicator_the_row_leaves_out_takes_its_shipped_weight():
    RiskConfig.objects.update(weights={"occupancy": 5})
    weights = current().weights
    assert weights["occupancy"] == 5 and weights["occupancy_trend"] == 2


def test_the_admin_form_accepts_good_values():
    assert form(weights=json.dumps({"occupancy": 4, "group_size": 0})).is_valid()


def test_the_admin_refuses_an_unknown_indicator_by_name():
    bad = form(weights=json.dumps({"occupancy": 3, "profit": 2}))
    assert not bad.is_valid()
    assert bad.errors["weights"][0].startswith("There is no indicator called 'profit' (there are: agency_reliance,")


def test_the_admin_refuses_a_negative_or_non_number_weight():
    bad = form(weights=json.dumps({"occupancy": -1, "outbreaks": "high"}))
    assert not bad.is_valid()
    assert bad.errors["weights"] == ["The weight of 'occupancy' must be a number, 0 or more.",
                                     "The weight of 'outbreaks' must be a number, 0 or more."]


def test_the_admin_refuses_all_weights_zero():
    bad = form(weights=json.dumps(dict.fromkeys(REGISTRY, 0)))
    assert bad.errors["weights"] == ["At least one indicator must have a weight above 0."]


def test_the_admin_refuses_bands_out_of_order():
    bad = form(high_from=80)
    assert not bad.is_valid()
    assert bad.errors["__all__"] == [
        "The bands must start in rising order between 0 and 100: medium (25), then high (80), then critical (75)."
    ]


def test_the_admin_refuses_a_break_even_that_is_not_a_percentage():
    bad = form(break_even_occupancy=120)
    assert bad.errors["break_even_occupancy"] == [
        "Break-even occupancy must be a percentage above 0 and at most 100."
    ]


def test_an_administrator_saves_the_configuration_in_the_admin(market):
    admin = market.admin_user
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    row = RiskConfig.objects.get()
    url = f"/admin/risk/riskconfig/{row.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"weights": json.dumps({"occupancy": 4}), "break_even_occupancy": 90,
                                 "medium_from": 20, "high_from": 45, "critical_from": 70})
    assert response.status_code == 302
    assert current().weights["occupancy"] == 4 and current().break_even == 90
