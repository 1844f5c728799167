"""Who gets the weekly market report by e-mail, and which weeks' reports have gone."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReportSubscription(models.Model):
    """A user's wish to get one council's or one region's weekly report by e-mail.

    Unsubscribing keeps the row (inactive). The report is built with the user's scope when
    it is sent, and not sent at all if the area is no longer in it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions")
    council = models.ForeignKey("registry.Council", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="report_subscriptions")
    region = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="report_subscriptions")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(council__isnull=False, region__isnull=True) | Q(council__isnull=True, region__isnull=False),
                name="reportsubscription_one_area",
            ),
            models.UniqueConstraint(fields=["user", "council"], condition=Q(council__isnull=False),
                                    name="reportsubscription_user_council"),
            models.UniqueConstraint(fields=["user", "region"], condition=Q(region__isnull=False),
                                    name="reportsubscription_user_region"),
        ]

    def __str__(self) -> str:
        return f"{self.user} gets the weekly report for {self.council or self.region}"


class ReportDelivery(models.Model):
    """One subscription's report for one week: claimed, then sent; never sent twice.

    The row is created before the e-mail is built: the unique constraint lets one worker
    claim it. A claimed row without `sent_at` whose claim is older than the lease marks a
    send that did not finish, and may be claimed again.
    """

    subscription = models.ForeignKey(ReportSubscription, on_delete=models.CASCADE, related_name="deliveries")
    week_start = models.DateField(help_text="The Monday of the week the report was sent in.")
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "subscription_id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "week_start"], name="reportdelivery_subscription_week"),
        ]

    def __str__(self) -> str:
        return f"Report for subscription {self.subscription_id}, week of {self.week_start:%-d %B %Y}"
