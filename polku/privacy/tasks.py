"""The retention run as a background job on the task queue (``polku worker``): the page queues it; one run at a time."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import TaskContext, task

from polku.jobs.locks import ScopeBusy, scope_lock
from polku.privacy.models import RetentionRun, RunStatus
from polku.privacy.retention import execute

RETENTION_LOCK = "privacy:retention"


@task(takes_context=True)
def retention_run(context: TaskContext, run_id: int) -> str:
    """Carry out one queued retention run; returns its final status."""
    run = RetentionRun.objects.get(pk=run_id)
    RetentionRun.objects.filter(pk=run.pk).update(task_id=str(context.task_result.id))
    try:
        with scope_lock(RETENTION_LOCK):
            run = execute(run, user=run.requested_by)
    except ScopeBusy as busy:
        RetentionRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, message=str(busy)[:500],
                                                      finished_at=timezone.now())
        return str(RunStatus.FAILED)
    return str(run.status)


def enqueue_retention(run: RetentionRun) -> Any:
    result = retention_run.enqueue(run.pk)
    RetentionRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    return result
