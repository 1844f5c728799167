"""Administrators change alert thresholds and webhook receivers here; deliveries are read-only."""

from typing import Any

from django import forms
from django.contrib import admin

from mqis.alerts.models import Alert, AlertEvent, AlertRule, Delivery, DeliveryAttempt, WebhookEndpoint
from mqis.alerts.rules import shipped_thresholds


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ["name", "description", "enabled", "thresholds", "notify_on_clear"]

    def clean_thresholds(self) -> dict[str, Any]:
        value = self.cleaned_data["thresholds"] or {}
        if not isinstance(value, dict):
            raise forms.ValidationError('Thresholds must be an object such as {"days": 3}.')
        known = shipped_thresholds().get(self.instance.key, {})
        for name, number in value.items():
            if name not in known:
                allowed = ", ".join(sorted(known)) or "none"
                raise forms.ValidationError(f"This rule has no threshold called '{name}' (it has: {allowed}).")
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise forms.ValidationError(f"The threshold '{name}' must be a number, 0 or more.")
        return value


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ["name", "key", "enabled", "thresholds", "notify_on_clear"]
    readonly_fields = ["key"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # a rule needs code (mqis/alerts/rules.py); its numbers are data

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "region", "council", "provider", "is_active"]


class EventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "at", "by", "note"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["rule", "location", "message", "opened_at", "cleared_at", "acknowledged_at", "resolved_at"]
    list_filter = ["rule"]
    inlines = [EventInline]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # acknowledge and resolve on the alert's page, where it is audited


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "ok", "status_code", "error"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["uid", "channel", "user", "endpoint", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["channel", "status"]
    inlines = [AttemptInline]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
