"""The due-items table's rebuild as a background job (``polku worker``): daily for the new day, and when a worklist
finds the table for an earlier day (see ``due_table``)."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from polku.casework import due_table

QUEUED_SECONDS = 30 * 60  # a rebuild queued but not done by then (no worker, or it failed) may be queued again


def _marker(day: date) -> str:
    return f"polku:due-items:rebuild:{day.isoformat()}"


@task()
def rebuild_due_items(day: str) -> int:
    """The job: rebuild the table for ``day`` unless it is already for that day; the number of clients."""
    wanted = date.fromisoformat(day)
    try:
        if due_table.table_day() == wanted:
            return 0
        return due_table.rebuild(wanted)
    finally:
        cache.delete(_marker(wanted))


def queue_rebuild(day: date | None = None) -> bool:
    """Queue the rebuild for ``day`` (today) once, however many readers ask; True if this call queued it."""
    day = day or timezone.localdate()
    if not cache.add(_marker(day), "queued", QUEUED_SECONDS):
        return False
    rebuild_due_items.enqueue(day.isoformat())
    return True
