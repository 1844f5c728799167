from django.urls import path, re_path

from mqis.returns import views_bulk

urlpatterns = [
    path("returns/upload/", views_bulk.bulk_upload, name="bulk_upload"),
    re_path(r"^returns/upload/template\.(?P<fmt>csv|xlsx)$", views_bulk.bulk_template,
            name="bulk_template"),
]
