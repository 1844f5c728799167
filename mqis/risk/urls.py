from django.urls import path

from mqis.risk import views

urlpatterns = [
    path("councils/<str:gss_code>/market/", views.council_market, name="council_market"),
    path("risk/method/", views.method, name="risk_method"),
]
