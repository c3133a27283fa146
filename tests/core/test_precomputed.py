"""A page never waits: precomputed results are queued once, computed by the worker, and the latest one is shown
while a newer one is computed."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from polku.core import precomputed
from polku.jobs.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs its jobs in transactions of its own

CALLS: list[int] = []


@precomputed.computation("test-square")
def _square(n: int) -> int:
    CALLS.append(n)
    if n < 0:
        raise ValueError("negative")
    return n * n


def _fetch(n: int, inputs: str | None = None) -> precomputed.Precomputed:
    return precomputed.fetch("test-square", inputs=inputs or f"n={n}", scope="lukija", arguments={"n": n})


def test_first_reader_queues_once_and_the_worker_computes() -> None:
    CALLS.clear()
    first, second = _fetch(4), _fetch(4)
    assert not first.ready
    assert first.value is None
    assert first.task_id is not None
    assert second.task_id == first.task_id  # many readers, one job
    assert DBTaskResult.objects.count() == 1
    assert CALLS == []  # nothing computed while the page was answered
    run_worker()
    done = _fetch(4)
    assert (done.ready, done.current, done.value, done.task_id) == (True, True, 16, None)
    assert done.computed_at is not None
    assert CALLS == [4]


def test_while_new_inputs_compute_the_latest_result_of_the_scope_is_shown() -> None:
    _fetch(3)
    run_worker()
    updating = _fetch(5)  # the facts changed: new inputs
    assert updating.ready
    assert not updating.current
    assert updating.value == 9
    assert updating.task_id is not None
    run_worker()
    assert _fetch(5).value == 25


def test_a_failed_job_is_queued_again_by_the_next_reader() -> None:
    failing: Any = _fetch(-1)
    run_worker()
    assert DBTaskResult.objects.get(pk=failing.task_id).status == "FAILED"
    again = _fetch(-1)
    assert again.task_id not in (None, failing.task_id)


def test_callers_that_may_wait_compute_at_once() -> None:
    assert precomputed.current_or_compute("test-square", inputs="n=7", scope="api", arguments={"n": 7}) == 49
    assert _fetch(7, inputs="n=7").current
