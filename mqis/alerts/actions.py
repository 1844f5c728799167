"""What people do to alerts: acknowledge and resolve, each with a note, each audited."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from mqis.alerts.models import Alert, AlertEvent, EventKind


class AlertActionError(ValueError):
    pass


@transaction.atomic
def acknowledge(alert: Alert, user: Any, note: str = "", now: dt.datetime | None = None) -> AlertEvent:
    now = now or timezone.now()
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        raise AlertActionError("This alert has already been acknowledged.")
    alert.acknowledged_at, alert.acknowledged_by = now, user
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return AlertEvent.objects.create(alert=alert, kind=EventKind.ACKNOWLEDGED, at=now, by=user, note=note)


@transaction.atomic
def resolve(alert: Alert, user: Any, note: str, now: dt.datetime | None = None) -> AlertEvent:
    """Resolving also acknowledges an alert nobody had acknowledged yet."""
    now = now or timezone.now()
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.resolved_at is not None:
        raise AlertActionError("This alert has already been resolved.")
    if not note.strip():
        raise AlertActionError("Enter a note saying what was done.")
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, user
    alert.resolved_at, alert.resolved_by = now, user
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by"])
    return AlertEvent.objects.create(alert=alert, kind=EventKind.RESOLVED, at=now, by=user, note=note)
