"""A page never waits: precomputed results are queued once, computed by the worker, and the latest one is shown
while a newer one is computed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
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


def _fetch(n: int, inputs: str | None = None, *, retry: bool = False) -> precomputed.Precomputed:
    return precomputed.fetch("test-square", inputs=inputs or f"n={n}", scope="lukija", arguments={"n": n}, retry=retry)


FACTS = [1]  # the facts' fingerprint the cube's inputs key follows


@precomputed.computation("test-cube", request=lambda arguments: {
    "inputs": f"cube={arguments['n']}|{FACTS[0]}", "scope": "lukija", "arguments": arguments})
def _cube(n: int) -> int:
    return n ** 3



def test_refresh_recent_queues_what_readers_last_asked_for_the_new_facts() -> None:
    precomputed.fetch("test-cube", inputs="cube=2|1", scope="lukija", arguments={"n": 2})
    run_worker()
    assert precomputed.refresh_recent() == []  # nothing changed: the result for these inputs is there
    FACTS[0] = 2  # the facts changed
    queued = precomputed.refresh_recent()
    assert len(queued) == 1
    run_worker()
    assert precomputed.fetch("test-cube", inputs="cube=2|2", scope="lukija", arguments={"n": 2}).current


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


def test_a_failed_job_shows_its_failure_and_waits_for_a_retry_or_its_back_off() -> None:
    failing: Any = _fetch(-1)
    run_worker()
    assert DBTaskResult.objects.get(pk=failing.task_id).status == "FAILED"
    for _reload in range(3):  # reloading the page does not queue it again
        shown = _fetch(-1)
        assert shown.task_id is None
        assert shown.failure is not None
        assert (shown.failure.error, shown.failure.attempts) == ("ValueError", 1)
    assert DBTaskResult.objects.count() == 1
    retried = _fetch(-1, retry=True)  # the reader asks for it
    assert retried.task_id not in (None, failing.task_id)
    assert retried.failure is None
    run_worker()
    second = _fetch(-1).failure
    assert second is not None
    assert second.attempts == 2  # failures in a row: the back-off doubles
    failing_backoff = timedelta(seconds=precomputed.FIRST_BACKOFF_SECONDS)
    assert (second.retry_at - second.failed_at) == 2 * failing_backoff
    # Once the back-off has passed, the next reader queues it again.
    cache.set(precomputed._key("test-square", "failed", "n=-1"), replace(
        second, retry_at=timezone.now() - failing_backoff), 60)
    assert _fetch(-1).task_id is not None
    assert DBTaskResult.objects.count() == 3


def test_success_after_failures_forgets_them() -> None:
    _fetch(-2)
    run_worker()
    assert _fetch(-2).failure is not None
    assert precomputed.current_or_compute("test-square", inputs="n=-2", scope="lukija", arguments={"n": 2}) == 4
    assert precomputed.failure_of("test-square", "n=-2") is None


def test_after_a_data_change_readers_requests_are_queued_anew_and_the_latest_result_stays() -> None:
    _fetch(6, inputs="facts=1")
    run_worker()
    kept = precomputed.latest_results()
    cache.clear()  # an import drops every cached figure …
    precomputed.restore_latest(kept)
    shown = _fetch(6, inputs="facts=2")  # … the page shows the previous result while the new one is computed
    assert (shown.ready, shown.current, shown.value) == (True, False, 36)


def test_callers_that_may_wait_compute_at_once() -> None:
    assert precomputed.current_or_compute("test-square", inputs="n=7", scope="api", arguments={"n": 7}) == 49
    assert _fetch(7, inputs="n=7").current


def test_a_readers_job_runs_before_the_queues_bulk_work_and_peek_never_queues() -> None:
    from polku.open_data.tasks import build_open_tables

    assert precomputed.peek("test-square", inputs="n=6", scope="lukija") is None
    assert DBTaskResult.objects.count() == 0  # a start page's glance queues nothing
    build_open_tables.enqueue(0)  # bulk work queued first …
    _fetch(6)  # … then a page's figures
    order = list(DBTaskResult.objects.values_list("task_path", flat=True))  # the model's order: the worker's
    assert order[0] == "polku.core.precomputed.compute"  # the worker takes the reader's job first
    run_worker(max_tasks=1)
    found = precomputed.peek("test-square", inputs="n=6", scope="lukija")
    assert found is not None
    assert found[0] == 36
    assert found[1] is not None  # when it was computed, for the reader
    latest = precomputed.peek("test-square", inputs="n=7", scope="lukija")  # other inputs: the scope's latest
    assert latest is not None
    assert latest[0] == 36
    assert not DBTaskResult.objects.filter(args_kwargs__args__0="test-square", status="READY").exists()


def test_the_refresh_after_a_data_change_queues_behind_readers_jobs() -> None:
    precomputed.fetch("test-cube", inputs="cube=5|1", scope="toinen", arguments={"n": 5})
    run_worker()
    FACTS[0] = 3
    assert precomputed.refresh_recent()
    priorities = set(DBTaskResult.objects.filter(status="READY").values_list("priority", flat=True))
    assert priorities == {precomputed.REFRESH_PRIORITY}
    _fetch(8)  # a reader waits for this one: it goes first
    assert DBTaskResult.objects.filter(status="READY").first().priority == precomputed.PRIORITY  # type: ignore[union-attr]


def test_the_facts_generation_changes_when_facts_are_written(make_person: Any) -> None:
    from datetime import date

    from polku.timeline import services

    before = precomputed.facts_generation()
    assert precomputed.facts_generation() == before  # stable while nothing is written
    person = make_person(since=date(2020, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 3, 4))
    assert precomputed.facts_generation() != before  # a service's write, once committed
