from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "mqis.opendata"
    verbose_name = "Open data"
