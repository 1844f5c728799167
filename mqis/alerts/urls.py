from django.urls import path

from mqis.alerts import views

urlpatterns = [
    path("alerts/", views.inbox, name="alert_inbox"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("councils/<str:gss_code>/alerts/", views.council_alerts, name="council_alerts"),
]
