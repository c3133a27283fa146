"""``polku worker``: django-tasks-db's database worker with Polku's defaults, a heartbeat and recovery at start.

Defaults: every queue (``--queue-name '*'``), a one-second poll, no autoreload. A worker of the imports' queue only
(``--queue-name imports``) leaves the schedule to the general one. On start it marks the tasks that a
killed worker left RUNNING as interrupted (FAILED, ``polku.jobs.worker.WorkerInterrupted``) and, with
``--retry-interrupted``, enqueues them again. See ``polku/jobs/worker.py`` for how a dead worker is recognised.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from polku.jobs.models import JobWorker
from polku.jobs.worker import (
    DEFAULT_STALE_AFTER,
    Heartbeat,
    new_worker_id,
    recover_interrupted,
    retry,
    serves_scheduled_work,
    wait_for_sqlite_writers,
)


class Command(DbWorkerCommand):
    help = "Run the background worker (django-tasks database backend): recovers interrupted tasks, then runs the queue"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False, worker_id=new_worker_id())
        parser.add_argument("--retry-interrupted", action="store_true",
                            help="enqueue again the tasks found interrupted at start")
        parser.add_argument("--stale-after", type=float, default=DEFAULT_STALE_AFTER.total_seconds(),
                            help="seconds without a heartbeat after which a worker on another host counts as dead")

    def handle(self, *args: Any, **options: Any) -> None:
        stale_after = timedelta(seconds=options.pop("stale_after"))
        retry_interrupted = options.pop("retry_interrupted")
        worker_id = options["worker_id"]
        wait_for_sqlite_writers()
        for task_id in recover_interrupted(backend_name=options["backend_name"], stale_after=stale_after):
            line = f"interrupted: {task_id}"
            if retry_interrupted:
                line += f" → enqueued again as {retry(task_id)}"
            self.stdout.write(line)
        heartbeat = Heartbeat(worker_id, schedules=serves_scheduled_work(options["queue_name"]))
        heartbeat.beat()
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stopping.set()
            heartbeat.join(timeout=5)
            JobWorker.objects.filter(worker_id=worker_id).delete()
