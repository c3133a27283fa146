from django.apps import AppConfig


class WebConfig(AppConfig):
    """Shared page furniture (base template, 403/404, form flow, charts, menu) and the start, login and access-log
    pages. Imports no domain package: their pages import it (README, "Code layout")."""

    name = "polku.web"
    label = "web"
