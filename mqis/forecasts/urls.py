from django.urls import path

from mqis.forecasts import views

urlpatterns = [
    path("councils/<str:gss_code>/forecast/", views.council_forecast, name="council_forecast"),
]
