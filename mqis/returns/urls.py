from django.urls import include, path

from mqis.returns import views

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
]
