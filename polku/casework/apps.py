from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Counsellors' case work: the statutory client process, due items, worklists and the client record."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "polku.casework"
    verbose_name = "Asiakastyö"
