from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "polku.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Consents are given here; the services below ask through ``access.consents`` whether one is in force. The
        worker sends the notification outbox."""
        from polku.access import consents
        from polku.jobs import schedule
        from polku.portal import tasks
        from polku.portal.selectors import persons_with_consent

        consents.register(persons_with_consent)
        schedule.every_minute("portal-notifications")(tasks.scheduled_check)  # the outbox, when something waits
