from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "polku.privacy"
    label = "privacy"
    verbose_name = "Tietosuoja"
    default_auto_field = "django.db.models.BigAutoField"
