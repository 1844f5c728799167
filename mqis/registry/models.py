"""The market: regions, councils, providers and their locations."""

import uuid

from django.db import models


class Region(models.Model):
    code = models.CharField(max_length=9, unique=True, help_text="ONS code, e.g. E12000002")
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Council(models.Model):
    gss_code = models.CharField(max_length=9, unique=True, help_text="ONS GSS code, e.g. E08000003")
    name = models.CharField(max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="councils")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    cqc_provider_id = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=255)
    ownership_type = models.CharField(max_length=100, blank=True)
    companies_house_number = models.CharField(max_length=20, blank=True)
    brand_id = models.CharField(max_length=30, blank=True)
    brand_name = models.CharField(max_length=255, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    cqc_location_id = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=255)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="locations")
    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="locations", null=True, blank=True
    )
    local_authority_name = models.CharField(max_length=100, blank=True)
    region_name = models.CharField(max_length=100, blank=True)
    care_home = models.BooleanField(default=False)
    service_types = models.JSONField(default=list, blank=True)
    specialisms = models.JSONField(default=list, blank=True)
    primary_inspection_category = models.CharField(max_length=100, blank=True)
    beds = models.PositiveIntegerField(default=0)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=255, blank=True)
    rating_overall = models.CharField(max_length=40, blank=True)
    rating_safe = models.CharField(max_length=40, blank=True)
    rating_effective = models.CharField(max_length=40, blank=True)
    rating_caring = models.CharField(max_length=40, blank=True)
    rating_responsive = models.CharField(max_length=40, blank=True)
    rating_well_led = models.CharField(max_length=40, blank=True)
    rating_published = models.DateField(null=True, blank=True)
    dormant = models.BooleanField(default=False)
    registered_on = models.DateField(null=True, blank=True)
    deregistered_on = models.DateField(null=True, blank=True)
    # Set when a newer CQC file no longer lists the location; rows are never deleted.
    deregistered = models.BooleanField(default=False)
    is_synthetic = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["council", "care_home"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.cqc_location_id})"


class ImportRun(models.Model):
    """One import of a CQC file: what it found and what it changed."""

    file_name = models.CharField(max_length=255)
    file_kind = models.CharField(max_length=50)
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    gone = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%d %B %Y %H:%M})"


class CqcImportJob(models.Model):
    """A CQC file uploaded on the web page, imported in the background by `mqis worker`."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    file_name = models.CharField(max_length=255)
    # Where the upload waits for the worker (under DATA_DIR/uploads); emptied once imported.
    stored_path = models.CharField(max_length=500, blank=True)
    dry_run = models.BooleanField(default=False)
    partial = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_done(self) -> bool:
        return self.status in {self.Status.FINISHED, self.Status.FAILED}
