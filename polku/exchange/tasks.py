"""The import as a background job on the task queue (the worker ``make demo`` starts, or ``polku worker``).

The page stores the uploaded files and queues :func:`import_run`; the worker holds the import lock (imports run one
at a time), reports progress for the page's bar, and deletes the uploaded files when the run ends, whatever its
outcome. A worker killed mid-import leaves nothing written (the write is one transaction) and its files
in place: the next worker marks the task interrupted and runs it again.
"""

from __future__ import annotations

import shutil
from typing import Any

from django.utils import timezone
from django_tasks import TaskContext, task

from polku.core import queues
from polku.exchange.labels import phase_label
from polku.exchange.models import ExchangeRun, RunStatus
from polku.exchange.services import IMPORT_LOCK, execute_import, log_run, stored_files, upload_dir
from polku.jobs.locks import ScopeBusy, scope_lock
from polku.jobs.progress import ProgressReporter

# Ahead of the refresh jobs an earlier import queued (open data, reports, forecasts): someone is waiting at the import's
# page, and those jobs compute from whatever is in by the time they run. A running job is not interrupted.
IMPORT_PRIORITY = 50


@task(takes_context=True, priority=IMPORT_PRIORITY, queue_name=queues.IMPORTS)  # a worker of its own serves it
def import_run(context: TaskContext, run_id: str) -> str:
    """Carry out one queued import run; returns its final status."""
    run = ExchangeRun.objects.get(pk=run_id)
    task_id = str(context.task_result.id)
    ExchangeRun.objects.filter(pk=run.pk).update(task_id=task_id)
    try:
        with ProgressReporter(task_id, phase=phase_label("read")) as reporter, scope_lock(IMPORT_LOCK):

            def report(phase: str, done: int, total: int) -> None:
                reporter.update(done, total=total, phase=phase_label(phase))

            run = execute_import(run, stored_files(run), on_progress=report)
    except ScopeBusy as busy:
        ExchangeRun.objects.filter(pk=run.pk).update(status=RunStatus.REFUSED, message=str(busy),
                                                     finished_at=timezone.now())
        log_run(run.created_by, run, run.channel, f"tuonti {run.scope_code or 'kaikki'} (hylätty: toinen tuonti käynnissä)")
        return str(RunStatus.REFUSED)
    finally:
        shutil.rmtree(upload_dir(run.id), ignore_errors=True)
    return str(run.status)


def enqueue_import(run: ExchangeRun) -> Any:
    result = import_run.enqueue(str(run.id))
    ExchangeRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.task_id = str(result.id)
    return result
