from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlertsConfig(AppConfig):
    name = "mqis.alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from mqis.alerts import engine, rules

        post_migrate.connect(rules.install_default_rules, sender=self)
        engine.connect()
