from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mqis.returns.models import Period, Return, ReturnChange, ReturnTemplate
from mqis.returns.templates import DEFINITION_KEYS, publish_version


@admin.register(ReturnTemplate)
class ReturnTemplateAdmin(admin.ModelAdmin):
    """Editing a template publishes a new version; returns keep the version they were made with."""

    list_display = ("name", "slug", "version", "frequency", "is_current", "created_at")
    list_filter = ("slug", "is_current")
    readonly_fields = ("version", "is_current", "created_at")

    def save_model(self, request: HttpRequest, obj: ReturnTemplate, form: Any, change: bool) -> None:
        definition = {key: getattr(obj, key) for key in DEFINITION_KEYS}
        saved = publish_version(obj.slug, definition)
        obj.pk, obj.version, obj.is_current = saved.pk, saved.version, saved.is_current

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("template_slug", "start", "end", "due_at", "closes_at", "closed_reason")
    list_filter = ("template_slug",)
    fields = ("template_slug", "start", "end", "opens_at", "due_at", "closes_at", "closed_reason")
    readonly_fields = ("template_slug", "start", "end")


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ("location", "period", "template", "channel", "submitted_at", "on_time")
    list_select_related = ("location", "period", "template")
    search_fields = ("location__cqc_location_id", "location__name")
    readonly_fields = [f.name for f in Return._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ReturnChange)
class ReturnChangeAdmin(admin.ModelAdmin):
    list_display = ("return_obj", "changed_at", "changed_by", "channel", "template_version")
    readonly_fields = [f.name for f in ReturnChange._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
