"""The three ways in: the data steward's upload page and the API queue the import on the task queue, the worker
carries it out (progress recorded, uploaded files removed afterwards), the run's page shows counts and problems, and
the new facts reach the figures at once (cached KPI values are dropped)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from polku.access.models import Role
from polku.core.calendar import add_months, month_start
from polku.exchange.models import ExchangeRun, RunStatus
from polku.exchange.services import upload_dir
from polku.jobs.progress import progress_state
from polku.jobs.worker import run_worker
from polku.kpi.presenters import user_payload
from polku.people.artificial import artificial_personal_id
from polku.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs tasks on its own connections
MONTH = add_months(month_start(timezone.localdate()), -2)


def _files() -> list[SimpleUploadedFile]:
    code = artificial_personal_id(date(1991, 5, 5), 911)
    start = f"{MONTH:%d.%m.%Y}"
    return [
        SimpleUploadedFile("henkilot.csv", f"source_id;personal_id;first_names;last_name\nq1;{code};Kalle;Kokko\n".encode()),
        SimpleUploadedFile("kotikunnat.csv", b"source_id;person_id;municipality;start_date\nk1;q1;297;1.1.2020\n"),
        SimpleUploadedFile("status_spells.csv", f"source_id;person_id;status;service_type;start_date;end_date\n"
                                                f"t1;q1;unemployed;;{start};\n".encode("cp1252")),
        SimpleUploadedFile("job_searches.csv", f"source_id;person_id;registered_on\nj1;q1;{start}\n".encode()),
    ]


def _client(profile: Any) -> Client:
    client = Client()
    client.force_login(profile.user)
    return client


def test_the_data_steward_uploads_watches_and_sees_the_figures_change(make_staff: Any) -> None:
    steward = make_staff(role=Role.DATA_STEWARD, area="kuopio")
    analyst = make_staff(role=Role.ANALYST, area="kuopio")
    client = _client(steward)
    before = user_payload(analyst.user, indicator="unemployed_jobseekers", scope="297", month=f"{MONTH:%Y-%m}")

    page = client.get("/tiedonsiirto/")
    assert page.status_code == 200
    assert "Tuontihistoria" in page.content.decode()
    response = client.post("/tiedonsiirto/", {"files": _files(), "profile": "polku-exchange-v1", "mode": "delta",
                                              "scope": "kuopio"})
    assert response.status_code == 302
    run = ExchangeRun.objects.get()
    assert run.status == RunStatus.QUEUED
    assert run.task_id
    assert sorted(p.name.split("-", 1)[1] for p in upload_dir(run.id).iterdir()) == sorted(str(f.name) for f in _files())
    waiting = client.get(response["Location"]).content.decode()
    assert "data-job-progress" in waiting  # the progress bar, polling the task's status

    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, list(run.problems.values_list("message", flat=True))
    assert run.counts["persons"]["new"] == 1
    assert not upload_dir(run.id).exists()  # the uploaded files are not kept
    state = progress_state(run.task_id)
    assert state.finished
    assert state.total == state.done == 4
    done = client.get(response["Location"]).content.decode()
    assert "Mitä muuttui" in done
    assert "data-job-progress" not in done
    person = Person.objects.get()
    assert person.last_name == "Kokko"

    after = user_payload(analyst.user, indicator="unemployed_jobseekers", scope="297", month=f"{MONTH:%Y-%m}")
    assert float(after["values"][0]["value"] or 0) == float(before["values"][0]["value"] or 0) + 1


def test_a_refused_upload_lists_problems_and_offers_them_as_csv(make_staff: Any) -> None:
    steward = make_staff(role=Role.DATA_STEWARD, area="kuopio")
    client = _client(steward)
    files = _files()
    files[2] = SimpleUploadedFile("status_spells.csv", b"source_id;person_id;status;service_type;start_date\n"
                                                       b"t1;q1;unemployed;;31.2.2024\n")
    client.post("/tiedonsiirto/", {"files": files, "profile": "polku-exchange-v1", "mode": "delta", "scope": "kuopio"})
    run_worker()
    run = ExchangeRun.objects.get()
    assert run.status == RunStatus.REFUSED
    assert not Person.objects.exists()
    page = client.get(f"/tiedonsiirto/{run.id}/").content.decode()
    assert "31.2.2024" in page
    assert "mitään ei kirjoitettu" in page
    csv_text = client.get(f"/tiedonsiirto/{run.id}/virheet.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("status_spells.csv;2;start_date;invalid;")


def test_other_roles_may_not_import(make_staff: Any) -> None:
    for role in (Role.COUNSELLOR, Role.MANAGER, Role.ANALYST, Role.ELECTED_OFFICIAL):
        client = _client(make_staff(role=role, area="kuopio"))
        assert client.get("/tiedonsiirto/").status_code == 403
        response = client.post("/api/exchange/imports", {"files": _files(), "mode": "delta"})
        assert response.status_code == 403
    assert not ExchangeRun.objects.exists()


def test_the_api_queues_reports_and_lists_problems(make_staff: Any) -> None:
    client = _client(make_staff(role=Role.DATA_STEWARD, area="kuopio"))
    refused = client.post("/api/exchange/imports", {"files": _files(), "mode": "full"})
    assert refused.status_code == 202  # no scope given: the steward's own area
    run_id = refused.json()["id"]
    assert refused.json()["status"] == "queued"
    assert refused.json()["progress_url"].startswith("/tyot/")
    run_worker()
    detail = client.get(f"/api/exchange/imports/{run_id}").json()
    assert detail["status"] == "done"
    assert detail["counts"]["status_spells"]["new"] == 1
    bad = client.post("/api/exchange/imports", {"files": [SimpleUploadedFile("homes.csv", b"source_id;person_id\nx;nobody\n")],
                                                "mode": "delta", "profile": "no-such"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "profile"
    unknown = client.post("/api/exchange/imports", {"files": [SimpleUploadedFile(
        "homes.csv", b"source_id;person_id;municipality;start_date\nx;nobody;297;1.1.2020\n")], "mode": "delta"})
    run_worker()
    problems = client.get(f"/api/exchange/imports/{unknown.json()['id']}/problems").json()
    assert problems == [{"file": "homes.csv", "row": 2, "column": "person_id", "code": "unknown",
                         "message": "Henkilöä nobody ei ole tässä tuonnissa eikä Polussa."}]


def test_two_imports_into_one_scope_are_not_queued_at_once(make_staff: Any, tmp_path: Path) -> None:
    client = _client(make_staff(role=Role.DATA_STEWARD, area="kuopio"))
    first = client.post("/api/exchange/imports", {"files": _files(), "mode": "delta", "scope": "kuopio"})
    second = client.post("/api/exchange/imports", {"files": _files(), "mode": "delta", "scope": "kuopio"})
    assert first.status_code == 202
    assert second.status_code == 422
    assert second.json()["errors"][0]["field"] == "scope"


def test_the_format_page_offers_each_entitys_sample_file(make_staff: Any) -> None:
    client = _client(make_staff(role=Role.DATA_STEWARD, area="kuopio"))
    page = client.get("/tiedonsiirto/muoto/").content.decode()
    assert "/tiedonsiirto/muoto/esimerkit/status_spells.csv" in page
    sample = client.get("/tiedonsiirto/muoto/esimerkit/status_spells.csv")
    assert sample.status_code == 200
    assert sample.content.decode("utf-8-sig").startswith("source_system;source_id;person_system;person_id;personal_id;status")
    assert client.get("/tiedonsiirto/muoto/esimerkit/passwd.csv").status_code == 403


def test_a_queued_import_goes_before_the_refresh_jobs_queued_earlier(make_staff: Any) -> None:
    """Someone waits at the import's page; the refresh jobs an earlier import queued compute from whatever is in by
    the time they run."""
    from django_tasks_db.models import DBTaskResult

    from polku.reports.tasks import publish_due_reports

    earlier = publish_due_reports.enqueue()
    response = _client(make_staff(role=Role.DATA_STEWARD, area="kuopio")).post(
        "/tiedonsiirto/", {"files": _files(), "profile": "polku-exchange-v1", "mode": "delta", "scope": "kuopio"})
    assert response.status_code == 302
    run_worker(batch=False, max_tasks=1)
    assert ExchangeRun.objects.get().status == RunStatus.DONE
    assert DBTaskResult.objects.get(id=earlier.id).status == "READY"


def test_the_imports_worker_runs_an_import_and_leaves_the_refresh_jobs_to_the_other(make_staff: Any) -> None:
    """The imports' own worker (the demo's and production's second worker): an upload does not wait for a refresh
    job, even one that is running on the general worker."""
    from django_tasks_db.models import DBTaskResult

    from polku.core import queues
    from polku.reports.tasks import publish_due_reports

    refresh = publish_due_reports.enqueue()
    response = _client(make_staff(role=Role.DATA_STEWARD, area="kuopio")).post(
        "/tiedonsiirto/", {"files": _files(), "profile": "polku-exchange-v1", "mode": "delta", "scope": "kuopio"})
    assert response.status_code == 302
    run_worker(queue_names=(queues.IMPORTS,))  # as `polku worker --queue-name imports` runs it
    assert ExchangeRun.objects.get().status == RunStatus.DONE
    assert DBTaskResult.objects.get(id=refresh.id).status == "READY"
    assert Person.objects.count() == 1
