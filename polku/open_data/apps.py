from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    """Aggregate statistics for anyone, without login: JSON-stat 2.0, CSV and a PxWeb-compatible API."""

    name = "polku.open_data"
    label = "open_data"
    verbose_name = _("Avoin data")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from polku.core.signals import facts_changed
        from polku.jobs import schedule
        from polku.open_data import builds

        schedule.every_minute("open-data-build")(builds.scheduled_check)  # a build when the data has changed
        facts_changed.connect(builds.after_new_facts, dispatch_uid="open-data-after-new-facts")
