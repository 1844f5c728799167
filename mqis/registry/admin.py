from django.contrib import admin

from mqis.registry.models import Council, CqcImportJob, ImportRun, Location, Provider, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ("name", "gss_code", "region")
    list_filter = ("region",)
    search_fields = ("name", "gss_code")
    list_select_related = ("region",)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "cqc_provider_id", "ownership_type", "brand_name", "is_synthetic")
    list_filter = ("ownership_type", "is_synthetic")
    search_fields = ("name", "cqc_provider_id", "companies_house_number", "brand_name")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "cqc_location_id",
        "provider",
        "council",
        "care_home",
        "beds",
        "rating_overall",
        "dormant",
        "deregistered",
        "is_synthetic",
    )
    list_filter = (
        "care_home",
        "rating_overall",
        "dormant",
        "deregistered",
        "is_synthetic",
        "council__region",
    )
    search_fields = (
        "name",
        "cqc_location_id",
        "postcode",
        "provider__name",
        "local_authority_name",
    )
    list_select_related = ("provider", "council")
    raw_id_fields = ("provider", "council")
    readonly_fields = ("updated_at",)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "file_name",
        "file_kind",
        "user",
        "rows",
        "created",
        "changed",
        "unchanged",
        "gone",
    )
    list_filter = ("file_kind",)
    search_fields = ("file_name",)
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in ImportRun._meta.fields]


@admin.register(CqcImportJob)
class CqcImportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "file_name", "user", "status", "dry_run", "partial", "finished_at")
    list_filter = ("status", "dry_run")
    search_fields = ("file_name",)
    readonly_fields = [f.name for f in CqcImportJob._meta.fields]
