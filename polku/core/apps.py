from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces: domain errors, calendar helpers, log masking, shared commands."""

    name = "polku.core"
    label = "core"
