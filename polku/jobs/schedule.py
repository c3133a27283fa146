"""What the worker starts by itself as the days pass (checked at each heartbeat, so any running ``polku worker`` does it,
and several workers do it once): the worklists' due-items table for the new day, and the background results pages
show (area forecasts, share warnings) for the inputs their readers last asked, computed afresh each day; and every
minute the hooks that packages above the jobs register (:func:`every_minute`: the open tables are built again when
their data has changed), each run once a minute however many workers beat."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.utils import timezone

from polku.casework import due_table, tasks
from polku.core import precomputed

logger = logging.getLogger(__name__)
DAY_SECONDS = 24 * 3600
MINUTE_HOOKS: dict[str, Callable[[], str | None]] = {}


def every_minute(name: str) -> Callable[[Callable[[], str | None]], Callable[[], str | None]]:
    """Register ``hook()`` to run once a minute (from an app's ``ready``, so the worker has it); it returns a line
    for the log when it queued something, else None."""
    def register(hook: Callable[[], str | None]) -> Callable[[], str | None]:
        MINUTE_HOOKS[name] = hook
        return hook
    return register


def run_minute_hooks() -> list[str]:
    """Run each registered hook unless it already ran this minute; a failing hook is logged and the others run."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    queued = []
    for name, hook in list(MINUTE_HOOKS.items()):
        if not cache.add(f"polku:schedule:minute:{name}:{minute}", "done", 120):
            continue
        try:
            line = hook()
        except Exception:  # the next minute tries again
            logger.exception("scheduled hook %s failed", name)
            continue
        if line:
            queued.append(line)
    return queued


def run_due() -> list[str]:
    """Queue what is due now; what was queued (for the log and tests)."""
    today = timezone.localdate()
    queued = []
    if due_table.table_state() is not None and due_table.table_day() != today and tasks.queue_rebuild(today):
        queued.append(f"due-items {today.isoformat()}")
    if cache.add(f"polku:schedule:precomputed:{today.isoformat()}", "done", 2 * DAY_SECONDS):
        queued += [f"precomputed {task_id}" for task_id in precomputed.refresh_recent()]
    return queued + run_minute_hooks()


def tick() -> None:
    """The heartbeat's call: never lets a failure stop the heartbeat."""
    try:
        for line in run_due():
            logger.info("scheduled: %s", line)
    except Exception:  # the next heartbeat tries again
        logger.exception("scheduled jobs could not be queued")
