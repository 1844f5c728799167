from django.urls import include, path

from mqis.returns import views, views_bulk

urlpatterns = [
    path("provider/", views.provider_home, name="provider_home"),
    path(
        "locations/<str:cqc_location_id>/returns/<slug:template_slug>/",
        views.submit,
        name="submit_return",
    ),
    path(
        "locations/<str:cqc_location_id>/returns/<slug:template_slug>/saved/",
        views.submitted,
        name="submit_return_done",
    ),
    path("", include("mqis.returns.urls_bulk")),
    path("returns/upload/errors/<str:token>/", views_bulk.bulk_upload_errors, name="bulk_upload_errors"),
]
