from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "mqis.oversight"
