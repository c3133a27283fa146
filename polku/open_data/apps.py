from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    """Aggregate statistics for anyone, without login: JSON-stat 2.0, CSV and a PxWeb-compatible API."""

    name = "polku.open_data"
    label = "open_data"
    verbose_name = _("Avoin data")
