from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "mqis.returns"
    verbose_name = "Returns"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from mqis.returns.templates import install_default_templates

        post_migrate.connect(install_default_templates, sender=self)
