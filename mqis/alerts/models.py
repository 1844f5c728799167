"""Alerts: rules held as data, one open alert per rule and location, every step audited,
and an outbox of deliveries (e-mail, webhooks) that the worker sends."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class AlertRule(models.Model):
    """A rule's thresholds are configuration an administrator changes in the admin."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    # The rule's numbers, e.g. {"days": 3}; each rule documents its own keys.
    thresholds = models.JSONField(default=dict, blank=True)
    # Whether the people notified of the alert are told again when its condition clears.
    notify_on_clear = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """One episode of a rule's condition at a location, from opening until it clears."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    location = models.ForeignKey("registry.Location", on_delete=models.PROTECT, related_name="alerts")
    message = models.CharField(max_length=255)
    opened_at = models.DateTimeField()
    # Set when the condition no longer holds: the alert closed itself.
    cleared_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # No floods: at most one open alert per rule and location.
            models.UniqueConstraint(
                fields=["rule", "location"], condition=Q(cleared_at__isnull=True),
                name="alert_one_open_per_rule_location",
            )
        ]
        indexes = [models.Index(fields=["location", "cleared_at"], name="alert_location_open_idx")]

    def __str__(self) -> str:
        return f"{self.rule} at {self.location_id}"

    @property
    def status(self) -> str:
        if self.cleared_at:
            return "Closed"
        if self.resolved_at:
            return "Resolved"
        if self.acknowledged_at:
            return "Acknowledged"
        return "New"


class EventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    UPDATED = "updated", "Figures changed"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    CLEARED = "cleared", "Closed automatically"


class AlertEvent(models.Model):
    """Audit: everything that happens to an alert, who did it and their note."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.alert_id} at {self.at:%d %B %Y %H:%M}"


class WebhookEndpoint(models.Model):
    """An organisation's receiver for alerts about the locations in its scope."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200, help_text="Shared secret for the X-MQIS-Signature HMAC-SHA256 header."
    )
    region = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.CASCADE)
    council = models.ForeignKey("registry.Council", null=True, blank=True, on_delete=models.CASCADE)
    provider = models.ForeignKey("registry.Provider", null=True, blank=True, on_delete=models.CASCADE)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="webhook_has_one_organisation",
                condition=(
                    Q(region__isnull=False, council__isnull=True, provider__isnull=True)
                    | Q(region__isnull=True, council__isnull=False, provider__isnull=True)
                    | Q(region__isnull=True, council__isnull=True, provider__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up"


class Delivery(models.Model):
    """One message about one alert event to one recipient on one channel: the outbox row.

    Created in the same transaction as the event, so nothing is lost; unique per event,
    channel and recipient, so nothing is sent twice by MQIS's own doing.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A worker holds a delivery until this time; after it, another worker may take it over.
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "channel", "user"], name="delivery_once_per_user",
                                    condition=Q(user__isnull=False)),
            models.UniqueConstraint(fields=["event", "channel", "endpoint"],
                                    name="delivery_once_per_endpoint", condition=Q(endpoint__isnull=False)),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} delivery {self.uid}"


class DeliveryAttempt(models.Model):
    """Every try at sending a delivery, with what the receiver said."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{'Sent' if self.ok else 'Failed'} at {self.at:%d %B %Y %H:%M:%S}"
