from django.contrib import admin

from mqis.reports.models import ReportDelivery, ReportSubscription


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "council", "region", "active", "created_at"]
    list_filter = ["active"]
    raw_id_fields = ["user"]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscription", "week_start", "claimed_at", "sent_at"]
    date_hierarchy = "week_start"
