"""The JSON API: bearer tokens, returns one at a time or as a file, and locations by scope."""

import datetime as dt
import io

import pytest
from django.test import Client

from mqis.accounts.models import ApiToken
from mqis.returns.models import Return, ReturnChange
from mqis.returns.tests.bulk_market import (
    Market,
    build_market,
    care_home_row,
    care_home_values,
    csv_bytes,
    today,
)

API = "/api/v1"


@pytest.fixture
def market(db: None) -> Market:
    return build_market()


def client_for(user) -> Client:
    _, raw = ApiToken.issue(user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post_return(client: Client, **changes: object):
    body: dict[str, object] = {"cqc_location_id": "1-101", "template": "care-home",
                               "period": today().isoformat(), "values": care_home_values()}
    body.update(changes)
    return client.post(f"{API}/returns", body, content_type="application/json")


def codes(response) -> list[tuple[object, ...]]:
    return [(e["row"], e["field"], e["code"]) for e in response.json()["errors"]]


# Tokens


def test_it_requires_a_valid_token(market: Market):
    for headers in ({}, {"Authorization": "Bearer mqis_not-a-real-token"},
                    {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = Client(headers=headers).get(f"{API}/locations")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="MQIS"'
        assert response.json() == {"errors": [{
            "row": None, "field": None, "code": "unauthorised",
            "message": "Send a valid API token in the Authorization header: 'Bearer <token>'",
        }]}


def test_it_refuses_the_token_of_a_deactivated_user(market: Market):
    client = client_for(market.provider_user)
    market.provider_user.is_active = False
    market.provider_user.save()
    assert client.get(f"{API}/locations").status_code == 401


def test_it_records_when_a_token_was_last_used(market: Market):
    client = client_for(market.provider_user)
    assert client.get(f"{API}/locations").status_code == 200
    token = ApiToken.objects.get(user=market.provider_user)
    assert token.last_used_at is not None


def test_it_needs_no_csrf_token_with_a_bearer_token(market: Market):
    _, raw = ApiToken.issue(market.provider_user)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    assert post_return(client).status_code == 201


# One return


def test_it_creates_a_return(market: Market):
    response = post_return(client_for(market.provider_user))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "created"
    assert body["message"] == "Saved: 1 new return."
    saved = body["return"]
    assert saved["cqc_location_id"] == "1-101"
    assert saved["template"]["slug"] == "care-home"
    assert saved["values"]["beds_total"] == 48
    assert saved["channel"] == "api"
    assert dt.date.fromisoformat(saved["period_start"]) <= today()
    assert Return.objects.get().channel == "api"


def test_it_says_no_changes_when_the_same_return_is_sent_again(market: Market):
    client = client_for(market.provider_user)
    post_return(client)
    response = post_return(client)
    assert response.status_code == 200
    assert response.json()["status"] == "unchanged"
    assert response.json()["message"].startswith("No changes")
    assert (Return.objects.count(), ReturnChange.objects.count()) == (1, 1)


def test_it_updates_a_return(market: Market):
    client = client_for(market.provider_user)
    post_return(client)
    response = post_return(client, values=care_home_values(beds_occupied=41, beds_vacant=5))
    assert response.status_code == 200
    assert response.json()["status"] == "updated"
    assert ReturnChange.objects.count() == 2


def test_it_reports_every_validation_error_with_field_code_and_message(market: Market):
    values = care_home_values(beds_occupied="52", beds_vacant="", ppe_days_masks=-1)
    response = post_return(client_for(market.provider_user), values=values)
    assert response.status_code == 422
    assert response.json() == {"errors": [
        {"row": None, "field": "beds_vacant", "code": "required", "message": "Enter vacant beds"},
        {"row": None, "field": "ppe_days_masks", "code": "too_small",
         "message": "Days of masks in stock must be 0 or more (you entered -1)"},
        {"row": None, "field": "beds_occupied", "code": "rule",
         "message": "Occupied beds (52) cannot be more than total beds (48)"},
    ]}
    assert Return.objects.count() == 0


def test_it_reports_a_malformed_request_in_the_same_shape(market: Market):
    client = client_for(market.provider_user)
    response = post_return(client, period="23/11/2026")
    assert response.status_code == 422
    assert codes(response)[0][:2] == (None, "period")
    response = client.post(f"{API}/returns", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert codes(response) == [(None, None, "bad_request")]


def test_it_refuses_locations_outside_the_users_scope(market: Market):
    response = post_return(client_for(market.provider_user), cqc_location_id="1-201")
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "You cannot submit returns for 1-201"
    council = post_return(client_for(market.council_user))
    assert council.status_code == 403
    assert Return.objects.count() == 0


def test_it_says_an_unknown_location_is_not_found(market: Market):
    response = post_return(client_for(market.provider_user), cqc_location_id="1-999")
    assert response.status_code == 404
    assert codes(response) == [(None, "cqc_location_id", "unknown_location")]


def test_it_refuses_a_closed_period_and_an_unknown_template(market: Market):
    client = client_for(market.provider_user)
    closed = post_return(client, period=(today() - dt.timedelta(days=70)).isoformat())
    assert closed.status_code == 422
    assert codes(closed) == [(None, "period", "period_closed")]
    unknown = post_return(client, template="day-care")
    assert unknown.status_code == 422
    assert codes(unknown) == [(None, "template", "unknown_template")]


# A file of returns


def post_file(client: Client, data: bytes, **fields: str):
    upload = io.BytesIO(data)
    upload.name = "returns.csv"
    return client.post(f"{API}/returns/bulk", {"file": upload, **fields})


def test_it_imports_a_file(market: Market):
    data = csv_bytes([care_home_row("1-101"), care_home_row("1-102")])
    response = post_file(client_for(market.provider_user), data)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["saved"], body["errors"]) == (2, True, [])
    assert set(Return.objects.values_list("channel", flat=True)) == {"api"}


def test_it_checks_a_file_without_saving_on_a_dry_run(market: Market):
    response = post_file(client_for(market.provider_user), csv_bytes([care_home_row("1-101")]),
                         dry_run="true")
    assert response.status_code == 200
    assert (response.json()["dry_run"], response.json()["created"]) == (True, 1)
    assert Return.objects.count() == 0


def test_it_reports_a_files_errors_by_row_and_column(market: Market):
    data = csv_bytes([care_home_row("1-101"), care_home_row("1-102", beds_total="lots")])
    response = post_file(client_for(market.provider_user), data)
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "row": 3, "field": "beds_total", "code": "invalid", "value": "lots",
        "message": "Total beds must be a whole number, like 12 (you entered 'lots')",
    }]
    assert Return.objects.count() == 0


def test_it_saves_the_correct_rows_of_a_file_in_partial_mode(market: Market):
    data = csv_bytes([care_home_row("1-101"), care_home_row("1-102", beds_total="lots")])
    response = post_file(client_for(market.provider_user), data, partial="true")
    assert response.status_code == 200
    assert (response.json()["created"], response.json()["rows_with_errors"]) == (1, 1)


def test_it_refuses_files_from_users_who_cannot_submit(market: Market):
    response = post_file(client_for(market.region_user), csv_bytes([care_home_row("1-101")]))
    assert response.status_code == 403
    assert codes(response) == [(None, None, "forbidden")]


# Locations


def location_ids(client: Client, **query: str) -> list[str]:
    response = client.get(f"{API}/locations", query)
    assert response.status_code == 200
    return [item["cqc_location_id"] for item in response.json()["items"]]


def test_it_lists_only_the_locations_each_user_may_see(market: Market):
    assert location_ids(client_for(market.provider_user)) == ["1-101", "1-102", "1-103"]
    assert location_ids(client_for(market.other_provider_user)) == ["1-201"]
    assert location_ids(client_for(market.council_user)) == ["1-101", "1-103"]
    assert location_ids(client_for(market.region_user)) == ["1-101", "1-102", "1-103"]
    assert location_ids(client_for(market.admin_user)) == ["1-101", "1-102", "1-103", "1-201"]
    assert location_ids(client_for(market.no_role_user)) == []


def test_it_filters_locations_by_council_and_care_home(market: Market):
    client = client_for(market.region_user)
    assert location_ids(client, council="E08000006") == ["1-102"]
    assert location_ids(client, care_home="false") == ["1-103"]
    page = client.get(f"{API}/locations", {"limit": 1, "offset": 1}).json()
    assert (page["count"], [i["cqc_location_id"] for i in page["items"]]) == (3, ["1-102"])


def test_it_shows_one_location_in_scope_and_hides_the_rest_as_not_found(market: Market):
    client = client_for(market.council_user)
    found = client.get(f"{API}/locations/1-101").json()
    assert (found["name"], found["council"]["gss_code"]) == ("Oak House", "E08000003")
    assert found["provider"] == {"cqc_provider_id": "1-100", "name": "Acme Care Ltd"}
    hidden, unknown = client.get(f"{API}/locations/1-102"), client.get(f"{API}/locations/1-999")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json() == {"errors": [
        {"row": None, "field": None, "code": "not_found", "message": "Not found"}]}
    assert client.get(f"{API}/locations/1-102/returns").status_code == 404


def test_it_lists_a_locations_returns_latest_first(market: Market):
    provider = client_for(market.provider_user)
    last_week = today() - dt.timedelta(days=7)
    post_return(provider, period=last_week.isoformat())
    post_return(provider)
    items = client_for(market.council_user).get(f"{API}/locations/1-101/returns").json()["items"]
    assert [dt.date.fromisoformat(i["period_start"]) <= d for i, d in
            zip(items, [today(), last_week], strict=True)] == [True, True]
    assert items[0]["period_start"] > items[1]["period_start"]
    assert items[0]["template"] == {"slug": "care-home", "version": 1}
    assert {"values", "submitted_at", "channel", "period_end"} <= set(items[0])


# The description


def test_it_serves_its_openapi_description_and_docs(market: Market):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"] == {"title": "MQIS API", "version": "1",
                            "description": spec["info"]["description"]}
    assert {f"{API}/returns", f"{API}/returns/bulk", f"{API}/locations",
            f"{API}/locations/{{cqc_location_id}}",
            f"{API}/locations/{{cqc_location_id}}/returns"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["ApiTokenAuth"]["scheme"] == "bearer"
    assert Client().get(f"{API}/docs").status_code == 200
