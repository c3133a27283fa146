"""Two counsellors save the same plan at the same moment, from the same loaded version: exactly one save lands,
the other is refused as a conflict, and nothing of the first is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from polku.casework import services
from polku.casework.models import EmploymentPlan
from polku.core.errors import ValidationFailed
from polku.people.models import Person


@pytest.mark.django_db(transaction=True)
def test_concurrent_plan_saves(make_person: Callable[..., Person]) -> None:
    person = make_person()
    today = timezone.localdate()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(text: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.plan_save(person=person, based_on_version=None, data=services.PlanInput(
                drawn_up_on=today, valid_until=today + timedelta(days=30), agreed_actions=text, applications_required=4))
            outcomes[text] = "saved"
        except ValidationFailed as failure:
            outcomes[text] = failure.errors[0].code
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(text,)) for text in ("Ohjaaja A", "Ohjaaja B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    saved = next(text for text, outcome in outcomes.items() if outcome == "saved")
    plans = EmploymentPlan.objects.filter(person=person)
    assert [(p.agreed_actions, p.version, p.superseded_at) for p in plans] == [(saved, 1, None)]
