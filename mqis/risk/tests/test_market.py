"""Golden tests of a council's market view (Manchester, see conftest.py)."""

import pytest

from mqis.registry.models import Location
from mqis.risk.market import group_shares, hhi, hhi_reading, market_view
from mqis.risk.scoring import rescore
from mqis.risk.tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def manchester(market):
    rescore(now=NOW)
    return market_view(Location.objects.filter(council=market.manchester))


def test_hhi_sums_squared_percentage_shares():
    assert hhi([50, 50]) == pytest.approx(5000)
    assert hhi([10] * 10) == pytest.approx(1000)
    assert hhi([]) is None


def test_hhi_is_read_as_the_cma_reads_it():
    assert hhi_reading(999.9) == "Unconcentrated"
    assert hhi_reading(1000) == "Moderately concentrated"
    assert hhi_reading(2000) == "Moderately concentrated"
    assert hhi_reading(2000.1) == "Highly concentrated"


def test_beds_are_grouped_by_brand_and_the_deregistered_left_out(manchester):
    shares = [(g.name, g.homes, g.beds, round(g.share, 2)) for g in manchester.groups]
    assert shares == [("Cedar Care", 1, 212, 62.35), ("Acme Group", 2, 68, 20.0), ("Bolt Homes Ltd", 1, 60, 17.65)]


def test_the_councils_hhi_is_exact(manchester):
    # (212² + 68² + 60²) / 340² × 10,000 = 53,168 / 115,600 × 10,000 = 4,599.31.
    assert manchester.hhi == pytest.approx(4599.3080, abs=1e-3)
    assert manchester.hhi_reading == "Highly concentrated"


def test_dependence_on_the_largest_groups(manchester):
    assert [(n, round(share, 2)) for n, share in manchester.largest] == [(1, 62.35), (3, 100.0), (5, 100.0)]


def test_beds_at_risk_are_the_beds_of_homes_in_the_high_and_critical_bands(manchester):
    # Ash Grove (20 beds, high 72.0) and Cedar Court (212 beds, critical 75.5) of 340;
    # Oak House (medium) and Birch Court (low) are not at risk.
    assert (manchester.beds_at_risk, manchester.homes_at_risk, manchester.registered_beds) == (232, 2, 340)
    assert manchester.beds_at_risk_pct == 68.2


def test_the_vacancy_rate_comes_from_the_latest_returns(manchester):
    # This week: Oak House 25 of 100 vacant, Birch Court 5 of 60: 30 of 160.
    assert (manchester.beds_vacant, manchester.beds_reported, manchester.vacancy_pct) == (30, 160, 18.8)


def test_where_to_look_first_ranks_by_score_with_reasons(manchester):
    ranked = [(row.rank, row.location.name, row.score, row.band) for row in manchester.watch]
    assert ranked == [
        (1, "Cedar Court", 75.5, "critical"),
        (2, "Ash Grove", 72.0, "high"),
        # The agency has sent no home care return: 1 missed of 1 due, and its group: (1 + 0.04) / 1.5.
        (3, "Acme Homecare Manchester", 69.3, "high"),
        (4, "Oak House", 49.9, "medium"),
        (5, "Birch Court", 6.1, "low"),
    ]
    oak = manchester.watch[3]
    assert oak.reasons == [
        "Occupancy against break-even: 75.0% (break-even 85%)",
        "Occupancy trend: fell 6.3 points over 12 weeks",
        "CQC overall rating: Requires improvement",
    ]
    assert not oak.little_data and manchester.watch[0].little_data


def test_the_band_counts_include_locations_not_scored(manchester):
    assert manchester.bands == [("low", "Low", 1), ("medium", "Medium", 1), ("high", "High", 2),
                                ("critical", "Critical", 1), ("", "Not scored", 0)]


def test_group_shares_only_count_the_locations_given(market):
    shares = group_shares(Location.objects.filter(pk=market.home_a.pk))
    assert [(g.name, g.beds, g.share) for g in shares] == [("Acme Group", 48, 100.0)]


def test_care_homes_and_other_services_can_be_ranked_apart(market):
    rescore(now=NOW)
    homes = market_view(Location.objects.filter(council=market.manchester), "care-homes")
    assert [row.location.name for row in homes.watch] == ["Cedar Court", "Ash Grove", "Oak House", "Birch Court"]
    assert [row.rank for row in homes.watch] == [1, 2, 3, 4]
    others = market_view(Location.objects.filter(council=market.manchester), "other")
    assert [row.location.name for row in others.watch] == ["Acme Homecare Manchester"]
