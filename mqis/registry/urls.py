from django.urls import path

from mqis.registry import views

urlpatterns = [
    path("admin-tools/import-cqc/", views.import_cqc, name="import_cqc"),
    path("admin-tools/import-cqc/jobs/<uuid:job_uuid>/", views.import_cqc_job, name="import_cqc_job"),
    path(
        "admin-tools/import-cqc/jobs/<uuid:job_uuid>/progress.json",
        views.import_cqc_progress,
        name="import_cqc_progress",
    ),
]
