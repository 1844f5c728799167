"""Risk profiles: the configuration (weights, break-even, bands), each location's latest
score with every indicator's contribution, and the history of band changes."""

from django.db import models


class Band(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class RiskConfig(models.Model):
    """The one row of risk configuration an administrator changes in the admin.

    The shipped defaults are in data/config.json; an indicator missing from `weights`
    takes its shipped weight.
    """

    weights = models.JSONField(
        default=dict, blank=True,
        help_text='Weight of each indicator, e.g. {"occupancy": 3}. 0 leaves an indicator out.',
    )
    break_even_occupancy = models.FloatField(
        default=85, help_text="Occupancy (per cent) below which a care home is taken to lose money."
    )
    medium_from = models.FloatField(default=25, help_text="Lowest score in the medium band.")
    high_from = models.FloatField(default=50, help_text="Lowest score in the high band.")
    critical_from = models.FloatField(default=75, help_text="Lowest score in the critical band.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "risk configuration"
        verbose_name_plural = "risk configuration"

    def __str__(self) -> str:
        return "Risk configuration"


class RiskScore(models.Model):
    """A location's latest score (0 to 100), its band, and how each indicator contributed."""

    location = models.OneToOneField("registry.Location", on_delete=models.CASCADE, related_name="risk")
    score = models.FloatField()
    band = models.CharField(max_length=10, choices=Band.choices)
    computed_at = models.DateTimeField()
    # {indicator key: {"value", "shown", "risk", "weight", "points"}}; "value" is null without data.
    contributions = models.JSONField(default=dict)
    # How much of the total weight the indicators with data carry, in per cent: how much it rests on.
    coverage = models.FloatField(default=100.0)

    class Meta:
        indexes = [models.Index(fields=["band", "score"], name="riskscore_band_score_idx")]

    def __str__(self) -> str:
        return f"{self.score:.1f} ({self.band}) at {self.location_id}"


class RiskBandChange(models.Model):
    """A location's band changed (or was first worked out, when `old_band` is empty)."""

    location = models.ForeignKey("registry.Location", on_delete=models.CASCADE, related_name="risk_bands")
    old_band = models.CharField(max_length=10, choices=Band.choices, blank=True)
    new_band = models.CharField(max_length=10, choices=Band.choices)
    score = models.FloatField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["location", "at"], name="riskband_location_at_idx")]

    def __str__(self) -> str:
        return f"{self.location_id}: {self.old_band or 'none'} to {self.new_band}"
