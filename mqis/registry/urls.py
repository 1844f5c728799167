from django.urls import path

from mqis.registry import views

urlpatterns = [
    path("admin-tools/import-cqc/", views.import_cqc, name="import_cqc"),
]
