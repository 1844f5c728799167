"""Administrators change the risk weights, break-even occupancy and band cut-offs here."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction

from mqis.risk.config import cutoff_problems, weight_problems
from mqis.risk.models import RiskBandChange, RiskConfig, RiskScore


class RiskConfigForm(forms.ModelForm):
    class Meta:
        model = RiskConfig
        fields = ["weights", "break_even_occupancy", "medium_from", "high_from", "critical_from"]

    def clean_weights(self) -> dict[str, Any]:
        value = self.cleaned_data["weights"] or {}
        problems = weight_problems(value)
        if problems:
            raise forms.ValidationError(problems)
        return dict(value)

    def clean_break_even_occupancy(self) -> float:
        value = float(self.cleaned_data["break_even_occupancy"])
        if not 0 < value <= 100:
            raise forms.ValidationError("Break-even occupancy must be a percentage above 0 and at most 100.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cutoffs = [cleaned.get(name) for name in ("medium_from", "high_from", "critical_from")]
        if all(value is not None for value in cutoffs):
            for problem in cutoff_problems(*[float(v) for v in cutoffs if v is not None]):
                self.add_error(None, problem)
        return cleaned


@admin.register(RiskConfig)
class RiskConfigAdmin(admin.ModelAdmin):
    form = RiskConfigForm
    list_display = ["__str__", "break_even_occupancy", "medium_from", "high_from", "critical_from", "updated_at"]

    def has_add_permission(self, request: Any) -> bool:
        return not RiskConfig.objects.exists()  # one row: the configuration

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: RiskConfig, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        from mqis.risk.tasks import score_all

        # Every score is worked out again with the new numbers by the worker, straight away.
        transaction.on_commit(lambda: score_all.enqueue())


@admin.register(RiskScore)
class RiskScoreAdmin(admin.ModelAdmin):
    list_display = ["location", "score", "band", "computed_at"]
    list_filter = ["band"]
    search_fields = ["location__name", "location__cqc_location_id"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # worked out from the data; change the configuration instead

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(RiskBandChange)
class RiskBandChangeAdmin(admin.ModelAdmin):
    list_display = ["location", "old_band", "new_band", "score", "at"]
    list_filter = ["new_band"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False
