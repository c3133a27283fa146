"""The portal's work on the worker: sending the notification outbox."""

from __future__ import annotations

from django_tasks import task

from polku.portal import notifications
from polku.portal.models import Notification


@task()
def deliver_notifications() -> int:
    """Send the waiting notifications; how many persons were notified."""
    return notifications.deliver_pending()


def scheduled_check() -> str | None:
    """Once a minute on the worker: queue the sending when something waits."""
    if not Notification.objects.filter(handled_at__isnull=True).exists():
        return None
    deliver_notifications.enqueue()
    return "portal notifications"
