"""The set-based path (:mod:`polku.exchange.setbased`) writes what the row path writes and refuses what it refuses.

Every scenario runs twice from the same database state — once with every file through the row path, once with the
set-based path on — and compares the runs (status, counts, problems with file, row, column, code and message) and
every row the imports wrote (persons, facts, source records with their content hashes, each source record's fact).
The scenarios: a simulated export and a delta of it, the shipped samples, messy files, every condition that sends a
file back to the row path, and random files (hypothesis). Each also says which path took the benefit months, so
that a scenario meant for the set-based path cannot pass by falling back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import models as m
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polku.access.models import Role
from polku.exchange import setbased
from polku.exchange.docs import SAMPLE_DIR
from polku.exchange.facts import FACT_TABLES
from polku.exchange.importer import written_models
from polku.exchange.models import ExchangeRun, SourceRecord
from polku.exchange.schema import entities
from polku.exchange.setbased_sql import key_uncertain, keys_uncertain
from polku.people.models import Person
from tests.exchange.helpers import AINO, EERO, run_import, write

pytestmark = pytest.mark.django_db
WHEN = re.compile(r"\d\d\.\d\d\.\d{4} \d\d\.\d\d")


@pytest.fixture
def admin(make_staff: Any) -> Any:
    return make_staff(role=Role.ADMIN, area=None).user


class _Rollback(Exception):  # noqa: N818 - an instruction
    pass


def _database() -> dict[str, list[str]]:
    """Every row an import writes, without what differs by run (generated ids, lineages and moments): persons by
    their keyed hash, facts by their person and values, source records with the values of the fact they name."""
    hashes = {str(pk): h for pk, h in Person.objects.values_list("pk", "personal_id_hash")}
    facts: dict[str, str] = {}
    for table in FACT_TABLES.values():
        for row in table.model._default_manager.values("lineage", "superseded_at", *table.model_fields):
            lineage = row.pop("lineage")
            if row.pop("superseded_at") is None:
                facts[str(lineage)] = repr(sorted(row.items()))
    out: dict[str, list[str]] = {}
    for model in written_models(entities()):
        skip = {f.attname for f in model._meta.concrete_fields
                if f.primary_key or isinstance(f, m.UUIDField | m.DateTimeField)
                or f.attname in {"run_id", "fact_id", "person_id", "personal_id_encrypted", "employer_id"}}
        rows = []
        for row in model._default_manager.values(*(f.attname for f in model._meta.concrete_fields)):
            person = row.get("person_id") if model is not Person else row.get("id")
            # The run's minute in a correction's reason is the clock's, not the path's.
            kept = [(k, WHEN.sub("…", v) if k == "correction_reason" else v) for k, v in row.items() if k not in skip]
            extra: list[tuple[str, Any]] = [("superseded", row["superseded_at"] is not None)] if "superseded_at" in row else []
            if model is SourceRecord:
                extra = [("fact", facts.get(str(row["lineage"]), "none") if row["lineage"] else "-"),
                         ("retracted", row["retracted_at"] is not None)]
            rows.append(repr(sorted([*kept, *extra, ("person", hashes.get(str(person), ""))])))
        out[model._meta.label] = sorted(rows)
    return out


def _outcome(run: ExchangeRun) -> tuple[Any, ...]:
    return (run.status, run.counts, [{k: v for k, v in f.items() if k != "sha256"} for f in run.files],
            run.problem_count, list(run.problems.values_list("file", "row", "column", "code", "message")))


def _both(monkeypatch: pytest.MonkeyPatch, steps: Callable[[], list[ExchangeRun]],
          entity: str | None = "benefit_months") -> list[Any]:
    """Run ``steps`` (imports) on the row path and on the set-based path from the same state; assert the same
    outcome and database. Returns, per file of ``entity`` the set-based path was offered, whether it took it (every
    entity's when None: (entity, taken) pairs)."""
    results = []
    taken: list[Any] = []
    original = setbased.SetBased.stage

    def spy(self: setbased.SetBased, offered: str, *args: Any, **kwargs: Any) -> Any:
        found = original(self, offered, *args, **kwargs)
        if entity is None:
            taken.append((offered, found is not None))
        elif offered == entity:
            taken.append(found is not None)
        return found

    monkeypatch.setattr(setbased.SetBased, "stage", spy)
    for enabled in (False, True):
        monkeypatch.setattr(setbased, "ENABLED", enabled)
        taken.clear()
        try:
            with transaction.atomic():
                runs = steps()
                results.append(([_outcome(r) for r in runs], _database()))
                raise _Rollback
        except _Rollback:
            pass
    (row_runs, row_db), (set_runs, set_db) = results
    assert set_runs == row_runs
    for label in row_db:
        a, b = set(row_db[label]) - set(set_db[label]), set(set_db[label]) - set(row_db[label])
        assert not a, (label, sorted(a)[:1], sorted(b)[:1])
        assert not b, (label, sorted(b)[:1])
    return list(taken)


# -- a simulated export, its re-import and a delta -----------------------------------------------------------------

def _delta(source: Path, target: Path) -> Path:
    """Every fifth person's benefit rows with a cent more, and a new month for some: a monthly correction."""
    with source.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream, delimiter=";")
        fields = reader.fieldnames or []
        rows = list(reader)
    persons = sorted({r["person_id"] for r in rows})[::5]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, delimiter=";", lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(r for r in rows if r["person_id"] in persons):
        if i % 3 == 0 and int(row["days"]) > 0:
            euros, cents = row["amount"].split(",")
            total = int(euros) * 100 + int(cents) + 1
            row["amount"] = f"{total // 100},{total % 100:02d}"
        writer.writerow(row)
    target.mkdir()
    return write(target, "benefit_months.csv", out.getvalue())


def simulated_export(directory: Path, seed: int, persons: int) -> list[Path]:
    """A simulated area with its case work, exported to ``directory``, and the database emptied of it again."""
    from polku.casework.demo import simulate_casework
    from polku.exchange.exporter import export_files
    from polku.simulator.writers import simulate_into_database

    simulate_into_database("kuopio-area-2023", seed=seed, persons=persons, progress=False)
    simulate_casework("kuopio")
    export_files(directory, municipalities=None)
    Person.objects.all().delete()
    ExchangeRun.objects.all().delete()
    return sorted(directory.glob("*.csv"))


def test_a_simulated_export_imports_the_same_on_either_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            admin: Any) -> None:
    files = simulated_export(tmp_path / "export", seed=4, persons=150)
    delta = _delta(tmp_path / "export" / "benefit_months.csv", tmp_path / "delta")

    def steps() -> list[ExchangeRun]:
        return [run_import(admin, files), run_import(admin, files), run_import(admin, [delta])]

    taken = _both(monkeypatch, steps, entity=None)
    offered = sorted({name for name, _ in taken})
    assert offered == sorted(setbased.ENTITIES), "every entity the path knows was in the export"
    assert all(took for _, took in taken), [name for name, took in taken if not took]


# -- the samples and messy files: the row path's own (the set-based path leaves them) -----------------------------

def test_the_samples_import_the_same_on_either_path(monkeypatch: pytest.MonkeyPatch, admin: Any) -> None:
    files = sorted(SAMPLE_DIR.glob("*.csv"))
    _both(monkeypatch, lambda: [run_import(admin, files), run_import(admin, files)])


PERSONS = f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;Ahola\np2;{EERO};Eero;Eskola\n"
HEADER = "source_system;source_id;person_system;person_id;month;benefit_type;basis;days;amount;deleted\n"


def _benefits(tmp_path: Path, rows: str, name: str = "benefit_months.csv", encoding: str = "utf-8") -> list[Path]:
    directory = tmp_path / f"f{len(list(tmp_path.iterdir()))}"
    directory.mkdir()
    return [write(directory, "persons.csv", PERSONS), write(directory, name, rows, encoding)]


MESSY = ("source_id;person_id;month;benefit_type;days;amount\n"
         "b1;p1;2021-02;basic_allowance;21;781,41\nb2;p2;02/2021;basic_allowance;20;1 781,41\n"
         "b3;p2;2021-03;basic_allowance;20;-0,00\nb4;p2;2021-13;basic_allowance;2,0;1.500\n"
         "b5;p2;2021-04;basic_allowance;0;10,00\nb6;p2;2021-05;basic_allowance;5;10,005\n"
         "b7;p2;2021-06;basic_allowance;5;10,5;extra\nb8;p2;2021-07;basic_allowance;-1;0\n\n"
         "b9;p2;2021-08;Basic_Allowance;007;7\n")


def test_messy_files_are_refused_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin: Any) -> None:
    files = _benefits(tmp_path, MESSY, encoding="cp1252")
    assert _both(monkeypatch, lambda: [run_import(admin, files)]) == [False]


# -- each condition that sends the file back to the row path, and what the set-based path takes --------------------

CASES = {
    "plain": ("polku;b1;;p1;2024-01;basic_allowance;;20;700,00;\n;b2;;p2;2024-02;labour_market_subsidy;service;0;0,00;"
              "false\n", True),
    "blank lines and missing cells": ("\n;b1;;p1;2024-01;basic_allowance;;20;700,00\n\n;b2;;p2;2024-03;"
                                      "basic_allowance;;3;1,00;;\n", True),
    "a day too many": (";b1;;p1;2024-02;basic_allowance;;22;700,00;\n", False),
    "together too many": (";b1;;p1;2024-02;basic_allowance;;11;1,00;\n;b2;;p1;2024-02;basic_allowance;service;11;"
                          "1,00;\n", False),
    "the same kind twice": (";b1;;p1;2024-02;basic_allowance;;1;1,00;\n;b2;;p1;2024-02;basic_allowance;;1;1,00;\n",
                            False),
    "a key twice": (";b1;;p1;2024-02;basic_allowance;;1;1,00;\n;b1;;p1;2024-03;basic_allowance;;1;1,00;\n", False),
    "before birth": (";b1;;p1;1989-12;basic_allowance;;1;1,00;\n", False),
    "the birth month": (";b1;;p1;1990-01;basic_allowance;;1;1,00;\n", True),
    "not yet paid": (";b1;;p1;2099-01;basic_allowance;;1;1,00;\n", False),
    "unknown person": (";b1;;p9;2024-01;basic_allowance;;1;1,00;\n", False),
    "another system's person": (";b1;kela;p1;2024-01;basic_allowance;;1;1,00;\n", False),
    "an identity code as id": (f";{AINO};;p1;2024-01;basic_allowance;;1;1,00;\n", False),
    "an identity code inside an id": (f";b-{AINO}.x;;p1;2024-01;basic_allowance;;1;1,00;\n", False),
    "an identity code in the person's id": (f";b1;;{AINO};2024-01;basic_allowance;;1;1,00;\n", False),
    "an id with a space": (";b 1;;p1;2024-01;basic_allowance;;1;1,00;\n", False),
    "an id with a letter of its own": (";bä1;;p1;2024-01;basic_allowance;;1;1,00;\n", False),
    "an id of the longest length": (f";{'b' * 120};;p1;2024-01;basic_allowance;;1;1,00;\n", True),
    "an id too long": (f";{'b' * 121};;p1;2024-01;basic_allowance;;1;1,00;\n", False),
    "a system too long": (f"{'s' * 41};b1;;p1;2024-01;basic_allowance;;1;1,00;\n", False),
    "a NUL in a cell": (";b1;;p1;2024-01;basic_allowance;;5\x00x;1,00;\n", False),
    "a NUL in an amount": (";b1;;p1;2024-01;basic_allowance;;1;1,00\x00x;\n", False),
    # The staging asks for a person's keys once for the rows that follow: the next person's are asked again.
    "the next row's person by identity code": (f";b1;;p1;2024-01;basic_allowance;;1;1,00;\n;b2;;{AINO};2024-02;"
                                               "basic_allowance;;1;1,00;\n", False),
    "the next row's person in a system of spaces": (";b1;;p1;2024-01;basic_allowance;;1;1,00;\n;b2;x y;p1;2024-02;"
                                                    "basic_allowance;;1;1,00;\n", False),
    "one person's rows, then another's": (";b1;;p1;2024-01;basic_allowance;;1;1,00;\n;b2;;p1;2024-02;basic_allowance;"
                                          ";1;1,00;\n;b3;;p2;2024-02;basic_allowance;;1;1,00;\n", True),
    "a deletion": (";b1;;p1;2024-01;basic_allowance;;1;1,00;true\n", False),
    "money without days": (";b1;;p1;2024-01;basic_allowance;;0;1,00;\n", False),
    "a Finnish month": (";b1;;p1;1/2024;basic_allowance;;1;1,00;\n", False),
    "an unknown code": (";b1;;p1;2024-01;basic;;1;1,00;\n", False),
    "spaces": (";b1;;p1; 2024-01;basic_allowance;;1;1,00;\n", False),
    "a leading zero": (";b1;;p1;2024-01;basic_allowance;;01;01,00;\n", False),
    "an extra cell": (";b1;;p1;2024-01;basic_allowance;;1;1,00;;x\n", False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_condition(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin: Any) -> None:
    rows, certain = CASES[case]
    files = _benefits(tmp_path, HEADER + rows)
    assert _both(monkeypatch, lambda: [run_import(admin, files)]) == [certain]


def test_changes_against_what_polku_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin: Any) -> None:
    """A second file against the first: unchanged, changed, new; a change of person; a month the person's current
    rows would overfill; a record retracted earlier and sent again."""
    first = _benefits(tmp_path, HEADER + ";b1;;p1;2024-01;basic_allowance;;10;100,00;\n"
                      ";b2;;p1;2024-02;basic_allowance;;10;100,00;\n;b3;;p2;2024-02;basic_allowance;;10;100,00;\n")
    same = _benefits(tmp_path, HEADER + ";b1;;p1;2024-01;basic_allowance;;10;100,00;\n"
                     ";b2;;p1;2024-02;basic_allowance;;10;100,01;\n;b4;;p1;2024-03;basic_allowance;;10;100,00;\n")
    moved = _benefits(tmp_path, HEADER + ";b3;;p1;2024-02;earnings_related_allowance;;1;1,00;\n")
    overfilled = _benefits(tmp_path, HEADER + ";b5;;p1;2024-02;earnings_related_allowance;;12;1,00;\n")
    replaced = _benefits(tmp_path, HEADER + ";b2;;p1;2024-02;basic_allowance;;20;100,00;\n"
                         ";b6;;p1;2024-01;basic_allowance;service;2;1,00;\n")
    deleted = _benefits(tmp_path, HEADER + ";b1;;p1;2024-01;basic_allowance;;10;100,00;true\n")

    def steps() -> list[ExchangeRun]:
        return [run_import(admin, first), run_import(admin, same), run_import(admin, moved),
                run_import(admin, overfilled), run_import(admin, replaced), run_import(admin, deleted),
                run_import(admin, first), run_import(admin, [first[1]], dry_run=True)]

    assert _both(monkeypatch, steps) == [True, True, False, False, True, False, False, True]


def test_a_full_snapshot_and_an_area_steward_take_the_row_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               admin: Any, make_staff: Any) -> None:
    steward = make_staff(role=Role.DATA_STEWARD, area="kuopio").user
    homes = "source_id;person_id;municipality;start_date\nh1;p1;297;2020-01-01\nh2;p2;091;2020-01-01\n"
    files = _benefits(tmp_path, HEADER + ";b1;;p1;2024-01;basic_allowance;;10;100,00;\n"
                      ";b2;;p2;2024-01;basic_allowance;;10;100,00;\n")
    files.append(write(files[0].parent, "homes.csv", homes))
    later = _benefits(tmp_path, HEADER + ";b1;;p1;2024-01;basic_allowance;;10;100,01;\n")

    def steps() -> list[ExchangeRun]:
        return [run_import(admin, files), run_import(admin, later, mode="full", scope_code="kuopio"),
                run_import(steward, later), run_import(steward, files)]

    assert _both(monkeypatch, steps) == [True]


# -- random files ----------------------------------------------------------------------------------------------

CELLS = {
    "source_system": ["", "", "polku", "kela", " polku"],
    "source_id": ["b1", "b2", "b3", "b4", "", AINO, "b 1"],
    "person_system": ["", "", "polku", "kela"],
    "person_id": ["p1", "p2", "p1", "p9", ""],
    "month": ["2024-01", "2024-02", "2024-02", "1989-12", "1990-01", "2099-01", "2024-13", "02/2024", "202402"],
    "benefit_type": ["basic_allowance", "labour_market_subsidy", "earnings_related_allowance", "x"],
    "basis": ["", "unemployment", "service", "x"],
    "days": ["0", "5", "10", "20", "21", "23", "24", "07", "-1"],
    "amount": ["0,00", "1,00", "100,00", "781,41", "0781,41", "10,5", "1.5", "99999999,99", "100000000,00"],
    "deleted": ["", "false", "0", "true", "x"],
}


@st.composite
def _rows(draw: st.DrawFn, plain: bool) -> str:
    names = list(CELLS)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(names)
    n = draw(st.integers(1, 6))
    for _ in range(n):
        # Mostly cells of the form an export writes, so that the set-based path takes many of the files.
        writer.writerow([draw(st.sampled_from(CELLS[name][:3] if plain and name not in ("month", "days", "amount")
                                              else CELLS[name])) for name in names])
    return out.getvalue()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.tuples(_rows(plain=True), _rows(plain=False), _rows(plain=True)))
def test_random_files(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, admin: Any,
                      texts: tuple[str, str, str]) -> None:
    """Three random files in a row (the second with any cell), each against what the ones before left."""
    directory = tmp_path_factory.mktemp("random")
    files = [_benefits(directory, text) for text in texts]
    _both(monkeypatch, lambda: [run_import(admin, f) for f in files])


def test_the_form_check_knows_the_schema() -> None:
    """The fields the staging table holds are the schema's (a field added there must be added here)."""
    assert set(entities()["benefit_months"].field_names) == set(setbased.FIELDS)


def test_either_path_finds_the_others_records_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        admin: Any) -> None:
    """The content hash the SQL computes is the row path's, byte for byte: a file imported on one path is unchanged
    on the other (and a changed amount is changed)."""
    rows = "".join(f";b{i};;p{1 + i % 2};2024-{1 + i // 4:02d};{kind};{basis};{i % 5};{i % 5},{i:02d};\n"
                   for i, (kind, basis) in enumerate(
                       [("basic_allowance", ""), ("labour_market_subsidy", "service"),
                        ("earnings_related_allowance", "unemployment")] * 12) if i % 5)
    files = _benefits(tmp_path, HEADER + rows)
    changed = _benefits(tmp_path, HEADER + rows.replace(";1,01;", ";1,02;"))
    for first, second in ((False, True), (True, False)):
        with transaction.atomic():
            monkeypatch.setattr(setbased, "ENABLED", first)
            assert run_import(admin, files).counts["benefit_months"]["new"] == rows.count("\n")
            monkeypatch.setattr(setbased, "ENABLED", second)
            counts = run_import(admin, files).counts["benefit_months"]
            assert counts == {"new": 0, "changed": 0, "unchanged": rows.count("\n"), "retracted": 0, "refused": 0}
            counts = run_import(admin, changed).counts["benefit_months"]
            assert (counts["changed"], counts["unchanged"]) == (1, rows.count("\n") - 1)
            transaction.set_rollback(True)


@pytest.mark.parametrize(("keys", "uncertain"), [
    (("polku", "b1", "polku", "p1", None), False),
    ((None, "b1", "", "p1", ""), False),  # systems left out: the profile's
    (("kela:etuudet/v2", "etuus-1.2", None, "hlo:42", None), False),
    ((None, "b1", None, "p1", "x"), True),  # the person named by identity code: the row path looks them up
    ((None, "", None, "p1", None), True),
    ((None, "b1", None, None, None), True),
    (("s" * 40, "b1", None, "p1", None), False),
    (("s" * 41, "b1", None, "p1", None), True),
    ((None, "b1", "kela etuudet", "p1", None), True),
    ((None, f"x{AINO}", None, "p1", None), False),  # glued to a letter: no code, as the row path reads it
    ((None, f"x-{AINO}", None, "p1", None), True),
    ((None, "b1", None, AINO.lower(), None), True),
])
def test_keys_uncertain(keys: tuple[str | None, ...], uncertain: bool) -> None:
    """Golden cases of the keys' verdict made as the rows are staged (the condition tests run it against the row
    path)."""
    source_system, source_id, person_system, person_id, personal_id = keys
    assert keys_uncertain(source_system, source_id, personal_id,
                          person_uncertain=key_uncertain(person_system, person_id)) is uncertain
