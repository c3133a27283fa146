"""Results a page shows but never waits for: computed by a background job (``polku worker``), kept in the cache
with the time they were computed.

A page asks :func:`fetch` for a named computation with the key of its inputs (the reader's scope, the day, the
fingerprints of the rules and facts it reads). A result for exactly those inputs is shown at once. Otherwise the
job is queued — once, however many readers ask — and the page shows the latest result computed for the reader's
scope (older inputs; the page says when it was computed and that it is being updated), or, the first time, a
progress bar until the job is done.

Computations are registered by the app that owns them (:func:`computation`, from its ``AppConfig.ready`` so that the
worker knows them too); their arguments are JSON (the task queue keeps them), their result anything the cache can
keep.

A failed job is not queued again by the next reader: its failure is kept (when, what kind of error, how many times in
a row) and the page shows it; it is queued again when a reader asks for it (:func:`fetch` with ``retry``) or after a
back-off that doubles with each failure in a row (``FIRST_BACKOFF_SECONDS`` up to ``MAX_BACKOFF_SECONDS``).

Each computation remembers the arguments its readers last asked with, per scope; after the facts change (an import
has committed) :func:`refresh_recent` queues them again for the new facts, and the pages meanwhile show the previous
result with its time (:func:`latest_results` / :func:`restore_latest` keep them over a cache clear).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from polku.core.signals import person_facts_written

RESULT_SECONDS = 24 * 3600  # a result for the same inputs
LATEST_SECONDS = 14 * 24 * 3600  # the latest result of a scope, shown while a newer one is computed
QUEUED_SECONDS = 30 * 60  # a queued job not done by then (no worker, or it died) is queued again
FIRST_BACKOFF_SECONDS = 5 * 60  # a failed job waits this long before a reader queues it again …
MAX_BACKOFF_SECONDS = 6 * 3600  # … doubling with each failure in a row, up to this
RECENT_SCOPES = 50  # arguments remembered per computation for the refresh after a data change

Request = dict[str, Any]  # {"inputs": …, "scope": …, "arguments": …}, as :func:`fetch` takes them


@dataclass(frozen=True)
class Registered:
    function: Callable[..., Any]
    seconds: int
    request: Callable[[dict[str, Any]], Request | None] | None  # arguments → the request for them now


_COMPUTATIONS: dict[str, Registered] = {}


def computation(name: str, *, seconds: int = RESULT_SECONDS,
                request: Callable[[dict[str, Any]], Request | None] | None = None,
                ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``function(**arguments)`` as the computation ``name``, its result kept ``seconds`` (no longer than
    whatever it leaves in the cache for the page to read). ``request(arguments)`` gives the inputs key, scope and
    arguments to ask with now for the same arguments (the facts changed: a new inputs key), or None when they no
    longer apply; without it the computation is not refreshed after a data change."""
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _COMPUTATIONS[name] = Registered(function, seconds, request)
        return function
    return register


@dataclass(frozen=True)
class Failure:
    """The last failure of a computation for some inputs: shown on the page instead of queueing it again."""

    failed_at: datetime
    error: str  # the exception's class name (never its message: it may hold data)
    attempts: int  # failures in a row
    retry_at: datetime  # a reader queues it again from then on


@dataclass(frozen=True)
class Precomputed:
    """What a page can show now: the value (``None`` until a first result exists), when it was computed, whether it
    is for the inputs asked, and the job computing a newer one (its id for the progress bar)."""

    value: Any
    computed_at: datetime | None
    current: bool
    task_id: str | None
    failure: Failure | None = None

    @property
    def ready(self) -> bool:
        return self.computed_at is not None


def _key(name: str, kind: str, inputs: str) -> str:
    return f"polku:precomputed:{name}:{kind}:" + hashlib.sha256(inputs.encode()).hexdigest()


def fetch(name: str, *, inputs: str, scope: str, arguments: dict[str, Any], retry: bool = False,
          priority: int | None = None) -> Precomputed:
    """The result of ``name`` for ``inputs`` if computed; else the scope's latest and the job queued for ``inputs`` —
    unless the job failed and its back-off has not passed (``retry``: the reader asks to try again now). The job
    goes before the queue's bulk work (:data:`PRIORITY`: a reader waits) unless ``priority`` says otherwise."""
    found = cache.get(_key(name, "result", inputs))
    if found is not None:
        return Precomputed(found[0], found[1], True, None)
    _remember(name, scope, arguments)
    failure = failure_of(name, inputs)
    task_id = None
    if failure is None or retry or timezone.now() >= failure.retry_at:
        if failure is not None:
            cache.delete(_key(name, "failed", inputs))
            failure = None
        task_id = _queue(name, inputs, scope, arguments, priority=priority)
        found = cache.get(_key(name, "result", inputs))  # a backend that runs jobs at once (ImmediateBackend) is done
        if found is not None:
            return Precomputed(found[0], found[1], True, None)
        failure = failure_of(name, inputs)  # ... or has failed
        if failure is not None:
            task_id = None
    latest = cache.get(_key(name, "latest", scope))
    if latest is not None:
        return Precomputed(latest[0], latest[1], False, task_id, failure)
    return Precomputed(None, None, False, task_id, failure)


def peek(name: str, *, inputs: str, scope: str) -> tuple[Any, datetime] | None:
    """The result for ``inputs``, else the scope's latest, with when it was computed; else None. Nothing is queued
    (a start page's glance)."""
    found = cache.get(_key(name, "result", inputs)) or cache.get(_key(name, "latest", scope))
    return None if found is None else (found[0], found[1])


def failure_of(name: str, inputs: str) -> Failure | None:
    found = cache.get(_key(name, "failed", inputs))
    return found if isinstance(found, Failure) else None


def _remember(name: str, scope: str, arguments: dict[str, Any]) -> None:
    """Keep the scope's latest arguments (for :func:`refresh_recent`); the oldest scopes drop out."""
    key = f"polku:precomputed:{name}:recent"
    recent: dict[str, dict[str, Any]] = cache.get(key) or {}
    if recent.get(scope) == arguments:
        return
    recent.pop(scope, None)
    recent[scope] = arguments
    cache.set(key, dict(list(recent.items())[-RECENT_SCOPES:]), LATEST_SECONDS)


def _queue(name: str, inputs: str, scope: str, arguments: dict[str, Any], *, priority: int | None = None) -> str | None:
    marker = _key(name, "queued", inputs)
    if cache.add(marker, "", QUEUED_SECONDS):  # the first reader queues it
        job = compute if priority is None else compute.using(priority=priority)
        result = job.enqueue(name, inputs, scope, arguments)
        if cache.get(marker) is not None:  # not already done (and its marker cleared) by a quick worker
            cache.set(marker, str(result.id), QUEUED_SECONDS)
        return str(result.id)
    return cache.get(marker) or None


# --- the facts' generation ---------------------------------------------------------------------------------------

GENERATION_KEY = "polku:precomputed:facts-generation"
# The named generation of facts recorded outside the timeline that indicators count: the employer services' offers
# and outcomes, employer contacts and competence profiles, and the clients' feedback answers.
RECORDED_FACTS = "recorded-facts"


def facts_generation() -> str:
    """A token that changes whenever facts are written: by a service (``person_facts_written``, on commit) or by an
    import (:func:`new_facts_generation` after its commit, and a cleared cache starts a new one). Results keyed by it
    are never shown as current for older facts, at the cost of one cache read (no count over the fact tables)."""
    return _token(GENERATION_KEY)


def _token(key: str) -> str:
    """The generation kept under ``key``; the first reader after a cleared cache starts one (one wins a race)."""
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, None)
        token = cache.get(key)
    return str(token)


def new_facts_generation(**_: Any) -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def named_generation(name: str) -> str:
    """Like :func:`facts_generation`, for one family of facts written outside the timeline (:data:`RECORDED_FACTS`):
    cached figures of that family only are keyed by it."""
    return _token(f"{GENERATION_KEY}:{name}")


def new_named_generation(name: str) -> None:
    """After the write commits: figures of that family cached before it are no longer found."""
    transaction.on_commit(lambda: cache.set(f"{GENERATION_KEY}:{name}", uuid.uuid4().hex, None))


def _facts_written(**_: Any) -> None:
    transaction.on_commit(new_facts_generation)


person_facts_written.connect(_facts_written, dispatch_uid="precomputed-facts-generation")


def current_or_compute(name: str, *, inputs: str, scope: str, arguments: dict[str, Any]) -> Any:
    """The result for ``inputs``, computed here and now if there is none yet (for callers that may wait: the API)."""
    found = cache.get(_key(name, "result", inputs))
    if found is not None:
        return found[0]
    return compute_now(name, inputs=inputs, scope=scope, arguments=arguments)


def compute_now(name: str, *, inputs: str, scope: str, arguments: dict[str, Any]) -> Any:
    """Compute and keep the result here and now (the job's body; also for callers that may wait, e.g. the API)."""
    registered = _COMPUTATIONS[name]
    value = registered.function(**arguments)
    stamped = (value, timezone.now())
    cache.set(_key(name, "result", inputs), stamped, registered.seconds)
    cache.set(_key(name, "latest", scope), stamped, LATEST_SECONDS)
    cache.delete_many([_key(name, "failed", inputs), _key(name, "attempts", inputs)])
    return value


def _record_failure(name: str, inputs: str, error: BaseException) -> Failure:
    attempts = int(cache.get(_key(name, "attempts", inputs)) or 0) + 1
    backoff = min(FIRST_BACKOFF_SECONDS * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    now = timezone.now()
    failure = Failure(failed_at=now, error=type(error).__name__, attempts=attempts,
                      retry_at=now + timedelta(seconds=backoff))
    cache.set(_key(name, "attempts", inputs), attempts, LATEST_SECONDS)
    cache.set(_key(name, "failed", inputs), failure, backoff)
    return failure


# Before the queue's bulk work (an open-data build, a monthly report, an import): a reader is waiting for this. The
# refresh after a data change asks for results nobody is waiting for yet, so it queues them as ordinary work.
PRIORITY = 10
REFRESH_PRIORITY = 0


@task(priority=PRIORITY)
def compute(name: str, inputs: str, scope: str, arguments: dict[str, Any]) -> None:
    """The background job: compute and keep; a failure is kept with its back-off (and the job fails, so the queue
    records it). The queued marker is cleared either way."""
    try:
        compute_now(name, inputs=inputs, scope=scope, arguments=arguments)
    except Exception as error:
        _record_failure(name, inputs, error)
        raise
    finally:
        cache.delete(_key(name, "queued", inputs))


# --- after a data change --------------------------------------------------------------------------------------------


def latest_results() -> dict[str, Any]:
    """Every computation's latest results per remembered scope, and the remembered arguments (to keep over a clear)."""
    kept: dict[str, Any] = {}
    for name in _COMPUTATIONS:
        recent_key = f"polku:precomputed:{name}:recent"
        recent = cache.get(recent_key) or {}
        if recent:
            kept[recent_key] = recent
        for scope in recent:
            latest = cache.get(_key(name, "latest", scope))
            if latest is not None:
                kept[_key(name, "latest", scope)] = latest
    return kept


def restore_latest(kept: dict[str, Any]) -> None:
    cache.set_many(kept, LATEST_SECONDS)


def refresh_recent() -> list[str]:
    """Queue every computation again for the arguments its readers last asked with, keyed by the facts as they are
    now (after an import, and by the daily schedule); the ids of the jobs queued."""
    queued = []
    for name, registered in _COMPUTATIONS.items():
        if registered.request is None:
            continue
        for arguments in list((cache.get(f"polku:precomputed:{name}:recent") or {}).values()):
            asked = registered.request(arguments)
            if asked is None or cache.get(_key(name, "result", asked["inputs"])) is not None:
                continue
            # Nobody waits for these yet: they queue behind the jobs of readers who do.
            task_id = _queue(name, asked["inputs"], asked["scope"], asked["arguments"], priority=REFRESH_PRIORITY)
            if task_id:
                queued.append(task_id)
    return queued
