"""Golden tests: each indicator's value and risk, and the score, for Oak House (see conftest.py)."""

import pytest

from mqis.risk.config import current
from mqis.risk.indicators import REGISTRY, Bundle
from mqis.risk.inputs import load_bundles
from mqis.risk.scoring import rescore, score_bundle
from mqis.risk.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def bundle_of(location) -> Bundle:
    return load_bundles([location.pk], NOW, break_even=85)[location.pk]


def reading(location, key: str):
    return REGISTRY[key].compute(bundle_of(location))


def test_occupancy_is_the_latest_returns_occupancy_against_break_even(market):
    # 75 of 100 beds; 10 points below 85, half of the 20 points at which the risk is full.
    assert reading(market.home_a, "occupancy") == (75.0, 0.5, "75.0% (break-even 85%)")


def test_occupancy_trend_is_the_least_squares_fall_over_twelve_weeks(market):
    # Occupancy by weeks ago 0..7 is 75, 76, 76, 77, 77, 78, 78, 79: against weeks ago the
    # slope is sum((w - 3.5)(y - 77)) / sum((w - 3.5)^2) = 22 / 42 points a week, so over
    # 12 weeks it fell 264/42 = 6.2857 points; the risk is 6.2857 / 10.
    value, risk, shown = reading(market.home_a, "occupancy_trend")
    assert value == -6.29
    assert risk == pytest.approx(264 / 420)
    assert shown == "fell 6.3 points over 12 weeks"


def test_cqc_overall_counts_requires_improvement_as_half(market):
    assert reading(market.home_a, "cqc_overall") == ("Requires improvement", 0.5, "Requires improvement")


def test_cqc_key_questions_average_the_five_ratings(market):
    # Inadequate 1, Requires improvement 0.5 twice, Good 0 twice: 2 / 5.
    assert reading(market.home_a, "cqc_key_questions") == (3, 0.4, "3 of 5 below Good (1 Inadequate)")


def test_staff_absence_sums_the_latest_four_returns(market):
    # Absent 6 + 3 + 3 + 3 = 15 of 4 × 40 staff = 9.375%; (9.375 - 5) / 20 = 0.21875.
    assert reading(market.home_a, "staff_absence") == (9.4, 0.21875, "9.4%")


def test_agency_reliance_is_agency_staff_over_headcount(market):
    # 6 agency staff of 40 a week: 15%; (15 - 10) / 20 = 0.25.
    assert reading(market.home_a, "agency_reliance") == (15.0, 0.25, "15.0%")


def test_outbreaks_count_the_weeks_in_outbreak(market):
    value, risk, shown = reading(market.home_a, "outbreaks")
    assert (value, shown) == (2, "2 of 8 returns")
    assert risk == pytest.approx(2 / 6)


def test_ppe_shortfall_counts_returns_with_under_a_weeks_stock(market):
    assert reading(market.home_a, "ppe_shortfall") == (3, 0.75, "3 of 8 returns")


def test_missed_returns_count_missed_and_late_of_those_due(market):
    # 12 periods due since returns began; 8 sent (one late), 4 missed: 5 / 12 = 41.7%.
    value, risk, shown = reading(market.home_a, "missed_returns")
    assert (value, shown) == (41.7, "4 missed and 1 late of 12 due")
    assert risk == pytest.approx(5 / 6)


def test_group_size_counts_every_location_of_the_brand(market):
    # Acme Care and Acme North share brand BD-1: Oak House, Elm Lodge, the agency, Ash Grove.
    assert reading(market.home_a, "group_size") == (4, 0.08, "4 locations")
    assert reading(market.rival_home, "group_size") == (1, 0.02, "1 location")


def test_council_share_is_the_groups_share_of_the_councils_beds(market):
    # BD-1 holds 48 + 20 of Manchester's 340 active care home beds (Old Mill is deregistered).
    assert reading(market.home_a, "council_share") == (20.0, 0.8, "20.0%")


def test_an_indicator_without_data_gives_none(market):
    assert reading(market.agency, "occupancy") is None
    assert reading(market.agency, "council_share") is None
    assert reading(market.rival_home, "cqc_overall") is None  # not rated


def test_the_score_is_the_weighted_mean_of_the_risks_with_data(market):
    # 100 × (3×0.5 + 2×0.628571 + 2×0.5 + 0.4 + 0.21875 + 0.25 + 0.333333 + 0.75 + 0.833333
    #        + 0.5×0.08 + 0.5×0.8) / 14 = 100 × 6.982560 / 14 = 49.875 → 49.9, medium.
    result = score_bundle(bundle_of(market.home_a), current())
    assert result is not None
    assert (result.score, result.band, result.coverage) == (49.9, "medium", 100.0)
    assert result.contributions["occupancy"] == {
        "value": 75.0, "shown": "75.0% (break-even 85%)", "risk": 0.5, "weight": 3.0, "points": 10.71,
    }
    assert sum(part["points"] for part in result.contributions.values()) == pytest.approx(49.875, abs=0.01)


def test_indicators_without_data_leave_their_weight_out(market):
    # Ash Grove sent nothing: missed 12 of 12 (risk 1, weight 1), group 0.08 (weight 0.5) and
    # share 20% (0.8, weight 0.5): 100 × (1 + 0.04 + 0.4) / 2 = 72.0, high, on 2 of 14 weights.
    ash = market.manchester.locations.get(name="Ash Grove")
    result = score_bundle(bundle_of(ash), current())
    assert result is not None
    assert (result.score, result.band, result.coverage) == (72.0, "high", 14.3)
    assert result.contributions["occupancy"]["shown"] == "No data"


def test_group_indicators_alone_make_no_score(market):
    # Moor View sends nothing and no return applies to it any more: only its group is known.
    market.far_home.care_home = False
    market.far_home.save()
    assert score_bundle(bundle_of(market.far_home), current()) is None


def test_rescore_stores_each_score_with_its_contributions(market):
    outcome = rescore(now=NOW)
    oak = market.home_a.risk
    assert (oak.score, oak.band, oak.computed_at) == (49.9, "medium", NOW)
    assert oak.contributions["ppe_shortfall"]["points"] == 5.36  # 100 × 0.75 / 14
    # Every registered location with data about itself; Old Mill is deregistered.
    assert outcome.scored == 7
