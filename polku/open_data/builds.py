"""The open tables are built by the worker, never in a request: the data version, queueing a build, and the build.

- :func:`data_version` is a fingerprint of everything the tables are computed from (the newest version and the newest
  supersession of every fact table, the number of persons, the area memberships and labour-force figures, the last
  whole month). A build records the version it was computed from.
- :func:`queue_build` queues a build when the newest build is not for the current version (nor already queued or
  running for it). ``polku worker`` calls it every minute (:func:`scheduled_check`, a hook of ``polku.jobs.schedule``),
  and an import calls it when it has committed (``facts_changed``).
- :func:`run_build` (the job ``tasks.build_open_tables``; :func:`build_now` runs one in this process) computes and
  suppresses every table once (``polku.open_data.cube``) and stores, per table, the cube and the answers to the
  default questions in every language (``OpenTableFile``); the build is served only once all of it is stored
  (state ``done``). Progress goes to the jobs' progress record, one step per table and language.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from polku.jobs.models import JobProgress
from polku.jobs.progress import ProgressReporter
from polku.open_data import pxweb
from polku.open_data.cube import LANGUAGES, Cube, build, pack, published_months
from polku.open_data.models import BuildState, OpenTableBuild, OpenTableFile
from polku.open_data.tables import TABLES

logger = logging.getLogger(__name__)

VERSION_SECONDS = 60
FORMAT_VERSION = "2"  # bump when a rendering changes, so stored answers and ETags change with it
STORED_KINDS = ("metadata", *pxweb.FORMATS)  # the default answers stored per table and language
CUBE = "cube"
RETRY_FAILED_AFTER = timedelta(minutes=15)  # a build that failed for the current data is queued again after this
KEEP_DONE = 2  # complete builds kept (the served one and the one before it); older builds are deleted
PENDING = (BuildState.QUEUED, BuildState.RUNNING)


def data_version(*, fresh: bool = False) -> str:
    """A fingerprint of everything the open tables are computed from (cached for ``VERSION_SECONDS`` unless
    ``fresh``)."""
    key = "open_data:version"
    if not fresh and (version := cache.get(key)) is not None:
        return str(version)
    from polku.people.models import Person
    from polku.reference.models import EmploymentAreaMembership, LabourForce
    from polku.timeline.models import (
        BenefitMonth,
        EmploymentConditionMet,
        HomeMunicipalitySpell,
        JobSearchPeriod,
        StatusSpell,
    )

    parts: list[Any] = [FORMAT_VERSION, [str(m) for m in published_months()[-1:]]]
    for model in (StatusSpell, HomeMunicipalitySpell, JobSearchPeriod, BenefitMonth, EmploymentConditionMet):
        parts.append(model.objects.aggregate(n=Max("pk"), s=Max("superseded_at")))
    parts.append(Person.objects.aggregate(n=Count("pk")))  # a person's key is a UUID: no maximum on PostgreSQL
    for other in (EmploymentAreaMembership, LabourForce):
        parts.append(other.objects.aggregate(n=Count("pk"), m=Max("pk")))
    version = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:24]
    cache.set(key, version, VERSION_SECONDS)
    return version


# --- queueing -------------------------------------------------------------------------------------------------


def _job_gone(build: OpenTableBuild) -> bool:
    """A queued or running build whose job has ended without finishing it (a worker killed mid-build)."""
    if not build.task_id:
        return False
    from django_tasks_db.models import DBTaskResult

    status = DBTaskResult.objects.filter(pk=build.task_id).values_list("status", flat=True).first()
    return status is None or str(status) in {"SUCCESSFUL", "FAILED"}


def queue_build(*, version: str | None = None) -> OpenTableBuild | None:
    """Queue a build unless the newest one is for ``version`` (the current data) and queued, running or done, or
    failed less than ``RETRY_FAILED_AFTER`` ago; the build queued, or None."""
    version = version or data_version(fresh=True)
    now = timezone.now()
    latest = OpenTableBuild.objects.order_by("-pk").first()
    if latest is not None and latest.state in PENDING and _job_gone(latest):
        # Its worker stopped before the build finished: recorded as failed, and queued again at once.
        OpenTableBuild.objects.filter(pk=latest.pk, state=latest.state).update(
            state=BuildState.FAILED, finished_at=now, error="WorkerInterrupted")
        latest = None
    if latest is not None and latest.data_version == version and (
            latest.state in (*PENDING, BuildState.DONE)
            or (latest.state == BuildState.FAILED and latest.finished_at and latest.finished_at > now - RETRY_FAILED_AFTER)):
        return None
    from polku.open_data.tasks import build_open_tables

    new = OpenTableBuild.objects.create(data_version=version, state=BuildState.QUEUED, queued_at=now)
    result = build_open_tables.enqueue(new.pk)
    OpenTableBuild.objects.filter(pk=new.pk).update(task_id=str(result.id))
    new.refresh_from_db()
    return new


def scheduled_check() -> str | None:
    """The worker's every-minute hook: queue a build when the data version has changed since the newest build."""
    queued = queue_build()
    return f"open-data build {queued.pk} for {queued.data_version}" if queued is not None else None


def after_new_facts(sender: Any = None, **kwargs: Any) -> None:
    """``facts_changed``: an import has committed new facts, so the tables are built again at once."""
    queue_build()


# --- building -------------------------------------------------------------------------------------------------


def answers(cube: Cube, lang: str) -> list[tuple[str, bytes, str]]:
    """(kind, body, content type) of the default answers of a table in one language: its metadata and the whole
    table in every format (the same bytes a request computing them would send)."""
    found = [("metadata", json.dumps(pxweb.metadata(cube, lang), ensure_ascii=False).encode(),
              "application/json; charset=utf-8")]
    selection = pxweb.select(cube, None)
    for fmt in pxweb.FORMATS:
        body, content_type = pxweb.render(cube, selection, lang, fmt)
        found.append((fmt, body, content_type))
    return found


def run_build(build_row: OpenTableBuild) -> OpenTableBuild:
    """Build every table for the current data into ``build_row`` (the job's work): skipped as superseded when a
    newer build has been queued meanwhile; on failure the build is marked failed (with the exception's class name)
    and the exception raised."""
    if OpenTableBuild.objects.filter(pk__gt=build_row.pk).exclude(state=BuildState.FAILED).exists():
        OpenTableBuild.objects.filter(pk=build_row.pk).update(state=BuildState.SUPERSEDED, finished_at=timezone.now())
        build_row.refresh_from_db()
        return build_row
    version = data_version(fresh=True)  # what is actually built (the data may have changed since it was queued)
    OpenTableBuild.objects.filter(pk=build_row.pk).update(state=BuildState.RUNNING, started_at=timezone.now(),
                                                         data_version=version)
    build_row.refresh_from_db()
    steps_per_table = 1 + len(LANGUAGES)
    try:
        with ProgressReporter(build_row.progress_key, total=len(TABLES) * steps_per_table,
                              phase=TABLES[0].id) as progress:
            for n, table in enumerate(TABLES):
                done = n * steps_per_table
                progress.update(done, phase=table.id)
                computed = build(table)
                built_at = timezone.now()
                files = [OpenTableFile(build=build_row, table_id=table.id, kind=CUBE, lang="",
                                       content_type="application/zlib", content=pack(computed),
                                       data_version=version, built_at=built_at)]
                progress.update(done + 1)
                for k, lang in enumerate(LANGUAGES, 2):
                    files += [OpenTableFile(build=build_row, table_id=table.id, kind=kind, lang=lang,
                                            content_type=content_type, content=body, data_version=version,
                                            built_at=built_at)
                              for kind, body, content_type in answers(computed, lang)]
                    progress.update(done + k)
                with transaction.atomic():
                    OpenTableFile.objects.bulk_create(files)
                del files, computed
            with transaction.atomic():
                OpenTableBuild.objects.filter(pk=build_row.pk).update(state=BuildState.DONE,
                                                                     finished_at=timezone.now())
    except Exception as error:
        OpenTableBuild.objects.filter(pk=build_row.pk).update(state=BuildState.FAILED, finished_at=timezone.now(),
                                                             error=type(error).__name__[:200])
        logger.exception("open-data build %s failed", build_row.pk)
        raise
    prune()
    build_row.refresh_from_db()
    return build_row


def build_now() -> OpenTableBuild:
    """Queue nothing: build the tables for the current data in this process (tests, benchmarks, the demo set-up)."""
    row = OpenTableBuild.objects.create(data_version=data_version(fresh=True), state=BuildState.QUEUED,
                                        queued_at=timezone.now())
    return run_build(row)


def prune() -> int:
    """Delete the builds older than the last ``KEEP_DONE`` complete ones (their files with them); how many."""
    kept = list(OpenTableBuild.objects.filter(state=BuildState.DONE).order_by("-pk").values_list("pk", flat=True)
                [:KEEP_DONE])
    if len(kept) < KEEP_DONE:
        return 0
    old = OpenTableBuild.objects.filter(pk__lt=kept[-1]).exclude(state__in=PENDING)
    keys = [f"open-data-build-{pk}" for pk in old.values_list("pk", flat=True)]
    JobProgress.objects.filter(task_id__in=keys).delete()
    old.delete()
    return len(keys)
