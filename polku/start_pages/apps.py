from django.apps import AppConfig


class StartPagesConfig(AppConfig):
    """The start page ("today") of each role and the public landing page: presentation only, over every package."""

    name = "polku.start_pages"
    label = "start_pages"
