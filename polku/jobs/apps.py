from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "polku.jobs"
    label = "jobs"
    verbose_name = "Taustatyöt"
    default_auto_field = "django.db.models.BigAutoField"
