from django.urls import path

from mqis.oversight import views, views_area, views_council, views_location, views_region
from mqis.oversight import views_completeness as completeness_views
from mqis.oversight import views_exports as export_views

urlpatterns = [
    path("no-access/", views.no_role, name="no_role"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views_region.region_dashboard, name="region_dashboard"),
    path("councils/<str:gss_code>/", views_council.council_dashboard, name="council_dashboard"),
    path("councils/<str:gss_code>/completeness/", completeness_views.council_completeness,
         name="council_completeness"),
    path("councils/<str:gss_code>/chase/", completeness_views.chase, name="chase_list"),
    path("regions/<str:code>/completeness/", completeness_views.region_completeness,
         name="region_completeness"),
    path(
        "locations/<str:cqc_location_id>/",
        views_location.location_detail,
        name="location_detail",
    ),
    path("area/", views_area.provider_area, name="provider_area"),
    path("councils/<str:gss_code>/returns.csv", export_views.council_returns, name="council_returns_csv"),
    path("councils/<str:gss_code>/returns.xlsx", export_views.council_returns, name="council_returns_xlsx"),
    path("regions/<str:code>/returns.csv", export_views.region_returns, name="region_returns_csv"),
    path("regions/<str:code>/returns.xlsx", export_views.region_returns, name="region_returns_xlsx"),
    path("regions/<str:code>/scorecard/", export_views.region_scorecard, name="region_scorecard"),
]
