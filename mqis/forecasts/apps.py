from django.apps import AppConfig


class ForecastsConfig(AppConfig):
    name = "mqis.forecasts"
    verbose_name = "Forecasts"
