"""The location page's risk section, the council market page and the methodology page: what
each shows, and who may open them."""

import pytest
from django.test import Client

from mqis.risk.models import RiskConfig
from mqis.risk.profile import JUDGEMENT
from mqis.risk.scoring import rescore
from mqis.risk.tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(market):
    rescore(now=NOW)
    return market


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_location_page_shows_the_score_band_and_each_contribution_largest_first(scored):
    page = text(client_for(scored.provider_user).get("/locations/1-101/"))
    assert "Risk profile" in page and "49.9</p>" in page
    assert '<strong class="govuk-tag govuk-tag--yellow govuk-!-font-size-24">Medium</strong>' in page
    assert JUDGEMENT in page
    order = [page.index(name) for name in ("Occupancy against break-even", "Occupancy trend",
                                           "CQC overall rating", "Missed or late returns")]
    assert order == sorted(order)
    assert "75.0% (break-even 85%)" in page and "10.7" in page  # value and points of occupancy
    assert "first worked out as medium (score 49.9)" in page


def test_the_location_page_warns_when_a_score_rests_on_little(scored):
    page = text(client_for(scored.admin_user).get("/locations/1-111/"))  # Ash Grove: 14% of the weight
    assert "Little is known about this location" in page


def test_a_location_without_a_score_says_so(market):
    page = text(client_for(market.provider_user).get("/locations/1-101/"))
    assert "This location has no risk score yet" in page


def test_the_market_page_shows_beds_at_risk_concentration_and_where_to_look_first(scored):
    response = client_for(scored.council_user).get("/councils/E08000003/market/")
    assert response.status_code == 200
    page = text(response)
    assert JUDGEMENT in page
    assert "232</p>" in page and "68.2% of 340 registered beds, in 2 care homes" in page
    assert "18.8%" in page  # vacancy rate
    assert "4,599</p>" in page and "Highly concentrated" in page
    assert page.index("Cedar Court") < page.index("Ash Grove") < page.index("Oak House") < page.index("Birch Court")
    assert "Occupancy trend: fell 6.3 points over 12 weeks" in page
    assert "Moor View" not in page  # Leeds


@pytest.mark.parametrize(("persona", "status"), [
    ("council_user", 200), ("region_user", 200), ("admin_user", 200),
    ("other_council_user", 403), ("provider_user", 403), ("rival_user", 403),
])
def test_only_those_who_see_the_council_open_its_market_page(scored, persona, status):
    assert client_for(getattr(scored, persona)).get("/councils/E08000003/market/").status_code == status


def test_leeds_cannot_see_manchesters_market_but_sees_its_own(scored):
    leeds = client_for(scored.other_council_user)
    assert leeds.get("/councils/E08000003/market/").status_code == 403
    page = text(leeds.get("/councils/E08000035/market/"))
    assert "Moor View" in page and "Oak House" not in page


def test_signing_in_is_needed_for_the_risk_pages(scored):
    anonymous = client_for(None)
    assert anonymous.get("/councils/E08000003/market/").status_code == 302
    assert anonymous.get("/risk/method/").status_code == 302


def test_the_method_page_explains_every_indicator_with_the_weights_in_use(scored):
    RiskConfig.objects.update(weights={"occupancy": 4.5})
    page = text(client_for(scored.provider_user).get("/risk/method/"))
    assert JUDGEMENT in page
    assert "rises in a straight line to 1 at 20 points below it." in page  # occupancy's definition
    assert "Southern Cross in 2011" in page  # group size's rationale
    assert "Counts people, not hours." in page  # agency's weakness
    assert "<td class=\"govuk-table__cell govuk-table__cell--numeric\">4.5</td>" in page
    assert "50 to below 75" in page  # the high band


def test_the_market_page_ranks_care_homes_alone_when_asked(scored):
    page = text(client_for(scored.council_user).get("/councils/E08000003/market/?show=care-homes"))
    assert 'aria-current="page">Care homes</a>' in page
    assert "Cedar Court" in page and "Acme Homecare Manchester" not in page
    # An unknown choice shows every location.
    page = text(client_for(scored.council_user).get("/councils/E08000003/market/?show=<b>"))
    assert "Acme Homecare Manchester" in page
