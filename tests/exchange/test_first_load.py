"""A first load into empty tables builds their indexes once, after the rows (:func:`polku.core.bulk.indexes_set_aside`).

What must hold: the load writes exactly what a load with the indexes in place writes; afterwards every index,
constraint and trigger is back as the migrations made it; a load that breaks a rule the indexes or triggers keep (a
unique row, spells that overlap) fails whole and leaves the indexes as they were; and the set-based overlap check
finds an overlap exactly when the trigger would have refused one.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polku.access.models import Role
from polku.core import bulk
from polku.exchange import importer
from polku.exchange.importer import written_models
from polku.exchange.schema import entities
from polku.people.models import Person
from polku.timeline.db_guards import overlap_checks
from polku.timeline.models import BenefitMonth, StatusSpell
from tests.exchange.helpers import run_import
from tests.exchange.test_setbased import _database, _outcome, simulated_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_staff: Any) -> Any:
    return make_staff(role=Role.ADMIN, area=None).user


class _Rollback(Exception):  # noqa: N818 - an instruction
    pass


def _catalog(tables: list[str]) -> list[tuple[str, ...]]:
    """Every index, constraint and trigger of ``tables`` with its definition, as the database holds them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
            found = [("index", *row) for row in cursor.fetchall()]
            cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = ANY(CAST(%s AS regclass[]))", [tables])
            found += [("constraint", *row) for row in cursor.fetchall()]
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(f"SELECT type, tbl_name, name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) "
                           "AND type IN ('index', 'trigger')", tables)
            found = [tuple(row) for row in cursor.fetchall()]
    return sorted(found)


TABLES = [model._meta.db_table for model in written_models(entities())]


@contextmanager
def _watched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts, per load that set indexes aside, the tables' secondary indexes left while the rows went in."""
    seen: list[int] = []
    original = bulk.indexes_set_aside

    @contextmanager
    def spy(models: Any, **kwargs: Any) -> Iterator[None]:
        with original(models, **kwargs):
            names = [m._meta.db_table for m in models]
            left = [row for row in _catalog(names) if row[0] in ("index", "trigger")
                    and "pkey" not in row[2] and "autoindex" not in row[2]]
            seen.append(len(left))
            yield

    monkeypatch.setattr(importer, "indexes_set_aside", spy)
    yield seen


def test_a_first_load_writes_what_an_indexed_load_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         admin: Any) -> None:
    files = simulated_export(tmp_path / "export", seed=5, persons=120)
    before = _catalog(TABLES)
    results = []
    with _watched(monkeypatch) as seen:
        for threshold in (10**12, 1):
            monkeypatch.setattr(importer, "FIRST_LOAD_ROWS", threshold)
            try:
                with transaction.atomic():
                    first = run_import(admin, files)
                    again = run_import(admin, files)  # tables not empty now: indexed as usual
                    results.append(([_outcome(first), _outcome(again)], _database(), _catalog(TABLES)))
                    raise _Rollback
            except _Rollback:
                pass
    assert seen == [0], "one load set the indexes aside, and none were left while its rows went in"
    (indexed_runs, indexed_db, indexed_catalog), (first_runs, first_db, first_catalog) = results
    assert first_runs == indexed_runs
    assert first_runs[0][0] == "done"
    assert all(c["new"] == c["changed"] == 0 for c in first_runs[1][1].values()), "the re-import finds it all"
    assert first_db == indexed_db
    assert first_catalog == indexed_catalog == before


def _spell_rows(person: Person, spells: list[tuple[date, date | None]]) -> Iterator[dict[str, Any]]:
    now = timezone.now()
    for start, end in spells:
        yield {"person_id": person.pk, "lineage": uuid.uuid4(), "recorded_at": now, "recorded_by_id": None,
               "source": "import", "superseded_at": None, "superseded_by_user_id": None, "correction_reason": "",
               "status_id": "unemployed", "service_type_id": None, "start_date": start, "end_date": end}


def test_overlapping_spells_fail_the_load_and_the_indexes_come_back(make_person: Any) -> None:
    person = make_person(municipality=None)
    before = _catalog(TABLES)
    with pytest.raises(IntegrityError), transaction.atomic(), \
            bulk.indexes_set_aside([StatusSpell, BenefitMonth], checks=overlap_checks()):
        bulk.insert_dicts(StatusSpell, _spell_rows(person, [(date(2024, 1, 1), date(2024, 3, 31)),
                                                            (date(2024, 3, 31), None)]))
    assert _catalog(TABLES) == before
    assert not StatusSpell.objects.filter(person=person).exists()


def test_a_unique_row_twice_fails_the_load_and_the_indexes_come_back(make_person: Any) -> None:
    person = make_person(municipality=None)
    before = _catalog(TABLES)
    now = timezone.now()
    row = {"person_id": person.pk, "recorded_at": now, "recorded_by_id": None, "source": "import",
           "superseded_at": None, "superseded_by_user_id": None, "correction_reason": "", "month": date(2024, 2, 1),
           "benefit_type": "basic_allowance", "basis": "unemployment", "days": 10, "amount": "390.70"}
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.indexes_set_aside([BenefitMonth]):
        bulk.insert_dicts(BenefitMonth, [{**row, "lineage": uuid.uuid4()}, {**row, "lineage": uuid.uuid4()}])
    assert _catalog(TABLES) == before
    assert not BenefitMonth.objects.filter(person=person).exists()


@pytest.mark.django_db(transaction=True)
def test_indexes_are_set_aside_only_inside_a_transaction() -> None:
    before = _catalog(TABLES)
    with pytest.raises(RuntimeError), bulk.indexes_set_aside([BenefitMonth]):
        pass
    assert _catalog(TABLES) == before


days = st.integers(min_value=0, max_value=40).map(lambda n: date(2024, 1, 1) + timedelta(days=n))
spell = st.tuples(days, st.one_of(st.none(), st.integers(min_value=0, max_value=15)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=st.lists(st.tuples(st.integers(0, 1), spell), max_size=6))
def test_the_overlap_check_finds_what_the_trigger_refuses(make_person: Any, drawn: list[Any]) -> None:
    """Reference: two current spells of a person overlap when each starts on or before the other ends."""
    people = [make_person(municipality=None) for _ in range(2)]
    spells = [(who, start, None if length is None else start + timedelta(days=length))
              for who, (start, length) in drawn]
    far = date.max
    expected = any(a[0] == b[0] and a[1] <= (b[2] or far) and b[1] <= (a[2] or far)
                   for a, b in itertools.combinations(spells, 2))
    found = []
    try:
        with transaction.atomic():
            with bulk.indexes_set_aside([StatusSpell]):  # no checks: the rows go in whatever they are
                for who, start, end in spells:
                    bulk.insert_dicts(StatusSpell, _spell_rows(people[who], [(start, end)]))
                with connection.cursor() as cursor:
                    sql = next(sql for sql, _ in overlap_checks() if "statusspell" in sql)
                    cursor.execute(sql)
                    found.append(cursor.fetchone() is not None)
            raise _Rollback
    except (_Rollback, IntegrityError):  # PostgreSQL's exclusion constraint refuses the overlap on its build
        pass
    assert found == [expected]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's locks")
def test_a_first_load_locks_only_its_own_tables() -> None:
    """Users, runs and code lists stay readable while a first load runs (a foreign key to a code list is not dropped;
    facts name their recorder, and source records their run, without one)."""
    models = [model for model in written_models(entities()) if model._meta.db_table != "casework_caseassignment"]
    loaded = {model._meta.db_table for model in models}
    with transaction.atomic():
        with bulk.indexes_set_aside(models), connection.cursor() as cursor:
            cursor.execute("""SELECT DISTINCT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                              WHERE l.pid = pg_backend_pid() AND l.mode = 'AccessExclusiveLock' AND c.relkind = 'r'""")
            locked = {name for (name,) in cursor.fetchall()}
        transaction.set_rollback(True)
    assert locked, "the load's own tables are locked"
    assert locked <= loaded, sorted(locked - loaded)
