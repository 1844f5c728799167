"""The latest forecast of each council's measures, with how accurate the method has been."""

from django.db import models


class Forecast(models.Model):
    """One council's forecast of one measure, replaced each time forecasts are refreshed."""

    class Status(models.TextChoices):
        OK = "ok", "Forecast made"
        TOO_SHORT = "too_short", "Too little history"

    class Measure(models.TextChoices):
        OCCUPIED = "occupied", "Occupied beds"
        VACANT = "vacant", "Vacant beds"
        UNMET = "unmet", "Unmet home care hours"

    council = models.ForeignKey("registry.Council", on_delete=models.CASCADE, related_name="forecasts")
    measure = models.CharField(max_length=20, choices=Measure.choices)
    made_at = models.DateTimeField()
    horizon = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=200, blank=True)
    # [[week start ISO date, value, estimated], ...], oldest first.
    history = models.JSONField(default=list)
    # [[week start ISO date, mean, lo80, hi80, lo95, hi95], ...] for the weeks ahead.
    points = models.JSONField(default=list)
    # mqis.forecasts.backtest.Backtest.as_data(): horizon, season, origins, MAE and MASE.
    backtest = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["council__name", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["council", "measure"], name="forecast_council_measure"),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} in council {self.council_id}, made {self.made_at:%d %B %Y %H:%M}"
