"""Reads of the access log, for the data protection officer's supervision (who viewed whom, when, why)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from polku.access.models import AccessAction, AccessLog, BreakGlassGrant
from polku.access.policy import LOG_READER_ROLES, can_read_access_log

__all__ = ["LOG_READER_ROLES", "access_log_entries", "break_glass_accesses", "can_read_access_log"]


def break_glass_accesses() -> QuerySet[BreakGlassGrant]:
    """Every break-glass grant, newest first, with who and whom (the data protection officer's flagged list)."""
    return BreakGlassGrant.objects.select_related("user", "person").order_by("-granted_at", "-id")


def break_glass_log_rows() -> QuerySet[AccessLog]:
    """The access-log rows of break-glass reads (they outlive the grants and the persons)."""
    return AccessLog.objects.filter(action=AccessAction.BREAK_GLASS).order_by("-at", "-id")


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
