from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "mqis.registry"
    verbose_name = "Registry of the market"
