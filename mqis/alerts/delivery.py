"""Send the outbox: e-mails through Django's e-mail backend, webhooks signed with HMAC-SHA256.

A worker claims a delivery with a conditional update and a lease, so two workers never send
the same one; a worker that dies mid-send loses its lease and the delivery is tried again
with the same delivery id (X-MQIS-Delivery), which receivers use to ignore a repeat.
Failures are retried with exponential back-off; every attempt is recorded.
"""

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from mqis.alerts.models import Channel, Delivery, DeliveryAttempt, DeliveryStatus, EventKind

TIMEOUT_SECONDS = 10


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-MQIS-Signature value: HMAC-SHA256 of "<timestamp>.<body>" with the shared secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: base, 3×base, 9×base … capped at an hour."""
    base = settings.MQIS_WEBHOOK_BACKOFF_SECONDS
    return dt.timedelta(seconds=min(3600.0, base * 3 ** (attempts - 1)))


def _alert_url(alert_id: int) -> str:
    return settings.MQIS_BASE_URL.rstrip("/") + reverse("alert_detail", args=[alert_id])


def payload(delivery: Delivery) -> dict[str, Any]:
    event = delivery.event
    alert = event.alert
    location = alert.location
    return {
        "delivery": str(delivery.uid),
        "event": event.kind,
        "at": event.at.isoformat(),
        "alert": {
            "id": alert.pk,
            "rule": alert.rule.key,
            "rule_name": alert.rule.name,
            "message": alert.message,
            "opened_at": alert.opened_at.isoformat(),
            "cleared_at": alert.cleared_at.isoformat() if alert.cleared_at else None,
            "url": _alert_url(alert.pk),
        },
        "location": {
            "cqc_location_id": location.cqc_location_id,
            "name": location.name,
            "council_gss_code": location.council.gss_code if location.council else None,
        },
    }


def _send_webhook(delivery: Delivery) -> int:
    endpoint = delivery.endpoint
    assert endpoint is not None
    body = json.dumps(payload(delivery), separators=(",", ":")).encode()
    timestamp = str(int(timezone.now().timestamp()))
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": "MQIS-webhooks",
        "X-MQIS-Delivery": str(delivery.uid),
        "X-MQIS-Timestamp": timestamp,
        "X-MQIS-Signature": signature(endpoint.secret, timestamp, body),
    })
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (admin-set URL)
        return int(response.status)


def _send_email(delivery: Delivery) -> None:
    user = delivery.user
    assert user is not None
    event = delivery.event
    alert = event.alert
    ended = event.kind == EventKind.CLEARED
    subject = f"MQIS alert {'closed' if ended else 'opened'}: {alert.rule.name} at {alert.location.name}"
    lines = [
        f"{alert.location.name} ({alert.location.cqc_location_id})",
        f"{alert.rule.name}: {alert.message}",
        "The condition has cleared and the alert has closed." if ended else "",
        f"See the alert, acknowledge or resolve it: {_alert_url(alert.pk)}",
        "",
        "You are receiving this because the location is in your area of MQIS.",
    ]
    EmailMessage(subject, "\n".join(x for x in lines if x is not None), to=[user.email]).send()


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    claimable = Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    lease_until = now + dt.timedelta(seconds=settings.MQIS_DELIVERY_LEASE_SECONDS)
    claimed = Delivery.objects.filter(claimable, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, lease_until=lease_until, attempts=F("attempts") + 1
    )
    return bool(claimed)


def due(now: dt.datetime) -> list[int]:
    waiting = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    abandoned = Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    return list(Delivery.objects.filter(waiting | abandoned).order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:500])


def send_one(delivery_id: int, now: dt.datetime | None = None) -> bool | None:
    """Try one delivery; True when sent, False when it failed, None when another worker has it."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related(
        "event__alert__rule", "event__alert__location__council", "user", "endpoint"
    ).get(pk=delivery_id)
    code: int | None = None
    try:
        if delivery.channel == Channel.WEBHOOK:
            code = _send_webhook(delivery)
        else:
            _send_email(delivery)
    except urllib.error.HTTPError as error:
        return _failed(delivery, now, f"The receiver answered {error.code}", error.code)
    except Exception as error:  # noqa: BLE001 (any failure to send is recorded and retried)
        return _failed(delivery, now, str(error) or type(error).__name__, None)
    DeliveryAttempt.objects.create(delivery=delivery, at=now, ok=True, status_code=code)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=now, lease_until=None, last_status_code=code, last_error=""
    )
    return True


def _failed(delivery: Delivery, now: dt.datetime, error: str, code: int | None) -> bool:
    DeliveryAttempt.objects.create(delivery=delivery, at=now, ok=False, status_code=code, error=error)
    gave_up = delivery.attempts >= settings.MQIS_WEBHOOK_MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
        next_attempt_at=now + backoff(delivery.attempts),
        lease_until=None, last_status_code=code, last_error=error,
    )
    return False


def send_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send every delivery that is due; returns how many were sent and how many failed."""
    counts = {"sent": 0, "failed": 0}
    for delivery_id in due(now or timezone.now()):
        result = send_one(delivery_id, now)
        if result is not None:
            counts["sent" if result else "failed"] += 1
    return counts
