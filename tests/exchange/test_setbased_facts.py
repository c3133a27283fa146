"""The set-based path for the other dated facts (:mod:`polku.exchange.setbased_facts`) writes what the row path
writes and refuses what it refuses: each condition that sends a file back to the row path, per entity, the files it
takes, and changes against what Polku holds — each run on both paths from the same state (see ``test_setbased``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polku.access.models import Role
from polku.exchange.models import ExchangeRun
from polku.provision.models import Decision
from tests.exchange.helpers import run_import, write
from tests.exchange.test_setbased import PERSONS, _both

pytestmark = pytest.mark.django_db

HEADERS = {
    "status_spells": "source_id;person_id;status;service_type;start_date;end_date",
    "homes": "source_id;person_id;municipality;start_date;end_date",
    "job_searches": "source_id;person_id;registered_on;ended_on;end_reason",
    "employment_conditions": "source_id;person_id;met_on",
    "meetings": "source_id;person_id;held_on;kind;channel",
    "application_reports": "source_id;person_id;period_start;applications;reported_on",
}

# (entity, rows, whether the set-based path takes the file). Persons: p1 born 1.1.1990, p2 born 15.6.1985.
CASES: dict[str, tuple[str, str, bool]] = {
    "spells": ("status_spells", "s1;p1;unemployed;;2024-01-01;2024-01-31\ns2;p1;in_service;coaching;2024-02-01;\n"
               "s3;p2;employed;;2020-05-05;\n", True),
    "spells that touch": ("status_spells", "s1;p1;unemployed;;2024-01-01;2024-01-31\n"
                          "s2;p1;outside;;2024-01-31;\n", False),
    "an end before the start": ("status_spells", "s1;p1;unemployed;;2024-01-31;2024-01-01\n", False),
    "a service on no service": ("status_spells", "s1;p1;unemployed;coaching;2024-01-01;\n", False),
    "a service spell without one": ("status_spells", "s1;p1;in_service;;2024-01-01;\n", False),
    "a spell before birth": ("status_spells", "s1;p1;outside;;1989-12-31;\n", False),
    "a Finnish date": ("status_spells", "s1;p1;outside;;1.1.2024;\n", False),
    "a day that is not": ("status_spells", "s1;p1;outside;;2023-02-29;\n", False),
    "far ahead": ("status_spells", "s1;p1;outside;;2099-01-01;\n", False),
    "an unknown status": ("status_spells", "s1;p1;asleep;;2024-01-01;\n", False),
    "an unknown person": ("status_spells", "s1;p9;outside;;2024-01-01;\n", False),
    "a deletion": ("status_spells", "s1;p1;outside;;2024-01-01;;true\n", False),
    "homes": ("homes", "h1;p1;297;2020-01-01;2022-12-31\nh2;p1;091;2023-01-01;\n", True),
    "a municipality of two digits": ("homes", "h1;p1;91;2020-01-01;\n", False),
    "an unknown municipality": ("homes", "h1;p1;999;2020-01-01;\n", False),
    "a municipality that ended": ("homes", "h1;p1;588;2020-01-01;\n", False),
    "within a municipality's years": ("homes", "h1;p1;588;2020-01-01;2024-12-31\n", True),
    "before a municipality began": ("homes", "h1;p1;020;2000-01-01;\n", False),
    "job searches": ("job_searches", "j1;p1;2023-01-01;2023-06-30;studies\nj2;p1;2024-01-01;;\n", True),
    "an end without a reason": ("job_searches", "j1;p1;2023-01-01;2023-06-30;\n", False),
    "a reason without an end": ("job_searches", "j1;p1;2023-01-01;;studies\n", False),
    "employment conditions": ("employment_conditions", "e1;p1;2023-01-01\ne2;p2;2023-01-01\n", True),
    "a condition twice a day": ("employment_conditions", "e1;p1;2023-01-01\ne2;p1;2023-01-01\n", False),
    "meetings": ("meetings", "m1;p1;2024-01-02;initial_interview;phone\nm2;p1;2024-01-02;other;video\n", True),
    "an unknown channel": ("meetings", "m1;p1;2024-01-02;initial_interview;fax\n", False),
    "reports": ("application_reports", "r1;p1;2024-01-01;4;2024-02-01\nr2;p1;2024-02-01;0;2024-03-01\n", True),
    "a report with a leading zero": ("application_reports", "r1;p1;2024-01-01;04;2024-02-01\n", False),
    "a report over the range": ("application_reports", "r1;p1;2024-01-01;100;2024-02-01\n", False),
    "a period twice": ("application_reports", "r1;p1;2024-01-01;4;2024-02-01\nr2;p1;2024-01-01;3;2024-02-02\n",
                       False),
}


@pytest.fixture
def admin(make_staff: Any) -> Any:
    return make_staff(role=Role.ADMIN, area=None).user


def _files(tmp_path: Path, entity: str, rows: str, extra: str = "") -> list[Path]:
    directory = tmp_path / f"f{len(list(tmp_path.iterdir()))}"
    directory.mkdir()
    header = HEADERS[entity] + (";deleted" if "true" in rows else "")
    return [write(directory, "persons.csv", PERSONS), write(directory, f"{entity}.csv", f"{header}\n{rows}")]


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_condition(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin: Any) -> None:
    entity, rows, certain = CASES[case]
    files = _files(tmp_path, entity, rows)
    assert _both(monkeypatch, lambda: [run_import(admin, files)], entity=entity) == [certain]


def test_changes_against_what_polku_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin: Any) -> None:
    """Spells against the ones held: unchanged, a changed end, a new one after; one overlapping a held spell; the
    same person's spell moved so that it no longer overlaps what the file changes; a spell of another person's key;
    the first file again, whose open spell would now overlap the one that followed it."""
    entity = "status_spells"
    first = _files(tmp_path, entity, "s1;p1;unemployed;;2024-01-01;2024-01-31\ns2;p1;outside;;2024-02-01;\n")
    changed = _files(tmp_path, entity, "s1;p1;unemployed;;2024-01-01;2024-01-31\n"
                                       "s2;p1;outside;;2024-02-01;2024-02-29\ns3;p1;employed;;2024-03-01;\n")
    overlapping = _files(tmp_path, entity, "s4;p1;unemployed;;2024-02-15;2024-02-20\n")
    moved = _files(tmp_path, entity, "s3;p1;employed;;2024-03-05;\ns5;p1;unemployed;;2024-03-01;2024-03-04\n")
    other_person = _files(tmp_path, entity, "s1;p2;unemployed;;2024-01-01;2024-01-31\n")

    def steps() -> list[ExchangeRun]:
        return [run_import(admin, files) for files in (first, changed, overlapping, moved, other_person, first)]

    assert _both(monkeypatch, steps, entity=entity) == [True, True, False, True, False, False]


@pytest.mark.parametrize("ending", ["\n", ""])
def test_homes_stay_on_the_row_path_beside_decisions(ending: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     admin: Any) -> None:
    """A decision without a paying municipality is paid by the person's home in the same import: the homes go
    through the row path with it — also when the decisions file has one row and no line break after it."""
    files = _files(tmp_path, "homes", "h1;p1;297;2020-01-01;\n")
    files.append(write(files[0].parent, "decisions.csv",
                       "source_id;person_id;kind;monthly_amount;months;start_date;decided_on\n"
                       f"d1;p1;start_up_grant;800,00;6;2024-01-01;2023-12-15{ending}"))
    runs: list[ExchangeRun] = []

    def steps() -> list[ExchangeRun]:
        runs.append(run_import(admin, files))
        return runs[-1:]

    assert _both(monkeypatch, steps, entity="homes") == []
    assert runs[-1].status == "done"
    assert Decision.objects.count() == 0  # both runs rolled back; the comparison above saw the paying municipality


def test_a_header_twice_takes_the_row_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin: Any) -> None:
    """The row reader takes a repeated header's last cell (and here refuses it): the set-based path leaves the file."""
    directory = tmp_path / "twice"
    directory.mkdir()
    for n, last in enumerate(("2023-02-02", "eilen")):
        files = [write(directory, "persons.csv", PERSONS),
                 write(directory, "employment_conditions.csv",
                       f"source_id;person_id;met_on;MET_ON\ne{n};p1;2023-01-01;{last}\n")]

        def steps(files: list[Path] = files) -> list[ExchangeRun]:
            return [run_import(admin, files)]

        assert _both(monkeypatch, steps, entity="employment_conditions") == [False]

SPELL_CELLS = {
    "source_id": ["s1", "s2", "s3", "s4", "s1"],
    "person_id": ["p1", "p2", "p1", "p9"],
    "status": ["unemployed", "outside", "in_service", "asleep"],
    "service_type": ["", "", "coaching", "x"],
    "start_date": ["2024-01-01", "2024-01-20", "2024-02-01", "2024-03-01", "1989-12-31", "2024-02-30", "1.2.2024"],
    "end_date": ["", "", "2024-01-19", "2024-01-31", "2024-02-29", "2023-12-31", "2099-01-01"],
}


@st.composite
def _spells(draw: st.DrawFn) -> str:
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        rows.append(";".join(draw(st.sampled_from(cells)) for cells in SPELL_CELLS.values()))
    return "\n".join(rows) + "\n"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_spells(), min_size=1, max_size=3))
def test_random_spell_files(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, admin: Any,
                            texts: list[str]) -> None:
    """Random spell files in a row, each against what the ones before left: the same outcome and rows either way."""
    directory = tmp_path_factory.mktemp("spells")
    files = [_files(directory, "status_spells", text) for text in texts]
    _both(monkeypatch, lambda: [run_import(admin, f) for f in files], entity="status_spells")
