"""``core.prepared.PersonRead``: a read whose SQL is made once gives, for every person, exactly the instances its
ORM queryset gives — the same rows in the same order, every field converted as the ORM converts it (dates, UUIDs and
decimals are text in SQLite), the ``select_related`` objects filled so that reading them makes no query — and it
refuses a query it cannot reuse."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import polku.urls  # noqa: F401 - every module of the product, so every read is made
from polku.access.models import Role
from polku.casework.demo import TeamPlan, simulate_casework
from polku.casework.models import Meeting
from polku.core.prepared import PersonRead
from polku.exchange.docs import SAMPLE_DIR
from polku.people.models import Person
from polku.simulator.writers import simulate_into_database
from polku.timeline.models import StatusSpell
from polku.timeline.selectors import person_timeline
from tests.exchange.helpers import run_import

pytestmark = pytest.mark.django_db


def _snapshot(instance: Model) -> tuple[Any, ...]:
    """An instance as comparable values: its model, every loaded column's type and value (which are deferred, as
    such), and the related objects loaded with it."""
    deferred = instance.get_deferred_fields()
    columns = tuple((field.attname, "deferred") if field.attname in deferred else  # types too: True == 1
                    (field.attname, type(value := getattr(instance, field.attname)), value)
                    for field in instance._meta.concrete_fields)
    related = tuple(sorted((name, _snapshot(value) if value is not None else None)
                           for name, value in instance._state.fields_cache.items()))
    return type(instance), instance._state.db, instance._state.adding, columns, related


def test_every_read_gives_what_its_queryset_gives(make_staff: Any) -> None:
    simulate_into_database("sotkamo-2021", seed=8, persons=120, progress=False)
    simulate_casework("kainuu", municipalities=["765"], team_plan=TeamPlan(), fresh=5)
    run_import(make_staff(Role.ADMIN, area=None).user, sorted(SAMPLE_DIR.glob("*.csv")))  # source records, conditions
    persons = [*Person.objects.order_by("pk").values_list("pk", flat=True), uuid.uuid4()]  # and one with no rows
    reads = PersonRead.every
    assert len(reads) >= 10  # the timeline's four lists, the case-work panel's four, provenance, conditions met
    rows_compared = 0
    for read in reads:
        for person in persons:
            with CaptureQueriesContext(connection) as queries:
                instances = read.read(person)
                snapshots = [_snapshot(instance) for instance in instances]  # no query: the related objects are there
            assert len(queries) == 1
            assert snapshots == [_snapshot(instance) for instance in read.queryset(person)]
            rows_compared += len(snapshots)
        assert any(read.read(person) for person in persons), "a read compared on no rows at all"
    assert rows_compared > 1000


def test_the_timeline_of_current_facts_is_the_one_known_now() -> None:
    """The record's timeline (prepared reads) has the rows of the timeline as known at this moment (the ORM's
    queries)."""
    simulate_into_database("sotkamo-2021", seed=3, persons=40, progress=False)
    later = timezone.now() + timedelta(seconds=1)
    for person in Person.objects.all():
        now, known = person_timeline(person), person_timeline(person, known_at=later)
        for name in ("home_municipalities", "status_spells", "job_search_periods", "benefit_months"):
            # The same rows (in the order of the ORM's sort: equal months of one benefit may come either way).
            assert sorted(map(_snapshot, getattr(now, name)), key=str) == sorted(map(_snapshot, getattr(known, name)),
                                                                               key=str), name


@pytest.mark.parametrize(("build", "reason"), [
    (lambda person_id: StatusSpell.objects.filter(person_id__isnull=False), "does not filter on the person"),
    (lambda person_id: StatusSpell.objects.filter(person_id=person_id).annotate(n=Count("pk")), "plain list"),
    (lambda person_id: Meeting.objects.filter(person_id=person_id).prefetch_related("person"), "plain list"),
    (lambda person_id: StatusSpell.objects.filter(person_id=person_id).values("pk"), "plain list"),
    (lambda person_id: StatusSpell.objects.filter(person_id=person_id).select_for_update(), "plain list"),
    (lambda person_id: StatusSpell.objects.using("muu").filter(person_id=person_id), "for database 'muu'"),
    (lambda person_id: StatusSpell.objects.filter(person_id=person_id).none(), "finds nothing"),
    (lambda person_id: StatusSpell.objects.filter(person_id=person_id, recorded_at__lte=timezone.now()),
     "more than the person's key"),  # a value read when the query is built
    (lambda person_id: StatusSpell.objects.filter(person_id=person_id).extra(  # noqa: S610 - the refusal's case
        where=[f"person_id <> '{person_id.hex}'"]), "more than the person's key"),  # the key in the SQL's text
], ids=["no key", "annotation", "prefetch", "values", "locking", "another database", "none", "a value of its build",
        "key in the text"])
def test_a_query_that_cannot_be_reused_is_refused(build: Any, reason: str) -> None:
    read = PersonRead(build)
    PersonRead.every.remove(read)  # not one of the product's reads
    with pytest.raises(TypeError, match=reason):
        read.read(uuid.uuid4())


def test_no_person_is_refused() -> None:
    with pytest.raises(ValueError, match="no person"):
        PersonRead.every[0].read(None)  # type: ignore[arg-type]
