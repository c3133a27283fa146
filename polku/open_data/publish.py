"""What the API and the pages serve: the newest complete build's stored tables, and their validators.

Nothing is computed here. The worker builds the tables (``polku.open_data.builds``) for each data version; a request
serves the newest complete build (``OpenTableBuild`` done), even while a newer one is being built for changed data
(the page then says when the served tables were updated and that an update is being built). The default answers
(the whole table in each format, and its metadata, in each language) are sent as stored; any other PxWeb query is
cut from the stored cube (decoded once per process and build) and its answer kept in the cache under its ETag.

The ETag of an answer is the hash of the served build (its id, data version and finishing time) and the question, so a client that
sends ``If-None-Match`` gets ``304 Not Modified`` with nothing read but the build, and ``Last-Modified`` is when the
served build was finished. Before the first build is done every answer is ``503`` with ``Retry-After`` and a JSON
error naming the status page.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import override

from polku.jobs.models import JobProgress
from polku.open_data import builds, pxweb
from polku.open_data.builds import CUBE, PENDING, STORED_KINDS, data_version
from polku.open_data.cube import Cube, unpack
from polku.open_data.models import BuildState, OpenTableBuild, OpenTableFile
from polku.open_data.tables import OpenTable

__all__ = ["Answer", "Status", "answer", "cube", "data_version", "etag", "not_modified", "respond", "served_build",
           "status"]

CACHE_SECONDS = 6 * 3600  # keyed by the served build, so this only bounds how long an unused answer lingers
RETRY_AFTER_SECONDS = 60

_CUBES: dict[tuple[str, str], Cube] = {}  # (build identity, table id) → the decoded cube, of the served build only
_CUBES_LOCK = threading.Lock()


def served_build() -> OpenTableBuild | None:
    """The newest complete build (one indexed query)."""
    return OpenTableBuild.objects.filter(state=BuildState.DONE).order_by("-pk").first()


@dataclass(frozen=True)
class Status:
    """What the pages say about the tables: the build served, a newer one being built and its progress, and the
    newest build when it failed."""

    served: OpenTableBuild | None
    pending: OpenTableBuild | None
    progress: JobProgress | None
    failed: OpenTableBuild | None


def status() -> Status:
    served = served_build()
    newer = OpenTableBuild.objects.filter(pk__gt=served.pk) if served is not None else OpenTableBuild.objects.all()
    pending = newer.filter(state__in=PENDING).order_by("-pk").first()
    progress = JobProgress.objects.filter(task_id=pending.progress_key).first() if pending is not None else None
    latest = newer.order_by("-pk").first()
    failed = latest if latest is not None and latest.state == BuildState.FAILED else None
    return Status(served, pending, progress, failed)


def identity(build: OpenTableBuild) -> str:
    """What tells one build from every other: its id, data version and finishing time (an id alone may be given
    again after a rolled-back transaction or a restored database, and must not then serve the old build's cube)."""
    finished = build.finished_at.isoformat() if build.finished_at else ""
    return f"{build.pk}:{build.data_version}:{finished}"


def stored_cube(build: OpenTableBuild, table: OpenTable) -> Cube:
    """The build's cube of ``table``, read from storage and decoded once per process."""
    key = (identity(build), table.id)
    found = _CUBES.get(key)
    if found is not None:
        return found
    content = OpenTableFile.objects.filter(build=build, table_id=table.id, kind=CUBE).values_list(
        "content", flat=True).first()
    if content is None:
        raise LookupError(f"build {build.pk} has no cube of {table.id}")
    decoded = unpack(bytes(content))
    with _CUBES_LOCK:
        for old in [k for k in _CUBES if k[0] != key[0]]:
            del _CUBES[old]
        _CUBES[key] = decoded
    return decoded


def cube(table: OpenTable, build: OpenTableBuild | None = None) -> Cube | None:
    """The served table (None before the first build is done)."""
    build = build or served_build()
    return None if build is None else stored_cube(build, table)


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    etag: str
    last_modified: datetime

    def headers(self) -> dict[str, str]:
        return {"ETag": self.etag, "Last-Modified": http_date(self.last_modified.timestamp()),
                "Cache-Control": "public, max-age=60", "Vary": "Accept-Encoding",
                "Access-Control-Allow-Origin": "*"}


def etag(build: OpenTableBuild, table: OpenTable, lang: str, kind: str, query: Any = None) -> str:
    """The validator of an answer, from the served build and the question alone (nothing is read or computed)."""
    question = json.dumps([table.id, lang, kind, query], sort_keys=True, default=str)
    served = f"{builds.FORMAT_VERSION}:{identity(build)}"
    return '"' + hashlib.sha256(f"{served}:{question}".encode()).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether the client's ``If-None-Match`` names the current ETag (or is ``*``)."""
    tags = {t.strip() for t in (if_none_match or "").split(",") if t.strip()}
    return "*" in tags or tag in tags


def _modified(build: OpenTableBuild) -> datetime:
    assert build.finished_at is not None  # a done build has finished
    return build.finished_at


def answer(build: OpenTableBuild, table: OpenTable, lang: str, fmt: str,
           query: list[dict[str, Any]] | None = None) -> Answer:
    """Data (``fmt`` one of ``pxweb.FORMATS``) or metadata (``fmt`` "metadata") of the build: a default question as
    stored, any other cut from the stored cube (and cached)."""
    tag = etag(build, table, lang, fmt, query)
    if not query and fmt in STORED_KINDS:
        row = OpenTableFile.objects.filter(build=build, table_id=table.id, kind=fmt, lang=lang).values_list(
            "content", "content_type").first()
        if row is not None:
            return Answer(bytes(row[0]), row[1], tag, _modified(build))
    key = f"open_data:answer:{tag}"
    if (found := cache.get(key)) is not None:
        return found
    computed = stored_cube(build, table)
    if fmt == "metadata":
        body = json.dumps(pxweb.metadata(computed, lang), ensure_ascii=False).encode()
        content_type = "application/json; charset=utf-8"
    else:
        body, content_type = pxweb.render(computed, pxweb.select(computed, query), lang, fmt)
    result = Answer(body, content_type, tag, _modified(build))
    cache.set(key, result, CACHE_SECONDS)
    return result


def ensure_queued() -> None:
    """Before the first build: queue one unless one is queued or running (the worker's minute hook would too)."""
    if not OpenTableBuild.objects.filter(state__in=PENDING).exists():
        builds.queue_build()


def not_ready(lang: str | None = None) -> HttpResponse:
    """503 before the first build is done: Retry-After, and a JSON error naming the status page (a build is queued
    if none is)."""
    ensure_queued()
    with override(lang):
        message = _("Avoimen datan taulukoita rakennetaan. Yritä hetken kuluttua uudelleen.")
    response = JsonResponse({"errors": [{"field": "", "code": "not_ready", "message": message}],
                             "status_url": reverse("open_data:status")}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def respond(request: HttpRequest, table: OpenTable, lang: str, fmt: str,
            query: list[dict[str, Any]] | None = None) -> HttpResponse:
    """The served build's answer with its validators, 304 when the client's ETag is current, or 503 before the
    first build."""
    build = served_build()
    if build is None:
        return not_ready(lang)
    tag = etag(build, table, lang, fmt, query)
    if not_modified(request.headers.get("If-None-Match"), tag):
        response = HttpResponse(status=304)
        response["ETag"] = tag
        response["Last-Modified"] = http_date(_modified(build).timestamp())
        return response
    found = answer(build, table, lang, fmt, query)
    response = HttpResponse(found.body, content_type=found.content_type)
    for name, value in found.headers().items():
        response[name] = value
    if fmt == "csv":
        response["Content-Disposition"] = f'inline; filename="{table.id.removesuffix(".px")}.csv"'
    return response
