from django.urls import path

from mqis.reports import views

urlpatterns = [
    path("councils/<str:gss_code>/report/", views.council_report, name="council_report"),
    path("councils/<str:gss_code>/report.pdf", views.council_report_pdf, name="council_report_pdf"),
    path("councils/<str:gss_code>/report/subscription/", views.council_report_subscription,
         name="council_report_subscription"),
    path("regions/<str:code>/report/", views.region_report, name="region_report"),
    path("regions/<str:code>/report.pdf", views.region_report_pdf, name="region_report_pdf"),
    path("regions/<str:code>/report/subscription/", views.region_report_subscription,
         name="region_report_subscription"),
]
