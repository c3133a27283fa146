from django.apps import AppConfig


class CliConfig(AppConfig):
    """Commands above every package: the demo set-up, person facts for a named user, logged maintenance."""

    name = "polku.cli"
    label = "cli"
