from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mqis.accounts"
    verbose_name = "Accounts and access"
