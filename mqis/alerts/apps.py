from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlertsConfig(AppConfig):
    name = "mqis.alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from mqis.alerts import engine, rules
        from mqis.alerts.models import AlertEvent
        from mqis.oversight.cache import register_version_source

        post_migrate.connect(rules.install_default_rules, sender=self)
        engine.connect()
        # Dashboards that show alerts are rebuilt when one opens, changes or closes.
        register_version_source(AlertEvent)
