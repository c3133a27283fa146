"""What the API and the pages share: the cached cubes, the cached answers and their validators.

A cube is cached under the *data version*, a fingerprint of the facts and reference data it is computed from (the
newest version and the newest supersession of every fact table, the number of persons, the area memberships and
labour-force figures, the last whole month). Any change of data changes the version, so a stale cube is never served
after the fingerprint is next read (at most ``VERSION_SECONDS`` later; an import clears the cache at once). The
ETag of an answer is the hash of the version and the question, so a client that sends ``If-None-Match`` gets
``304 Not Modified`` without anything being computed, and ``Last-Modified`` is when the cube was computed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from polku.open_data import pxweb
from polku.open_data.cube import Cube, build, published_months
from polku.open_data.tables import OpenTable

CACHE_SECONDS = 6 * 3600  # keyed by the data version, so this only bounds how long an unused entry lingers
VERSION_SECONDS = 60
BUILD_WAIT_SECONDS = 120
FORMAT_VERSION = "1"  # bump when a rendering changes, so cached answers and ETags change with it


def data_version() -> str:
    """A fingerprint of everything the open tables are computed from (cached for ``VERSION_SECONDS``)."""
    key = "open_data:version"
    if (version := cache.get(key)) is not None:
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


def cube(table: OpenTable) -> Cube:
    """The table for the current data, computed by one request at a time: the others wait for it (up to
    ``BUILD_WAIT_SECONDS``) instead of computing the same table side by side."""
    version = data_version()
    key = f"open_data:cube:{table.id}:{version}"
    if (found := cache.get(key)) is not None:
        return found
    lock = f"{key}:computing"
    if not cache.add(lock, 1, BUILD_WAIT_SECONDS):
        deadline = time.monotonic() + BUILD_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if (found := cache.get(key)) is not None:
                return found
    try:
        computed = build(table)
        cache.set(key, computed, CACHE_SECONDS)
    finally:
        cache.delete(lock)
    return computed


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


def etag(table: OpenTable, lang: str, kind: str, query: Any = None) -> str:
    """The validator of an answer, from the data version and the question alone (nothing is computed)."""
    question = json.dumps([table.id, lang, kind, query], sort_keys=True, default=str)
    return '"' + hashlib.sha256(f"{data_version()}:{question}".encode()).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether the client's ``If-None-Match`` names the current ETag (or is ``*``)."""
    tags = {t.strip() for t in (if_none_match or "").split(",") if t.strip()}
    return "*" in tags or tag in tags


def answer(table: OpenTable, lang: str, fmt: str, query: list[dict[str, Any]] | None = None) -> Answer:
    """Data (``fmt`` one of ``pxweb.FORMATS``) or metadata (``fmt`` "metadata") as served, from the cache."""
    tag = etag(table, lang, fmt, query)
    key = f"open_data:answer:{tag}"
    if (found := cache.get(key)) is not None:
        return found
    computed = cube(table)
    if fmt == "metadata":
        body = json.dumps(pxweb.metadata(computed, lang), ensure_ascii=False).encode()
        content_type = "application/json; charset=utf-8"
    else:
        body, content_type = pxweb.render(computed, pxweb.select(computed, query), lang, fmt)
    result = Answer(body, content_type, tag, computed.computed_at)
    cache.set(key, result, CACHE_SECONDS)
    return result



def respond(request: HttpRequest, table: OpenTable, lang: str, fmt: str,
            query: list[dict[str, Any]] | None = None) -> HttpResponse:
    """The answer with its validators, or 304 when the client's ETag is current (nothing computed then)."""
    tag = etag(table, lang, fmt, query)
    if not_modified(request.headers.get("If-None-Match"), tag):
        response = HttpResponse(status=304)
        response["ETag"] = tag
        return response
    found = answer(table, lang, fmt, query)
    response = HttpResponse(found.body, content_type=found.content_type)
    for name, value in found.headers().items():
        response[name] = value
    if fmt == "csv":
        response["Content-Disposition"] = f'inline; filename="{table.id.removesuffix(".px")}.csv"'
    return response
