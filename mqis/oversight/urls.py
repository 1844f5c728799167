from django.urls import path

from mqis.oversight import views

urlpatterns = [
    path("no-access/", views.no_role, name="no_role"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views.region_dashboard, name="region_dashboard"),
    path("councils/<str:gss_code>/", views.council_dashboard, name="council_dashboard"),
    path("locations/<str:cqc_location_id>/", views.location_detail, name="location_detail"),
]
