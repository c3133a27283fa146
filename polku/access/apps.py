from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Roles scoped to area and team, and the access log (Information Management Act 906/2019 §17)."""

    name = "polku.access"
    label = "access"
