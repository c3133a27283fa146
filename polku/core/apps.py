from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces: domain errors, calendar helpers, log masking, shared commands."""

    name = "polku.core"
    label = "core"

    def ready(self) -> None:
        from polku.core import checks, security  # noqa: F401  (registers the system checks and the sign-in receiver)
