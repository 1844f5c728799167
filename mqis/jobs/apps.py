from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "mqis.jobs"
    verbose_name = "Background work"
