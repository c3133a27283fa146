from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicStatisticsConfig(AppConfig):
    """Official figures (Statistics Finland's PxWeb tables) that a municipality compares its own indicators with."""

    name = "polku.public_statistics"
    label = "public_statistics"
    verbose_name = _("Julkiset tilastot")
