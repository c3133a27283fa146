"""An import in partitions of persons: what only the partitioned path does — the sweep of a snapshot's vanished
persons, a source key used twice across partitions, a problem in a late partition undoing earlier writes, the spill
never holding an identity code in clear and gone afterwards — and the duplicate finder against a plain reference."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from polku.access.models import Role
from polku.casework.models import CaseAssignment
from polku.core.bulk import bulk_session
from polku.exchange import staging
from polku.exchange.models import ImportProblem, RunStatus, SourceRecord
from polku.exchange.profiles import get_profile
from polku.exchange.rows import Record
from polku.people.artificial import artificial_personal_id
from polku.people.models import Person
from polku.timeline.models import BenefitMonth
from tests.exchange.helpers import AINO, EERO, OLLI, run_import, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_staff: Any) -> Any:
    return make_staff(role=Role.ADMIN, area=None).user


@pytest.fixture
def tiny_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "PARTITION_ROWS", 1)  # a partition per row (up to the cap)


def _three(tmp_path: Path) -> list[Path]:
    return [
        write(tmp_path, "persons.csv", "source_id;personal_id;first_names;last_name\n"
                                        f"p1;{AINO};Aino;Ahola\np2;{EERO};Eero;Eskola\np3;{OLLI};Olli;Oja\n"),
        write(tmp_path, "homes.csv", "source_id;person_id;municipality;start_date;end_date\n"
                                      "h1;p1;297;1.1.2020;\nh2;p2;297;1.1.2020;\nh3;p3;297;1.1.2020;\n"),
        write(tmp_path, "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                               "b1;p1;2021-02;basic_allowance;20;781,41\n"
                                               "b2;p2;2021-02;basic_allowance;10;390,70\n"
                                               "b3;p3;2021-02;basic_allowance;5;195,35\n"),
    ]


@pytest.mark.usefixtures("tiny_partitions")
def test_a_full_snapshot_in_partitions_retracts_the_records_of_a_person_it_no_longer_names(
        tmp_path: Path, admin: Any) -> None:
    assert run_import(admin, _three(tmp_path)).status == RunStatus.DONE
    (tmp_path / "later").mkdir()
    snapshot = write(tmp_path / "later", "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                                                "b1;p1;2021-02;basic_allowance;20;781,41\n"
                                                                "b2;p2;2021-02;basic_allowance;10;390,70\n")
    run = run_import(admin, [snapshot], mode="full", scope_code="kuopio")
    assert run.status == RunStatus.DONE
    # Olli has no row in the snapshot at all: only the sweep after the partitions finds him.
    assert run.counts["benefit_months"] == {"new": 0, "changed": 0, "unchanged": 2, "retracted": 1, "refused": 0}
    gone = BenefitMonth.objects.get(person__first_names="Olli")
    assert gone.superseded_at is not None
    assert "kokonaisaineistosta" in gone.correction_reason
    assert BenefitMonth.objects.filter(superseded_at__isnull=True).count() == 2
    assert SourceRecord.objects.get(source_id="b3").retracted_at is not None


@pytest.mark.usefixtures("tiny_partitions")
def test_a_source_key_used_for_two_persons_is_refused_naming_the_first_row(tmp_path: Path, admin: Any) -> None:
    files = _three(tmp_path)
    files[2] = write(tmp_path, "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                                      "b1;p1;2021-02;basic_allowance;20;781,41\n"
                                                      "b2;p2;2021-02;basic_allowance;10;390,70\n"
                                                      "b1;p3;2021-02;basic_allowance;5;195,35\n")
    run = run_import(admin, files)
    assert run.status == RunStatus.REFUSED
    problems = list(run.problems.values_list("file", "row", "column", "code", "message"))
    assert problems == [("benefit_months.csv", 4, "source_id", "duplicate", "Sama tunniste on jo rivillä 2.")]
    assert not Person.objects.exists()


@pytest.mark.usefixtures("tiny_partitions")
def test_a_problem_in_a_late_partition_undoes_what_earlier_partitions_wrote(tmp_path: Path, admin: Any) -> None:
    files = _three(tmp_path)
    # One person's 25 days in February: found while that person's partition is checked, whichever comes last.
    files[2] = write(tmp_path, "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                                      "b1;p1;2021-02;basic_allowance;20;781,41\n"
                                                      "b2;p2;2021-02;basic_allowance;10;390,70\n"
                                                      "b3;p3;2021-02;basic_allowance;15;195,35\n"
                                                      "b4;p3;2021-02;labour_market_subsidy;10;195,35\n")
    run = run_import(admin, files)
    assert run.status == RunStatus.REFUSED
    assert set(ImportProblem.objects.filter(run=run).values_list("row", "code")) == {(4, "too_many_days"),
                                                                                       (5, "too_many_days")}
    assert not Person.objects.exists()
    assert not SourceRecord.objects.exists()
    assert not BenefitMonth.objects.exists()


def test_the_spill_holds_no_identity_code_in_clear_and_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    monkeypatch.setattr(staging, "PARTITION_ROWS", 2)
    stale = staging.spill_root() / "import-left-by-a-killed-worker"
    stale.mkdir(parents=True, exist_ok=True)
    files = [(path, path.name, "", path.stat().st_size) for path in _three(tmp_path)]
    staged = staging.Stager(get_profile("polku-exchange-v1"), lambda *_: None).stage(files)
    try:
        assert not stale.exists(), "a new import removes what a killed one left"
        assert staged.partitions.n > 1
        directory = staged.partitions.directory
        assert directory is not None
        spilled = b"".join(path.read_bytes() for path in directory.iterdir())
        assert spilled, "the records went to disk"
        for code in (AINO, EERO, OLLI):
            assert code.encode() not in spilled
        loaded = [staged.partitions.load(i) for i in range(staged.partitions.n)]
        assert sum(len(records) for part in loaded for records in part.values()) == 9
        for part in loaded:  # a person's records meet in one partition
            persons = {r.person_key for r in part.get("persons", [])}
            assert all(r.person_key in persons for name, rs in part.items() for r in rs)
    finally:
        staged.close()
    assert not directory.exists()


def _record(system: str, source_id: str, row: int, file: str = "f.csv") -> Record:
    return Record("benefit_months", file, row, system, source_id, {})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["1", "2", "3", "x;y", "ä"])), max_size=30))
def test_duplicate_keys_are_found_as_a_plain_dictionary_finds_them(keys: list[tuple[str, str]]) -> None:
    digests = staging.KeyDigests()
    first: dict[tuple[str, str], int] = {}
    expected = []
    for row, (system, source_id) in enumerate(keys, start=2):
        digests.add(_record(system, source_id, row))
        if (system, source_id) in first:
            expected.append(("f.csv", row, "f.csv", first[(system, source_id)]))
        else:
            first[(system, source_id)] = row
    assert sorted(digests.duplicates()) == sorted(expected)


def test_a_bulk_session_gives_sqlite_a_large_page_cache_and_then_restores_it(tmp_path: Path, admin: Any) -> None:
    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size" if connection.vendor == "sqlite" else "SELECT 0")
            return int(cursor.fetchone()[0])

    before = cache_size()
    with bulk_session(cache_mb=64):
        during = cache_size()
    assert cache_size() == before
    assert during == (-64 * 1024 if connection.vendor == "sqlite" else 0)
    assert run_import(admin, _three(tmp_path)).status == RunStatus.DONE
    assert cache_size() == before


def _settings(*names: str) -> list[str]:
    with connection.cursor() as cursor:
        return [cursor.execute("SELECT current_setting(%s)", [n]).fetchone()[0] for n in names]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's session settings")
def test_a_bulk_session_gives_postgresql_memory_and_no_jit_and_then_sets_them_back() -> None:
    from django.db import DatabaseError, transaction

    before = _settings("work_mem", "jit")
    with bulk_session():
        assert _settings("work_mem", "jit") == ["256MB", "off"]
    assert _settings("work_mem", "jit") == before
    # A larger setting of the server's or the session's is not lowered.
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '1GB'")
    with bulk_session():
        assert _settings("work_mem") == ["1GB"]
    with connection.cursor() as cursor:
        cursor.execute("RESET work_mem")
    # An error inside a transaction around it: the rollback sets them back, and nothing is tried on the failed one.
    with pytest.raises(DatabaseError), transaction.atomic(), bulk_session(), connection.cursor() as cursor:
        cursor.execute("SELECT 1/0")
    assert _settings("work_mem", "jit") == before


@pytest.mark.usefixtures("tiny_partitions")
def test_keys_of_another_installation_never_name_rows_this_import_wrote(tmp_path: Path, admin: Any,
                                                                       make_staff: Any, make_person: Any) -> None:
    """Assignments keyed ``assignment-<id>`` by another installation, imported in partitions into a database whose
    next row ids are those same numbers: an earlier partition's new row must not be taken for a later record's own
    key (which refused the import as "toisen henkilön" before)."""
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio").user.get_username()
    probe = CaseAssignment.objects.create(person=make_person(), valid_from=date(2024, 1, 1), started_at=timezone.now())
    next_id = probe.pk + 1  # ids are not reused (SQLite AUTOINCREMENT, PostgreSQL sequences)
    Person.objects.all().delete()
    codes = [artificial_personal_id(date(1980 + i, 1, 1), 910 + i) for i in range(5)]
    persons = "".join(f"p{i};{code};Henkilö;Numero{i}\n" for i, code in enumerate(codes))
    homes = "".join(f"h{i};p{i};297;1.1.2020;\n" for i in range(5))
    # Five persons in partitions of random order: a later one's key names an earlier one's new row unless the
    # partitions happen to come in key order (1 in 120).
    assignments = "".join(f"assignment-{next_id + i};p{i};2024-01-0{i + 1};{counsellor}\n" for i in range(5))
    files = [
        write(tmp_path, "persons.csv", "source_id;personal_id;first_names;last_name\n" + persons),
        write(tmp_path, "homes.csv", "source_id;person_id;municipality;start_date;end_date\n" + homes),
        write(tmp_path, "assignments.csv", "source_id;person_id;valid_from;counsellor\n" + assignments),
    ]
    run = run_import(admin, files)
    assert run.status == RunStatus.DONE, list(run.problems.values_list("row", "message"))
    assert run.counts["assignments"]["new"] == 5
    assert CaseAssignment.objects.count() == 5
