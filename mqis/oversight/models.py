"""Oversight records: the reminders sent to providers about their returns."""

from django.db import models


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class Reminder(models.Model):
    """One reminder about one location's return for one period; never sent twice.

    The row is created before the e-mail is sent: the unique constraint lets only one
    worker claim it. `sent_at` is set once the e-mail has gone (or at once when there was
    nobody to send it to), so a claimed row without it marks a send that did not finish.
    """

    location = models.ForeignKey(
        "registry.Location", on_delete=models.CASCADE, related_name="reminders"
    )
    period = models.ForeignKey("returns.Period", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # The addresses it went to; empty when the provider had no user with an e-mail address.
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "period", "kind"], name="reminder_location_period_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for location {self.location_id}, period {self.period_id}"
