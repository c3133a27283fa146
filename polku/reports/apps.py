from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The monthly report for the council and the employment committee: published, archived, mailed as a link."""

    name = "polku.reports"
    label = "reports"
    verbose_name = _("Kuukausiraportit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from polku.core.signals import facts_changed
        from polku.reports import tasks

        facts_changed.connect(tasks.after_new_facts, dispatch_uid="reports-after-new-facts")
