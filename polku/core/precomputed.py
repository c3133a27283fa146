"""Results a page shows but never waits for: computed by a background job (``polku worker``), kept in the cache
with the time they were computed.

A page asks :func:`fetch` for a named computation with the key of its inputs (the reader's scope, the day, the
fingerprints of the rules and facts it reads). A result for exactly those inputs is shown at once. Otherwise the
job is queued — once, however many readers ask — and the page shows the latest result computed for the reader's
scope (older inputs; the page says when it was computed and that it is being updated), or, the first time, a
progress bar until the job is done.

Computations are registered by the app that owns them (:func:`computation`, from its ``AppConfig.ready`` so that the
worker knows them too); their arguments are JSON (the task queue keeps them), their result anything the cache can
keep. A failed job leaves no marker behind: the next reader queues it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

RESULT_SECONDS = 24 * 3600  # a result for the same inputs
LATEST_SECONDS = 14 * 24 * 3600  # the latest result of a scope, shown while a newer one is computed
QUEUED_SECONDS = 30 * 60  # a queued job not done by then (no worker, or it died) is queued again

_COMPUTATIONS: dict[str, tuple[Callable[..., Any], int]] = {}


def computation(name: str, *, seconds: int = RESULT_SECONDS) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``function(**arguments)`` as the computation ``name``, its result kept ``seconds`` (no longer than
    whatever it leaves in the cache for the page to read)."""
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _COMPUTATIONS[name] = (function, seconds)
        return function
    return register


@dataclass(frozen=True)
class Precomputed:
    """What a page can show now: the value (``None`` until a first result exists), when it was computed, whether it
    is for the inputs asked, and the job computing a newer one (its id for the progress bar)."""

    value: Any
    computed_at: datetime | None
    current: bool
    task_id: str | None

    @property
    def ready(self) -> bool:
        return self.computed_at is not None


def _key(name: str, kind: str, inputs: str) -> str:
    return f"polku:precomputed:{name}:{kind}:" + hashlib.sha256(inputs.encode()).hexdigest()


def fetch(name: str, *, inputs: str, scope: str, arguments: dict[str, Any]) -> Precomputed:
    """The result of ``name`` for ``inputs`` if computed; else the scope's latest and the job queued for ``inputs``."""
    found = cache.get(_key(name, "result", inputs))
    if found is not None:
        return Precomputed(found[0], found[1], True, None)
    task_id = _queue(name, inputs, scope, arguments)
    found = cache.get(_key(name, "result", inputs))  # a backend that runs jobs at once (ImmediateBackend) is done
    if found is not None:
        return Precomputed(found[0], found[1], True, None)
    latest = cache.get(_key(name, "latest", scope))
    if latest is not None:
        return Precomputed(latest[0], latest[1], False, task_id)
    return Precomputed(None, None, False, task_id)


def _queue(name: str, inputs: str, scope: str, arguments: dict[str, Any]) -> str | None:
    marker = _key(name, "queued", inputs)
    if cache.add(marker, "", QUEUED_SECONDS):  # the first reader queues it
        result = compute.enqueue(name, inputs, scope, arguments)
        if cache.get(marker) is not None:  # not already done (and its marker cleared) by a quick worker
            cache.set(marker, str(result.id), QUEUED_SECONDS)
        return str(result.id)
    return cache.get(marker) or None


def current_or_compute(name: str, *, inputs: str, scope: str, arguments: dict[str, Any]) -> Any:
    """The result for ``inputs``, computed here and now if there is none yet (for callers that may wait: the API)."""
    found = cache.get(_key(name, "result", inputs))
    if found is not None:
        return found[0]
    return compute_now(name, inputs=inputs, scope=scope, arguments=arguments)


def compute_now(name: str, *, inputs: str, scope: str, arguments: dict[str, Any]) -> Any:
    """Compute and keep the result here and now (the job's body; also for callers that may wait, e.g. the API)."""
    function, seconds = _COMPUTATIONS[name]
    value = function(**arguments)
    stamped = (value, timezone.now())
    cache.set(_key(name, "result", inputs), stamped, seconds)
    cache.set(_key(name, "latest", scope), stamped, LATEST_SECONDS)
    return value


@task()
def compute(name: str, inputs: str, scope: str, arguments: dict[str, Any]) -> None:
    """The background job: compute, keep, and clear the queued marker (also when it fails, so it is queued again)."""
    try:
        compute_now(name, inputs=inputs, scope=scope, arguments=arguments)
    finally:
        cache.delete(_key(name, "queued", inputs))
