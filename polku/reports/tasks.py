"""The report jobs on the worker: after each import the due month is published, and a report asked for on the page
is made here, not in the request."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django_tasks import task

from polku.reports import services
from polku.reports.models import ReportTrigger


@task()
def publish_report(scope_code: str, month: str, user_id: int | None = None) -> int:
    """Publish one report asked for (or return the archived one); its id."""
    user = None if user_id is None else get_user_model().objects.filter(pk=user_id).first()
    report, _created = services.publish(scope_code, date.fromisoformat(month), user=user,
                                        trigger=ReportTrigger.ON_DEMAND)
    return int(report.pk)


@task()
def publish_due_reports(scope_code: str | None = None) -> list[int]:
    """Publish the month now due for every report scope (or those the import of ``scope_code`` touched)."""
    return [int(r.pk) for r in services.publish_due(scope_code=scope_code)]


def after_new_facts(sender: Any = None, **kwargs: Any) -> None:
    """``facts_changed``: an import brought new facts, so a month may now be due (of the scopes it touched)."""
    publish_due_reports.enqueue(kwargs.get("scope_code"))
