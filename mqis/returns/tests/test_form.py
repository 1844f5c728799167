"""The web return form: tell us once, errors at the top, one write path, scoped to the provider."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mqis.lib.testing import build_market, care_home_values
from mqis.returns.models import Return, ReturnChange
from mqis.returns.periods import describe, period_for
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # build_market makes six users; the default hasher takes about a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def market():
    return build_market()


@pytest.fixture
def template():
    return current_template("care-home")


@pytest.fixture
def this_week(template):
    return period_for(template, timezone.localdate())


@pytest.fixture
def last_week(template):
    return period_for(template, timezone.localdate() - dt.timedelta(days=7))


@pytest.fixture
def sent_last_week(market, template, last_week):
    """Oak House's return for last week: 48 beds, 40 occupied, 2 closed, 6 vacant."""
    submit_return(market.provider_user, market.home_a, template, last_week,
                  care_home_values(), channel="form")


@pytest.fixture
def manager(market):
    client = Client()
    client.force_login(market.provider_user)
    return client


def form_url(location, slug="care-home", **query):
    url = reverse("submit_return", args=[location.cqc_location_id, slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def input_value(html: str, key: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{key}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else None


def test_it_opens_the_form_prefilled_with_the_last_return(manager, market, sent_last_week,
                                                         last_week):
    response = manager.get(form_url(market.home_a))
    html = response.content.decode()
    assert response.status_code == 200
    assert input_value(html, "beds_total") == "48"
    assert input_value(html, "beds_occupied") == "40"
    assert re.search(r'value="open"\s+checked', html)
    assert f"We have filled in the figures from your return for {describe(last_week)}" in html
    assert "Nothing has changed since my last return" in html
    for section in ("Beds", "Admissions", "Staff", "Infection", "PPE"):
        assert f'<h2 class="govuk-fieldset__heading">{section}</h2>' in html
    assert 'class="govuk-input__suffix" aria-hidden="true">days</div>' in html
    assert "All beds the home is registered and staffed to use" in html


def test_it_shows_dates_as_day_month_year(manager, market, this_week):
    html = manager.get(form_url(market.home_a)).content.decode()
    assert f"For {describe(this_week)}." in html
    assert f"{timezone.localtime(this_week.due_at):%-d %B %Y}" in html


def test_it_offers_no_nothing_has_changed_button_without_an_earlier_return(manager, market):
    html = manager.get(form_url(market.home_a)).content.decode()
    assert "Nothing has changed since my last return" not in html
    assert input_value(html, "beds_total") == ""


def test_it_shows_every_error_at_the_top_and_saves_nothing(manager, market, sent_last_week,
                                                          this_week):
    before = (Return.objects.count(), ReturnChange.objects.count())
    response = manager.post(form_url(market.home_a),
                            care_home_values(beds_occupied="52", beds_closed="", beds_vacant="0"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>Error: ", html)
    assert 'class="govuk-error-summary"' in html and 'role="alert"' in html
    assert ('<a href="#id_beds_occupied">Occupied beds (52) cannot be more than total beds (48)</a>'
            in html)
    assert "govuk-form-group--error" in html
    assert ('<p id="id_beds_occupied-error" class="govuk-error-message"><span '
            'class="govuk-visually-hidden">Error:</span> Occupied beds (52) cannot be more than '
            'total beds (48)</p>') in html
    assert 'id="id_beds_occupied"' in html
    assert input_value(html, "beds_occupied") == "52"
    assert (Return.objects.count(), ReturnChange.objects.count()) == before
    assert not Return.objects.filter(period=this_week).exists()


def test_it_links_a_missing_choice_to_its_first_radio(manager, market):
    values = care_home_values()
    del values["admissions_status"]
    html = manager.post(form_url(market.home_a), values).content.decode()
    assert '<a href="#id_admissions_status">' in html
    assert '<input class="govuk-radios__input" id="id_admissions_status" ' in html


def test_it_saves_a_corrected_return_and_records_the_change(manager, market, sent_last_week,
                                                           this_week):
    manager.post(form_url(market.home_a), care_home_values(beds_occupied="52"))
    response = manager.post(form_url(market.home_a),
                            care_home_values(beds_occupied="42", beds_vacant="4"))
    assert response.status_code == 302
    assert response["Location"] == form_url(market.home_a, "care-home").replace(
        "/care-home/", "/care-home/saved/") + f"?period={this_week.start.isoformat()}"
    ret = Return.objects.get(location=market.home_a, period=this_week)
    assert (ret.beds_occupied, ret.beds_vacant, ret.channel) == (42, 4, "form")
    assert ret.submitted_by == market.provider_user
    change = ReturnChange.objects.get(return_obj=ret)
    assert change.diff["beds_occupied"] == [None, 42]
    assert change.changed_by == market.provider_user and change.channel == "form"

    page = manager.get(response["Location"]).content.decode()
    assert "govuk-panel" in page and "Return received" in page


def test_it_shows_what_changed_when_a_return_is_corrected(manager, market, this_week):
    manager.post(form_url(market.home_a), care_home_values())
    response = manager.post(form_url(market.home_a),
                            care_home_values(beds_occupied="41", beds_vacant="5"), follow=True)
    html = response.content.decode()
    assert "Return updated" in html
    assert "Saved: 1 updated." in html
    assert re.search(r"Occupied beds</th>\s*<td[^>]*>40</td>\s*<td[^>]*>41</td>", html)


def test_it_copies_the_last_return_when_nothing_has_changed(manager, market, sent_last_week,
                                                           last_week, this_week):
    response = manager.post(form_url(market.home_a), {"no_change": "1",
                                                      "period": this_week.start.isoformat()})
    assert response.status_code == 302
    copied = Return.objects.get(location=market.home_a, period=this_week)
    previous = Return.objects.get(location=market.home_a, period=last_week)
    assert copied.values == previous.values
    assert (copied.beds_total, copied.beds_occupied, copied.channel) == (48, 40, "form")
    assert ReturnChange.objects.filter(return_obj=copied).count() == 1
    html = manager.get(response["Location"]).content.decode()
    assert "we copied the figures from your last return" in html


def test_it_says_so_when_the_figures_match_what_is_stored(manager, market):
    manager.post(form_url(market.home_a), care_home_values())
    response = manager.post(form_url(market.home_a), care_home_values(), follow=True)
    html = response.content.decode()
    assert "govuk-panel" in html
    assert "No changes: the figures match what is already stored." in html
    assert ReturnChange.objects.count() == 1


def test_it_accepts_an_earlier_period_that_is_still_open(manager, market, last_week):
    url = form_url(market.home_a, period=last_week.start.isoformat())
    assert f"For {describe(last_week)}." in manager.get(url).content.decode()
    manager.post(url, care_home_values(period=last_week.start.isoformat()))
    assert Return.objects.filter(location=market.home_a, period=last_week).exists()


def test_it_gives_the_reason_a_period_is_closed(manager, market):
    long_ago = timezone.localdate() - dt.timedelta(days=60)
    html = manager.get(form_url(market.home_a, period=long_ago.isoformat())).content.decode()
    assert "You cannot send this return now" in html
    assert re.search(r"The period .+ closed on \d{1,2} [A-Z][a-z]+ \d{4}\.", html)
    assert 'name="beds_total"' not in html


def test_it_hides_another_providers_location(market):
    rival = Client()
    rival.force_login(market.rival_user)
    assert rival.get(form_url(market.home_a)).status_code == 404
    assert rival.post(form_url(market.home_a), care_home_values()).status_code == 404
    detail = reverse("location_detail", args=[market.home_a.cqc_location_id])
    assert rival.get(detail).status_code == 404
    assert rival.get(form_url(market.home_a).replace("1-101", "1-999")).status_code == 404
    assert Return.objects.count() == 0


def test_it_refuses_the_form_to_a_council_user(market):
    officer = Client()
    officer.force_login(market.council_user)
    assert officer.get(form_url(market.home_a)).status_code == 403


def test_it_refuses_a_template_that_does_not_apply(manager, market):
    assert manager.get(form_url(market.agency, "care-home")).status_code == 404
    assert manager.get(form_url(market.home_a, "home-care")).status_code == 404


def test_it_lists_a_providers_locations_with_this_periods_returns(manager, market):
    manager.post(form_url(market.home_a), care_home_values())
    html = manager.get(reverse("provider_home")).content.decode()
    for name in ("Oak House", "Elm Lodge", "Acme Homecare Manchester"):
        assert name in html
    assert "Birch Court" not in html
    assert "Received" in html
    assert re.search(r"govuk-tag--(blue|red)\">(Due|Late)", html)
    assert form_url(market.home_b) in html
    assert form_url(market.agency, "home-care") in html


def test_it_sends_council_users_away_from_the_provider_page(market):
    officer = Client()
    officer.force_login(market.council_user)
    assert officer.get(reverse("provider_home")).status_code == 403


def test_it_shows_an_administrator_locations_to_submit_for(market):
    admin = Client()
    admin.force_login(market.admin_user)
    html = admin.get(reverse("provider_home")).content.decode()
    assert "You are an administrator, so you can submit a return for any location." in html
    assert "Birch Court" in html and "Oak House" in html
    assert admin.get(form_url(market.rival_home)).status_code == 200
