from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "polku.exchange"
    label = "exchange"
    verbose_name = "Tiedonsiirto"
    default_auto_field = "django.db.models.BigAutoField"
