"""Who may do what: role × operation × in-scope / out-of-scope object, through the web and the API.

Each cell states the exact expected status. Personas (see mqis/lib/testing.py):
provider  — Acme Care (runs Oak House 1-101 in Manchester, Elm Lodge 1-102 in Salford)
rival     — Bolt Homes (runs Birch Court 1-201 in Manchester)
council   — Manchester;  other_council — Leeds (another region)
region    — North West;  admin — system administrator;  anonymous — not signed in
"""

import pytest
from django.test import Client

from mqis.accounts.models import ApiToken
from mqis.lib.testing import build_market, care_home_values
from mqis.registry.models import CqcImportJob
from mqis.returns.models import Return
from mqis.returns.periods import current_period
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db

PERSONAS = ["provider", "rival", "council", "other_council", "region", "admin", "anonymous"]
USERS = {
    "provider": "provider_user", "rival": "rival_user", "council": "council_user",
    "other_council": "other_council_user", "region": "region_user", "admin": "admin_user",
}
SIGN_IN = 302  # anonymous web requests are sent to the sign-in page
IMPORT_JOB = "5d2c1a1e-0000-4000-8000-00000000c0c0"  # a CQC import uploaded by the administrator

# operation -> expected status per persona, in PERSONAS order.
WEB_MATRIX = {
    # location pages: own / same council / other region
    "GET /locations/1-101/": [200, 404, 200, 404, 200, 200, SIGN_IN],
    "GET /locations/1-201/": [404, 200, 200, 404, 200, 200, SIGN_IN],
    "GET /locations/1-301/": [404, 404, 404, 200, 404, 200, SIGN_IN],
    # the return form: only the location's provider (and administrators) may submit
    "GET /locations/1-101/returns/care-home/": [200, 404, 403, 404, 403, 200, SIGN_IN],
    "GET /locations/1-201/returns/care-home/": [404, 200, 403, 404, 403, 200, SIGN_IN],
    # dashboards
    "GET /councils/E08000003/": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /regions/E12000002/": [403, 403, 403, 403, 200, 200, SIGN_IN],
    "GET /regions/E12000003/": [403, 403, 403, 403, 403, 200, SIGN_IN],
    # providers' pages
    "GET /provider/": [200, 200, 403, 403, 403, 200, SIGN_IN],
    "GET /returns/upload/": [200, 200, 403, 403, 403, 200, SIGN_IN],
    "GET /returns/upload/template.csv": [200, 200, 403, 403, 403, 200, SIGN_IN],
    # a provider's area (its councils' aggregates); administrators name a council
    "GET /area/": [200, 200, 403, 403, 403, 403, SIGN_IN],
    "GET /area/?council=E08000003": [200, 200, 403, 403, 403, 200, SIGN_IN],
    "GET /area/?council=E08000035": [404, 404, 403, 403, 403, 200, SIGN_IN],
    # completeness and the chase list (with its export)
    "GET /councils/E08000003/completeness/": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/completeness/": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /councils/E08000003/chase/": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000003/chase/?format=csv": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/chase/?format=csv": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /regions/E12000002/completeness/": [403, 403, 403, 403, 200, 200, SIGN_IN],
    "GET /regions/E12000003/completeness/": [403, 403, 403, 403, 403, 200, SIGN_IN],
    # exports: every table as CSV/XLSX, the returns for analysts, the region scorecard
    "GET /councils/E08000003/?format=csv": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/?format=xlsx": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /regions/E12000002/?format=xlsx": [403, 403, 403, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000003/chase/?format=xlsx": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000003/returns.csv": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000003/returns.xlsx": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/returns.csv": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /regions/E12000002/returns.csv": [403, 403, 403, 403, 200, 200, SIGN_IN],
    "GET /regions/E12000003/returns.xlsx": [403, 403, 403, 403, 403, 200, SIGN_IN],
    "GET /regions/E12000002/scorecard/": [403, 403, 403, 403, 200, 200, SIGN_IN],
    "GET /regions/E12000002/scorecard/?format=csv": [403, 403, 403, 403, 200, 200, SIGN_IN],
    "GET /regions/E12000003/scorecard/": [403, 403, 403, 403, 403, 200, SIGN_IN],
    "GET /alerts/?format=csv": [200, 200, 200, 200, 200, 200, SIGN_IN],
    "GET /locations/1-101/?format=csv&template=care-home": [200, 404, 200, 404, 200, 200, SIGN_IN],
    "GET /locations/1-301/?format=xlsx&template=care-home": [404, 404, 404, 200, 404, 200, SIGN_IN],
    # any table of a page by its key (?table=&format=): scoped exactly as its page
    "GET /councils/E08000003/?table=occupancy&format=csv": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/?table=absence&format=xlsx": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /locations/1-101/?table=changes&format=csv": [200, 404, 200, 404, 200, 200, SIGN_IN],
    "GET /locations/1-201/?table=ratings&format=xlsx": [404, 200, 200, 404, 200, 200, SIGN_IN],
    "GET /councils/E08000003/completeness/?table=by-period&format=csv": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /regions/E12000002/completeness/?table=councils&format=csv": [403, 403, 403, 403, 200, 200, SIGN_IN],
    "GET /area/?table=occupancy-e08000003&format=csv": [200, 200, 403, 403, 403, 403, SIGN_IN],
    "GET /councils/E08000003/market/?table=look-first&format=csv": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/market/?table=groups&format=xlsx": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /risk/method/?table=weights&format=csv": [200, 200, 200, 200, 200, 200, SIGN_IN],
    "GET /councils/E08000003/alerts/?table=by-rule&format=csv": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000003/report/?table=capacity-beds&format=csv": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /regions/E12000002/report/?table=councils&format=xlsx": [403, 403, 403, 403, 200, 200, SIGN_IN],
    # insight: the market and risk, forecasts, the weekly report (web and PDF)
    "GET /councils/E08000003/market/": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/market/": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /risk/method/": [200, 200, 200, 200, 200, 200, SIGN_IN],
    "GET /councils/E08000003/forecast/": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/forecast/": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /councils/E08000003/report/": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000003/report.pdf": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/report.pdf": [403, 403, 403, 200, 403, 200, SIGN_IN],
    "GET /regions/E12000002/report/": [403, 403, 403, 403, 200, 200, SIGN_IN],
    "GET /regions/E12000003/report.pdf": [403, 403, 403, 403, 403, 200, SIGN_IN],
    # open data is public
    "GET /open-data/": [200, 200, 200, 200, 200, 200, 200],
    "GET /open-data/councils.csv": [200, 200, 200, 200, 200, 200, 200],
    # alerts: everyone's inbox is scoped to their area; a council's alert figures
    "GET /alerts/": [200, 200, 200, 200, 200, 200, SIGN_IN],
    "GET /councils/E08000003/alerts/": [403, 403, 200, 403, 200, 200, SIGN_IN],
    "GET /councils/E08000035/alerts/": [403, 403, 403, 200, 403, 200, SIGN_IN],
    # administration
    "GET /admin-tools/import-cqc/": [403, 403, 403, 403, 403, 200, SIGN_IN],
    f"GET /admin-tools/import-cqc/jobs/{IMPORT_JOB}/": [403, 403, 403, 403, 403, 200, SIGN_IN],
    f"GET /admin-tools/import-cqc/jobs/{IMPORT_JOB}/progress.json": [403, 403, 403, 403, 403, 200, SIGN_IN],
}

API_MATRIX = {
    "GET /api/v1/locations/1-101": [200, 404, 200, 404, 200, 200, 401],
    "GET /api/v1/locations/1-201": [404, 200, 200, 404, 200, 200, 401],
    "GET /api/v1/locations/1-301": [404, 404, 404, 200, 404, 200, 401],
    "GET /api/v1/locations/1-101/returns": [200, 404, 200, 404, 200, 200, 401],
    "GET /api/v1/locations/1-301/returns": [404, 404, 404, 200, 404, 200, 401],
    "GET /api/v1/locations": [200, 200, 200, 200, 200, 200, 401],
}

# Which locations each persona's lists contain.
VISIBLE = {
    "provider": {"1-101", "1-102", "1-103"},
    "rival": {"1-201"},
    "council": {"1-101", "1-103", "1-201"},
    "other_council": {"1-301"},
    "region": {"1-101", "1-102", "1-103", "1-201"},
    "admin": {"1-101", "1-102", "1-103", "1-201", "1-301"},
}
SUBMITTABLE = {"provider": {"1-101", "1-102"}, "rival": {"1-201"},
               "admin": {"1-101", "1-102", "1-201", "1-301"}}


@pytest.fixture
def market():
    market = build_market()
    CqcImportJob.objects.create(uuid=IMPORT_JOB, user=market.admin_user, file_name="cqc.csv")
    return market


def web_client(market, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(market, USERS[persona]))
    return client


def api_headers(market, persona: str) -> dict[str, str]:
    if persona == "anonymous":
        return {}
    _, raw = ApiToken.issue(getattr(market, USERS[persona]))
    return {"Authorization": f"Bearer {raw}"}


def cells(matrix):
    for operation, row in matrix.items():
        for persona, expected in zip(PERSONAS, row, strict=True):
            yield pytest.param(operation, persona, expected, id=f"{operation} as {persona}")


@pytest.mark.parametrize(("operation", "persona", "expected"), list(cells(WEB_MATRIX)))
def test_it_gives_each_role_exactly_its_web_access(market, operation, persona, expected):
    url = operation.split(" ", 1)[1]
    response = web_client(market, persona).get(url)
    assert response.status_code == expected
    if expected == SIGN_IN:
        assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize(("operation", "persona", "expected"), list(cells(API_MATRIX)))
def test_it_gives_each_role_exactly_its_api_access(market, operation, persona, expected):
    url = operation.split(" ", 1)[1]
    response = Client().get(url, headers=api_headers(market, persona))
    assert response.status_code == expected


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_it_lists_only_the_locations_in_scope_through_the_api(market, persona):
    response = Client().get("/api/v1/locations?page_size=100", headers=api_headers(market, persona))
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    assert {item["cqc_location_id"] for item in items} == VISIBLE[persona]


@pytest.mark.parametrize("persona", ["provider", "rival", "council", "other_council", "region", "admin"])
@pytest.mark.parametrize("location_id", ["1-101", "1-201", "1-301"])
def test_it_lets_only_the_provider_and_administrators_submit_through_the_api(
    market, persona, location_id
):
    payload = {"cqc_location_id": location_id, "template": "care-home",
               "period": str(current_period(current_template("care-home")).start),
               "values": care_home_values()}
    response = Client().post("/api/v1/returns", payload, content_type="application/json",
                             headers=api_headers(market, persona))
    allowed = location_id in SUBMITTABLE.get(persona, set())
    assert response.status_code == (201 if allowed else 403)
    assert Return.objects.filter(location__cqc_location_id=location_id).exists() == allowed


@pytest.mark.parametrize("persona", ["provider", "rival", "council", "region"])
def test_it_lets_only_the_provider_submit_through_the_web_form(market, persona):
    response = web_client(market, persona).post(
        "/locations/1-101/returns/care-home/", care_home_values()
    )
    saved = Return.objects.filter(location__cqc_location_id="1-101").exists()
    assert saved == (persona == "provider")
    assert response.status_code == {"provider": 302, "rival": 404, "council": 403, "region": 403}[persona]


@pytest.mark.parametrize("persona", ["provider", "rival", "admin"])
def test_it_lists_only_submittable_locations_in_the_upload_template(market, persona):
    body = web_client(market, persona).get("/returns/upload/template.csv?template=care-home")
    text = b"".join(body.streaming_content if body.streaming else [body.content]).decode("utf-8-sig")
    listed = {line.split(",")[0] for line in text.splitlines()[1:] if line.strip()}
    assert listed == SUBMITTABLE[persona]
