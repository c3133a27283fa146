"""The page queues the retention run on the task queue; the worker carries it out and the report is on the page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from polku.access.models import Role
from polku.jobs.worker import run_worker
from polku.people.models import Person
from polku.privacy.models import RetentionRun, RunStatus

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs tasks on its own connections


def test_the_page_queues_a_run_and_the_worker_carries_it_out(client_with_history: Any, make_staff: Any) -> None:
    old = client_with_history(ended=date(2014, 3, 31), last_name="Vanha")
    client = Client()
    client.force_login(make_staff(Role.DPO, area=None).user)
    response = client.post("/tietosuoja/sailytysajat/", {"reference_date": "2026-12-01", "dry_run": "on"})
    assert response.status_code == 302
    run = RetentionRun.objects.get()
    assert run.status == RunStatus.QUEUED
    assert run.task_id
    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.report["kinds"]["facts"]["persons"] == 1
    assert Person.objects.filter(pk=old.pk).exists()  # a dry run
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Vanha" not in page.content.decode()
