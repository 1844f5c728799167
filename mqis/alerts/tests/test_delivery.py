"""Webhooks and e-mails, against a real HTTP receiver on 127.0.0.1."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.utils import timezone

from mqis.alerts import delivery
from mqis.alerts.models import AlertRule, Delivery, DeliveryAttempt, WebhookEndpoint
from mqis.lib.receiver import Receiver
from mqis.lib.testing import build_market, care_home_values
from mqis.returns.periods import current_period
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db
SECRET = "a shared secret"


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def market():
    AlertRule.objects.filter(key="overdue").update(enabled=False)
    return build_market()


def raise_alert(market, receiver, **values):
    WebhookEndpoint.objects.create(name="Manchester hook", url=receiver.url, secret=SECRET,
                                   council=market.manchester)
    template = current_template("care-home")
    submit_return(market.provider_user, market.home_a, template, current_period(template),
                  care_home_values(**(values or {"ppe_days_gloves": "1"})), channel="form")


def webhook() -> Delivery:
    return Delivery.objects.get(channel="webhook")


def test_a_webhook_is_signed_with_hmac_sha256_and_names_the_alert(market, receiver):
    raise_alert(market, receiver)
    delivery.send_due()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    # Verify it as a receiver would: HMAC-SHA256 of "<timestamp>.<body>" with the shared secret.
    expected = hmac.new(SECRET.encode(), got.headers["X-MQIS-Timestamp"].encode() + b"." + got.body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["X-MQIS-Signature"], f"sha256={expected}")
    body = json.loads(got.body)
    assert body["event"] == "opened" and body["alert"]["rule"] == "ppe_short"
    assert body["location"] == {"cqc_location_id": "1-101", "name": "Oak House",
                                "council_gss_code": "E08000003"}
    assert got.headers["X-MQIS-Delivery"] == body["delivery"] == str(webhook().uid)
    assert webhook().status == "sent" and webhook().last_status_code == 200


def test_a_wrong_secret_does_not_verify(market, receiver):
    raise_alert(market, receiver)
    delivery.send_due()
    got = receiver.received[0]
    forged = delivery.signature("another secret", got.headers["X-MQIS-Timestamp"], got.body)
    assert forged != got.headers["X-MQIS-Signature"]


def test_a_500_is_retried_with_back_off_and_every_attempt_recorded(market, receiver, settings):
    settings.MQIS_WEBHOOK_BACKOFF_SECONDS = 10
    receiver.statuses = [500, 503]
    raise_alert(market, receiver)
    now = timezone.now()
    delivery.send_due(now)
    assert webhook().status == "pending" and webhook().next_attempt_at == now + dt.timedelta(seconds=10)
    assert delivery.send_due(now + dt.timedelta(seconds=5)) == {"sent": 0, "failed": 0}  # not yet due
    delivery.send_due(now + dt.timedelta(seconds=10))
    # The second wait is three times the first.
    assert webhook().next_attempt_at == now + dt.timedelta(seconds=10 + 30)
    delivery.send_due(now + dt.timedelta(seconds=40))
    assert webhook().status == "sent" and webhook().attempts == 3
    codes = list(DeliveryAttempt.objects.filter(delivery__channel="webhook").values_list("status_code", "ok"))
    assert codes == [(500, False), (503, False), (200, True)]
    # Every try carried the same delivery id, so a receiver can ignore repeats.
    assert {r.headers["X-MQIS-Delivery"] for r in receiver.received} == {str(webhook().uid)}


def test_it_gives_up_after_the_last_attempt_and_says_so(market, receiver, settings):
    settings.MQIS_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500]
    raise_alert(market, receiver)
    now = timezone.now()
    delivery.send_due(now)
    delivery.send_due(now + dt.timedelta(hours=1))
    assert webhook().status == "failed" and webhook().last_error == "The receiver answered 500"
    assert delivery.send_due(now + dt.timedelta(days=1)) == {"sent": 0, "failed": 0}


def test_an_unreachable_receiver_is_recorded_and_retried(market, receiver):
    raise_alert(market, receiver)
    WebhookEndpoint.objects.update(url="http://127.0.0.1:9/nothing-listens-here")
    delivery.send_due()
    assert webhook().status == "pending" and "refused" in webhook().last_error.lower()


def test_two_workers_never_send_the_same_delivery(market, receiver):
    raise_alert(market, receiver)
    pk = webhook().pk
    now = timezone.now()
    assert delivery._claim(pk, now) is True
    assert delivery.send_one(pk, now) is None  # the other worker holds it
    assert receiver.received == []


def test_alert_emails_go_to_each_user_in_scope_once(market, receiver, mailoutbox):
    raise_alert(market, receiver)
    delivery.send_due()
    delivery.send_due()
    assert sorted(m.to[0] for m in mailoutbox) == [
        "acme.manager@example.org", "manchester.officer@example.org", "nw.analyst@example.org"]
    mail = mailoutbox[0]
    assert mail.subject == "MQIS alert opened: PPE running out at Oak House"
    assert "PPE for under 3 days: gloves (1 day)" in mail.body
    assert "/alerts/" in mail.body
