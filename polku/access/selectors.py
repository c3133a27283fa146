"""Reads of the access log, for the data protection officer's supervision (who viewed whom, when, why)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from polku.access.models import AccessLog, Role, StaffProfile

LOG_READER_ROLES = frozenset({Role.DPO, Role.ADMIN})


def can_read_access_log(user: Any) -> bool:
    return StaffProfile.objects.filter(user=user, role__in=LOG_READER_ROLES).exists() if user.is_authenticated else False


def access_log_entries(*, person_id: Any = None, actor: str = "", since: date | None = None,
                       until: date | None = None, action: str = "") -> QuerySet[AccessLog]:
    """Log rows matching the filters, newest first. Dates are whole days in Helsinki time."""
    rows = AccessLog.objects.all()
    if person_id:
        rows = rows.filter(person_id=person_id)
    if actor:
        rows = rows.filter(actor__icontains=actor)
    if action:
        rows = rows.filter(action=action)
    zone = timezone.get_current_timezone()
    if since:
        rows = rows.filter(at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        rows = rows.filter(at__lte=datetime.combine(until, time.max, tzinfo=zone))
    return rows.order_by("-at", "-id")
