from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("mqis.api.urls")),
    path("", include("mqis.accounts.urls")),
    path("", include("mqis.registry.urls")),
    path("", include("mqis.returns.urls")),
    path("", include("mqis.alerts.urls")),
    path("", include("mqis.risk.urls")),
    path("", include("mqis.forecasts.urls")),
    path("", include("mqis.oversight.urls")),
    path("", include("mqis.reports.urls")),
    path("", include("mqis.opendata.urls")),
]
