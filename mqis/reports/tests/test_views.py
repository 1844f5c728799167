"""The report's web page, its PDF download and subscribing, for each persona."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mqis.reports.models import ReportSubscription

pytestmark = pytest.mark.django_db


def client_for(user: User, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def council_url(market, name="council_report"):
    return reverse(name, args=[market.manchester.gss_code])


def region_url(market, name="region_report"):
    return reverse(name, args=[market.region.code])


def test_a_council_officer_reads_their_councils_report(market):
    response = client_for(market.council_user).get(council_url(market))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Weekly market report: Manchester – MQIS</title>" in html
    for heading in ("Capacity and occupancy", "Workforce", "Outbreaks and PPE", "Risk", "Completeness", "Forecast"):
        assert f">{heading}</h2>" in html
    assert f'href="{council_url(market, "council_report_pdf")}"' in html
    assert "Show the chart’s figures as a table" in html and "<svg" in html
    assert "Elm Lodge" not in html and "Moor View" not in html


def test_a_regional_analyst_reads_the_region_report_with_its_councils(market):
    response = client_for(market.region_user).get(region_url(market))
    assert response.status_code == 200
    html = response.content.decode()
    assert ">Councils compared</h2>" in html and "Salford" in html and "Moor View" not in html


@pytest.mark.parametrize("persona, url_of", [
    ("other_council_user", council_url), ("provider_user", council_url), ("council_user", region_url),
    ("provider_user", region_url),
])
@pytest.mark.parametrize("suffix", ["report", "report_pdf"])
def test_nobody_opens_a_report_outside_their_scope(market, persona, url_of, suffix):
    kind = "council" if url_of is council_url else "region"
    response = client_for(getattr(market, persona)).get(url_of(market, f"{kind}_{suffix}"))
    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(market):
    response = Client().get(council_url(market, "council_report_pdf"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_pdf_downloads_as_an_attachment_named_after_the_council_and_the_day(market):
    response = client_for(market.council_user).get(council_url(market, "council_report_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="mqis-manchester-{today}.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_user_subscribes_and_unsubscribes_on_the_report_page(market):
    client = client_for(market.council_user)
    url = council_url(market, "council_report_subscription")
    response = client.post(url, {"action": "subscribe"}, follow=True)
    assert "You will get this report by e-mail every Monday from 07:00." in response.content.decode()
    subscription = ReportSubscription.objects.get(user=market.council_user)
    assert (subscription.council, subscription.region, subscription.active) == (market.manchester, None, True)
    assert "Stop e-mailing me this report" in response.content.decode()
    response = client.post(url, {"action": "unsubscribe"}, follow=True)
    assert "You will no longer get this report by e-mail." in response.content.decode()
    subscription.refresh_from_db()
    assert not subscription.active
    client.post(url, {"action": "subscribe"})
    assert ReportSubscription.objects.filter(user=market.council_user).count() == 1  # the same row, active again
    assert ReportSubscription.objects.get(user=market.council_user).active


def test_nobody_subscribes_to_a_report_outside_their_scope(market):
    response = client_for(market.other_council_user).post(council_url(market, "council_report_subscription"),
                                                          {"action": "subscribe"})
    assert response.status_code == 403
    response = client_for(market.council_user).post(region_url(market, "region_report_subscription"),
                                                    {"action": "subscribe"})
    assert response.status_code == 403
    assert not ReportSubscription.objects.exists()


def test_subscribing_needs_the_forms_csrf_token_and_a_post(market):
    client = client_for(market.region_user, enforce_csrf_checks=True)
    url = region_url(market, "region_report_subscription")
    assert client.post(url, {"action": "subscribe"}).status_code == 403
    assert client.get(url).status_code == 405
    assert not ReportSubscription.objects.exists()


def test_a_user_without_an_email_address_is_told_why_they_cannot_subscribe(market):
    User.objects.filter(pk=market.council_user.pk).update(email="")
    response = client_for(market.council_user).post(council_url(market, "council_report_subscription"),
                                                    {"action": "subscribe"}, follow=True)
    assert "Your account has no e-mail address" in response.content.decode()
    assert not ReportSubscription.objects.exists()
