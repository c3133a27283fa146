from django.apps import AppConfig


class WebConfig(AppConfig):
    """Server-rendered pages: landing, person timeline, login. Presentation only."""

    name = "polku.web"
    label = "web"
