"""What the worker starts by itself as the days pass (checked at each heartbeat, so any running ``polku worker`` does it,
and several workers do it once): the worklists' due-items table for the new day, and the background results pages
show (area forecasts, share warnings) for the inputs their readers last asked, computed afresh each day."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.utils import timezone

from polku.casework import due_table, tasks
from polku.core import precomputed

logger = logging.getLogger(__name__)
DAY_SECONDS = 24 * 3600


def run_due() -> list[str]:
    """Queue what is due now; what was queued (for the log and tests)."""
    today = timezone.localdate()
    queued = []
    if due_table.table_state() is not None and due_table.table_day() != today and tasks.queue_rebuild(today):
        queued.append(f"due-items {today.isoformat()}")
    if cache.add(f"polku:schedule:precomputed:{today.isoformat()}", "done", 2 * DAY_SECONDS):
        queued += [f"precomputed {task_id}" for task_id in precomputed.refresh_recent()]
    return queued


def tick() -> None:
    """The heartbeat's call: never lets a failure stop the heartbeat."""
    try:
        for line in run_due():
            logger.info("scheduled: %s", line)
    except Exception:  # the next heartbeat tries again
        logger.exception("scheduled jobs could not be queued")
