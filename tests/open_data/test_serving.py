"""The open tables are built by the worker and only served by requests (issue 16, item 2): the build job stores every
table; a request reads storage and never builds; while the data has changed the last complete build is served and
the page says an update is being built; before any build the API answers 503 and the page shows the build's
progress; the worker's minute hook queues a build only when the data version has changed."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django_tasks_db.models import DBTaskResult

from polku.jobs import schedule
from polku.jobs.models import JobProgress
from polku.jobs.worker import run_worker
from polku.open_data import builds, cube, publish
from polku.open_data.models import BuildState, OpenTableBuild, OpenTableFile
from polku.open_data.tables import TABLES
from polku.timeline import services

TABLE = "/api/v1/fi/Polku/polku_tyonhakijat.px"
QUERY = {"query": [{"code": "Kuukausi", "selection": {"filter": "top", "values": ["3"]}}],
         "response": {"format": "csv"}}


def add_facts(make_person: Any, n: int = 6, municipality: str = "765") -> None:
    for _ in range(n):
        person = make_person(municipality=municipality, since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
    cache.delete("open_data:version")  # as an import does (the fingerprint is otherwise re-read within a minute)


@pytest.fixture
def no_building(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any table computed from here on is recorded (a request must compute none)."""
    calls: list[str] = []

    def refuse(table: Any, **kwargs: Any) -> Any:
        calls.append(table.id)
        raise AssertionError(f"{table.id} computed")

    monkeypatch.setattr(builds, "build", refuse)
    monkeypatch.setattr(cube, "build", refuse)
    return calls


@pytest.mark.django_db(transaction=True)  # the worker runs its job in transactions of its own
def test_the_worker_builds_and_stores_every_table(make_person: Any) -> None:
    add_facts(make_person)
    queued = builds.scheduled_check()
    assert queued is not None
    build = OpenTableBuild.objects.get()
    assert (build.state, build.task_id) == (BuildState.QUEUED, str(DBTaskResult.objects.get().pk))
    run_worker()
    build.refresh_from_db()
    assert build.state == BuildState.DONE
    assert build.data_version == builds.data_version(fresh=True)
    assert build.started_at is not None
    assert build.finished_at is not None
    stored = set(OpenTableFile.objects.filter(build=build).values_list("table_id", "kind", "lang"))
    expected = {(t.id, "cube", "") for t in TABLES} | {
        (t.id, kind, lang) for t in TABLES for kind in builds.STORED_KINDS for lang in ("fi", "sv", "en")}
    assert stored == expected
    progress = JobProgress.objects.get(task_id=build.progress_key)
    assert progress.done == progress.total == len(TABLES) * 4
    # The stored cube is the one the build computed: the same suppression as a table computed now.
    for table in TABLES:
        served = publish.stored_cube(build, table)
        fresh = cube.build(table)
        assert (served.values, served.statuses, served.regions, served.months) == (
            fresh.values, fresh.statuses, fresh.regions, fresh.months)
    assert builds.scheduled_check() is None  # built for the current data: nothing more to do


@pytest.mark.django_db
def test_requests_serve_storage_and_never_build(make_person: Any, no_building: list[str],
                                               django_assert_max_num_queries: Any, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    add_facts(make_person)
    monkeypatch.undo()  # the build below is the worker's
    build = builds.build_now()
    monkeypatch.setattr(builds, "build", lambda table, **kwargs: no_building.append(table.id))
    monkeypatch.setattr(cube, "build", lambda table, **kwargs: no_building.append(table.id))
    client = Client()
    stored = OpenTableFile.objects.get(build=build, table_id=TABLES[0].id, kind="csv", lang="fi").content
    with django_assert_max_num_queries(2):  # the served build, then its stored answer
        download = client.get("/avoin-data/tyonhakijat.csv")
    assert download.status_code == 200
    assert download.content == bytes(stored)
    with django_assert_max_num_queries(2):
        assert client.get(TABLE).status_code == 200  # metadata, as stored
    query = client.post(TABLE, json.dumps(QUERY), content_type="application/json")  # cut from the stored cube
    assert query.status_code == 200
    assert query.content.decode("utf-8-sig").splitlines()[0].startswith("Alue,Kuukausi")
    with django_assert_max_num_queries(1):  # the same question again: the build, then the cache
        assert client.post(TABLE, json.dumps(QUERY), content_type="application/json").content == query.content
    with django_assert_max_num_queries(1):  # not modified: the build alone
        assert client.get("/avoin-data/tyonhakijat.csv", HTTP_IF_NONE_MATCH=download["ETag"]).status_code == 304
    page = client.get("/avoin-data/")
    assert page.status_code == 200
    assert "Päivitetty" in page.content.decode()
    assert "päivitystä rakennetaan" not in page.content.decode()
    assert no_building == []


@pytest.mark.django_db
def test_the_last_complete_build_is_served_while_a_new_one_is_queued(make_person: Any) -> None:
    add_facts(make_person)
    first = builds.build_now()
    client = Client()
    before = client.get(TABLE)
    add_facts(make_person, 3, "205")  # the data changed
    queued = builds.queue_build()
    assert queued is not None
    assert queued.state == BuildState.QUEUED
    after = client.get(TABLE)
    assert after["ETag"] == before["ETag"]  # the same build, the same validators
    assert after["Last-Modified"] == before["Last-Modified"]
    assert client.get(TABLE, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    page = client.get("/avoin-data/").content.decode()
    assert "päivitystä rakennetaan" in page
    assert "/avoin-data/tila/" in page
    for language, words in (("sv", "en uppdatering byggs"), ("en", "an update is being built")):
        assert words in client.get("/avoin-data/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    status = client.get("/avoin-data/tila/")
    assert status.status_code == 200
    assert "data-job-progress" in status.content.decode()
    progress = client.get("/avoin-data/tila.json").json()
    assert progress["finished"] is False
    assert progress["status"] == "READY"

    builds.run_build(queued)  # the worker takes it
    served = publish.served_build()
    assert served is not None
    assert served.pk == queued.pk != first.pk
    renewed = client.get(TABLE, HTTP_IF_NONE_MATCH=before["ETag"])
    assert renewed.status_code == 200
    assert renewed["ETag"] != before["ETag"]
    assert client.get("/avoin-data/tila.json").json()["finished"] is True
    assert "päivitystä rakennetaan" not in client.get("/avoin-data/").content.decode()


@pytest.mark.django_db
def test_before_the_first_build_the_api_answers_503_and_the_page_shows_progress(make_person: Any,
                                                                                no_building: list[str]) -> None:
    add_facts(make_person)
    client = Client()
    metadata = client.get(TABLE)
    assert metadata.status_code == 503
    assert metadata["Retry-After"] == "60"
    body = metadata.json()
    assert body["errors"][0]["code"] == "not_ready"
    assert body["status_url"] == "/avoin-data/tila/"
    assert client.post(TABLE, json.dumps(QUERY), content_type="application/json").status_code == 503
    assert client.get("/avoin-data/tyonhakijat.csv").status_code == 503
    assert client.get("/api/v1/sv/Polku/polku_tyonhakijat.px").json()["errors"][0]["message"].startswith("Tabellerna")
    assert OpenTableBuild.objects.filter(state=BuildState.QUEUED).count() == 1  # queued once, however many ask
    page = client.get("/avoin-data/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Taulukoita rakennetaan" in html
    assert "data-job-progress" in html
    assert "<script>" not in html
    assert "Tables are being built" in client.get("/avoin-data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tabellerna byggs" in client.get("/avoin-data/tila/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert no_building == []


@pytest.mark.django_db
def test_the_minute_hook_queues_only_when_the_data_version_changed(make_person: Any) -> None:
    add_facts(make_person)
    assert builds.scheduled_check() is not None  # nothing built yet
    assert builds.scheduled_check() is None  # queued already for this version
    build = OpenTableBuild.objects.get()
    builds.run_build(build)
    assert builds.scheduled_check() is None  # built for this version
    add_facts(make_person, 2, "205")
    line = builds.scheduled_check()
    assert line is not None
    assert OpenTableBuild.objects.filter(state=BuildState.QUEUED).count() == 1
    assert builds.scheduled_check() is None


@pytest.mark.django_db
def test_the_worker_schedule_runs_the_hook_once_a_minute(make_person: Any) -> None:
    add_facts(make_person)
    assert "open-data-build" in schedule.MINUTE_HOOKS
    assert any(line.startswith("open-data build") for line in schedule.run_minute_hooks())
    OpenTableBuild.objects.all().delete()
    assert schedule.run_minute_hooks() == []  # this minute's check has run
    assert not OpenTableBuild.objects.exists()


@pytest.mark.django_db
def test_an_interrupted_or_superseded_build_is_handled(make_person: Any) -> None:
    add_facts(make_person)
    interrupted = builds.queue_build()
    assert interrupted is not None
    DBTaskResult.objects.filter(pk=interrupted.task_id).update(status="FAILED")  # its worker died
    again = builds.queue_build()
    assert again is not None
    interrupted.refresh_from_db()
    assert (interrupted.state, interrupted.error) == (BuildState.FAILED, "WorkerInterrupted")
    add_facts(make_person, 2, "205")
    newer = builds.queue_build()
    assert newer is not None
    assert builds.run_build(again).state == BuildState.SUPERSEDED  # a newer build was queued before it started
    assert builds.run_build(newer).state == BuildState.DONE


@pytest.mark.django_db
def test_a_failed_build_is_recorded_and_the_page_says_so(make_person: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    add_facts(make_person)
    good = builds.build_now()
    add_facts(make_person, 2, "205")

    def broken(table: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no")

    monkeypatch.setattr(builds, "build", broken)
    with pytest.raises(RuntimeError):
        builds.build_now()
    failed = OpenTableBuild.objects.order_by("-pk").first()
    assert failed is not None
    assert (failed.state, failed.error) == (BuildState.FAILED, "RuntimeError")
    served = publish.served_build()
    assert served is not None
    assert served.pk == good.pk
    assert builds.queue_build() is None  # not again at once for the same data
    assert "epäonnistui" in Client().get("/avoin-data/tila/").content.decode()


@pytest.mark.django_db
def test_old_builds_are_pruned(make_person: Any) -> None:
    add_facts(make_person)
    first = builds.build_now()
    builds.build_now()
    builds.build_now()
    assert not OpenTableBuild.objects.filter(pk=first.pk).exists()
    assert OpenTableBuild.objects.filter(state=BuildState.DONE).count() == builds.KEEP_DONE
    assert not JobProgress.objects.filter(task_id=first.progress_key).exists()


@pytest.mark.django_db
def test_an_import_queues_a_build_at_once(make_person: Any) -> None:
    from polku.core.signals import facts_changed

    add_facts(make_person)
    facts_changed.send(sender=None, scope_code="kainuu-trial")  # what an import sends once it has committed
    assert OpenTableBuild.objects.filter(state=BuildState.QUEUED).count() == 1
    facts_changed.send(sender=None, scope_code=None)
    assert OpenTableBuild.objects.count() == 1  # the same data: queued already


@pytest.mark.django_db
def test_a_build_id_given_again_never_serves_the_old_builds_cube(make_person: Any) -> None:
    """A build's id may be given again (a rolled-back transaction, a restored database): the decoded cube and the
    ETag follow the build itself, not its id."""
    add_facts(make_person, n=6)
    first = builds.build_now()
    table = TABLES[0]
    old = publish.stored_cube(first, table)
    old_tag = publish.etag(first, table, "fi", "csv")
    add_facts(make_person, n=4)
    second = builds.build_now()
    new_content = OpenTableFile.objects.get(build=second, table_id=table.id, kind=builds.CUBE).content
    # The first build's row now stands for different data under the same id.
    OpenTableFile.objects.filter(build=first, table_id=table.id, kind=builds.CUBE).update(content=new_content)
    OpenTableBuild.objects.filter(pk=first.pk).update(data_version=second.data_version,
                                                      finished_at=second.finished_at)
    first.refresh_from_db()
    again = publish.stored_cube(first, table)
    assert again.values != old.values
    assert again.values == publish.stored_cube(second, table).values
    assert publish.etag(first, table, "fi", "csv") != old_tag
