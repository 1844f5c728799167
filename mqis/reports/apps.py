from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "mqis.reports"
    verbose_name = "Reports"
