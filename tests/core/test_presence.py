"""``core.presence.models_with_rows`` names exactly the tables that hold a row of the person: not another person's
rows, not a free appointment time (a row whose person is empty), each table once however many rows it has."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from polku.access.models import Role, StaffProfile
from polku.casework.models import AppointmentSlot
from polku.core.presence import models_with_rows
from polku.people.models import Person
from polku.portal.models import Consent, Message, ReportedApplication, SelfAssessment

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=datetime.now().astimezone().tzinfo)
MODELS: tuple[type[Any], ...] = (ReportedApplication, SelfAssessment, Consent, Message, AppointmentSlot)


def _row(model: type[Any], person: Person | None, n: int, counsellor: Any) -> Any:
    """One row of ``model`` for ``person``; ``n`` tells two rows of one person apart."""
    if model is ReportedApplication:
        return model.objects.create(person=person, applied_on=date(2026, 3, 1), employer="Oy Esimerkki Ab",
                                    job_title="Myyjä", reported_at=NOW)
    if model is SelfAssessment:
        return model.objects.create(person=person, questionnaire_version="1", answered_at=NOW, work_ability=7)
    if model is Consent:
        return model.objects.create(person=person, purpose="share_plan", recipient=("kela", "typ")[n],
                                    agreed_text="Suostun.", text_version="1", given_at=NOW)
    if model is Message:
        return model.objects.create(person=person, from_client=True, body="Hei", sent_at=NOW)
    return AppointmentSlot.objects.create(counsellor=counsellor, starts_at=NOW + timedelta(hours=next(SLOT_HOURS)),
                                          channel="phone", person=person)


SLOT_HOURS = itertools.count()  # a counsellor's times are distinct


@pytest.mark.parametrize("chosen", [set(c) for k in range(len(MODELS) + 1) for c in itertools.combinations(MODELS, k)],
                         ids=lambda c: "+".join(sorted(m.__name__ for m in c)) or "none")
def test_the_tables_named_are_exactly_those_with_a_row_of_the_person(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile], chosen: set[type[Any]]) -> None:
    counsellor = make_staff(Role.COUNSELLOR).user
    person, other = make_person(municipality=None), make_person(municipality=None)
    for model in MODELS:
        _row(model, other, 0, counsellor)  # another person's rows are not the person's
        if model in chosen:
            _row(model, person, 0, counsellor)
            _row(model, person, 1, counsellor)  # two rows are one table
    _row(AppointmentSlot, None, 0, counsellor)  # a free time: nobody's
    with CaptureQueriesContext(connection) as queries:
        found = models_with_rows(MODELS, "person", person.pk)
    assert found == frozenset(chosen)
    assert len(queries) == 1
    assert models_with_rows(MODELS, "person", other.pk) == frozenset(MODELS)


def test_no_tables_ask_nothing_and_a_question_that_cannot_be_answered_is_refused(
        make_person: Callable[..., Person]) -> None:
    person = make_person(municipality=None)
    with CaptureQueriesContext(connection) as queries:
        assert models_with_rows([], "person", person.pk) == frozenset()
    assert len(queries) == 0
    with pytest.raises(ValueError, match="NULL"):
        models_with_rows(MODELS, "person", None)
    with pytest.raises(TypeError, match="not a column"):
        models_with_rows([Person], "reported_applications", person.pk)  # a reverse relation
