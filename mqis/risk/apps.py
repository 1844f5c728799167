from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RiskAppConfig(AppConfig):
    name = "mqis.risk"
    verbose_name = "Risk profiles"

    def ready(self) -> None:
        from mqis.risk import config, scoring

        post_migrate.connect(config.install_default_config, sender=self)
        # Receivers run in the order they connect, and apps get ready in INSTALLED_APPS order:
        # mqis.risk comes before mqis.alerts there, so a saved return is scored before the
        # alert rules (which read the score) are evaluated in the same transaction.
        scoring.connect()
