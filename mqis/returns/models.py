"""Return templates (as data), periods, returns and their audit trail."""

from django.conf import settings
from django.db import models


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    TWICE_WEEKLY = "twice_weekly", "Twice weekly"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class ReturnTemplate(models.Model):
    """One version of a return template. Changing a template adds a version; old ones stay."""

    slug = models.SlugField(max_length=50)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    # Schedule details as data: e.g. {"due_days_after_start": 2, "due_time": "17:00",
    # "closes_days_after_end": 14} or, for monthly, {"window_start_day": 8, "window_end_day": 14}.
    schedule = models.JSONField(default=dict)
    # Which locations it applies to: {"care_home": true} or {"service_types": ["Homecare agencies"]}.
    applies_to = models.JSONField(default=dict)
    fields = models.JSONField(default=list)
    rules = models.JSONField(default=list)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="template_slug_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    def field_map(self) -> dict[str, dict]:
        return {f["key"]: f for f in self.fields}


class Period(models.Model):
    """A reporting period of a template family, with its deadline and closing time."""

    template_slug = models.SlugField(max_length=50)
    start = models.DateField()
    end = models.DateField()
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["template_slug", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["template_slug", "start"], name="period_slug_start"),
        ]

    def __str__(self) -> str:
        return f"{self.template_slug} {self.start:%d %b %Y}"


class Channel(models.TextChoices):
    FORM = "form", "Web form"
    API = "api", "API"
    UPLOAD = "upload", "Bulk upload"
    DEMO = "demo", "Demo generator"


class Return(models.Model):
    # No single-column indexes: the unique (location, period) constraint and the covering
    # index below lead with location and period, and each extra index slows bulk uploads.
    # Nothing looks returns up by template or sender; only deleting a template version
    # (refused while returns use it) or a user would scan for them, and both are rare.
    location = models.ForeignKey(
        "registry.Location", on_delete=models.PROTECT, related_name="returns", db_index=False
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="returns", db_index=False)
    template = models.ForeignKey(ReturnTemplate, on_delete=models.PROTECT, related_name="returns", db_index=False)
    values = models.JSONField(default=dict)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    on_time = models.BooleanField(default=True)
    # Measures derived from the values at save time, so dashboards aggregate in SQL at once.
    beds_total = models.IntegerField(null=True)
    beds_occupied = models.IntegerField(null=True)
    beds_vacant = models.IntegerField(null=True)
    admissions_closed = models.BooleanField(null=True)
    staff_headcount = models.IntegerField(null=True)
    staff_absent = models.IntegerField(null=True)
    in_outbreak = models.BooleanField(null=True)
    ppe_min_days = models.FloatField(null=True)
    unmet_hours = models.FloatField(null=True)
    nurses_headcount = models.IntegerField(null=True)
    nurses_absent = models.IntegerField(null=True)
    care_workers_headcount = models.IntegerField(null=True)
    care_workers_absent = models.IntegerField(null=True)
    agency_staff = models.IntegerField(null=True)

    class Meta:
        ordering = ["-period__start"]
        constraints = [
            models.UniqueConstraint(fields=["location", "period"], name="return_location_period"),
        ]
        indexes = [
            # Covers the dashboards' aggregations, so they read the index and not the table.
            models.Index(
                fields=["period", "location", "beds_total", "beds_occupied", "beds_vacant",
                        "staff_headcount", "staff_absent", "admissions_closed", "in_outbreak",
                        "ppe_min_days"],
                name="return_measures_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Return for {self.location_id} in period {self.period_id}"


class ReturnChange(models.Model):
    """Audit: one row per save that changed a return, with each field's old and new value."""

    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField()
    # Not indexed, like Return.submitted_by: only deleting a user would look changes up by it.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    template_version = models.PositiveIntegerField()
    # {"field_key": [old, new], ...}; old is null on the first submission.
    diff = models.JSONField(default=dict)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"Change to return {self.return_obj_id} at {self.changed_at:%d %B %Y %H:%M}"
