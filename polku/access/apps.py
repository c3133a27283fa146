from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Roles scoped to area and team, and the access log (Information Management Act 906/2019 §17)."""

    name = "polku.access"
    label = "access"

    def ready(self) -> None:
        from polku.access import login_guard  # noqa: F401  (connects the lockout log receiver)
