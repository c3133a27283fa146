"""Guards found by a review of the import: a steward stays in their area, Polku's own export imports back into the
same installation without change, persons are found in the system the row names, identity codes never reach a
problem, and the readers refuse what they cannot read faithfully."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from polku.access.models import Role, Team
from polku.casework.demo import simulate_casework
from polku.exchange.models import ExchangeRun, ImportProblem, RunKind, RunStatus
from polku.exchange.services import export_now, settle
from polku.people.models import Person
from polku.reference.models import EmploymentArea
from polku.simulator.writers import simulate_into_database
from polku.timeline.models import StatusSpell
from tests.exchange.helpers import AINO, OLLI, run_import, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("partitioning")]


def _messages(run: ExchangeRun) -> list[tuple[int | None, str, str]]:
    return list(ImportProblem.objects.filter(run=run).values_list("row", "column", "message"))


def test_a_steward_cannot_delete_or_take_over_another_areas_records(tmp_path: Path, make_staff: Any) -> None:
    admin = make_staff(role=Role.ADMIN, area=None).user
    sotkamo = [write(tmp_path, "persons.csv", f"source_system;source_id;personal_id;first_names;last_name\n"
                                               f"kainuu;s1;{AINO};Aino;Ahola\n"),
               write(tmp_path, "homes.csv", "source_system;source_id;person_id;municipality;start_date\n"
                                             "kainuu;h1;s1;765;1.1.2015\n"),
               write(tmp_path, "status_spells.csv", "source_system;source_id;person_id;status;start_date\n"
                                                     "kainuu;ks-1;s1;unemployed;1.2.2024\n")]
    assert run_import(admin, sotkamo).status == RunStatus.DONE
    steward = make_staff(role=Role.DATA_STEWARD, area="kuopio").user
    own = tmp_path / "own"
    own.mkdir()
    files = [write(own, "persons.csv", f"source_id;personal_id;first_names;last_name\nk1;{OLLI};Olli;Oinonen\n"),
             write(own, "homes.csv", "source_id;person_id;municipality;start_date\nkh1;k1;297;1.1.2020\n"),
             write(own, "status_spells.csv", "source_system;source_id;person_id;status;start_date;deleted\n"
                                              "kainuu;ks-1;k1;unemployed;1.2.2024;kyllä\n")]
    run = run_import(steward, files)
    assert run.status == RunStatus.REFUSED
    assert ("status_spells.csv", "person_id", "conflict") in set(
        run.problems.values_list("file", "column", "code")) or run.problems.filter(code="forbidden").exists()
    assert StatusSpell.objects.filter(superseded_at__isnull=True).count() == 1
    # The Sotkamo resident's identity code with a past home in Kuopio does not bring her into the steward's reach.
    takeover = [write(own, "persons.csv", f"source_id;personal_id;first_names;last_name\nk2;{AINO};Muutettu;Nimi\n"),
                write(own, "homes.csv", "source_id;person_id;municipality;start_date;end_date\n"
                                         "kh2;k2;297;1.1.2000;31.12.2001\n")]
    run = run_import(steward, takeover)
    assert run.status == RunStatus.REFUSED
    assert set(run.problems.values_list("code", flat=True)) == {"forbidden"}
    assert Person.objects.get(first_names="Aino").last_name == "Ahola"


def test_polkus_own_export_imports_back_into_the_same_installation_unchanged(tmp_path: Path, make_staff: Any) -> None:
    simulate_into_database("sotkamo-2021", seed=3, persons=150, progress=False)
    simulate_casework("kainuu", municipalities=["765"])
    admin = make_staff(role=Role.ADMIN, area=None).user
    _, written = export_now(user=admin, out_dir=tmp_path, scope_code=None)
    before = {model: model.objects.count() for model in (Person, StatusSpell)}
    run = run_import(admin, sorted(tmp_path.glob("*.csv")))
    assert run.status == RunStatus.DONE, _messages(run)[:5]
    assert all(c["new"] == c["changed"] == c["retracted"] == 0 for c in run.counts.values()), run.counts
    assert sum(c["unchanged"] for c in run.counts.values()) == sum(f.rows for f in written)
    assert {model: model.objects.count() for model in (Person, StatusSpell)} == before


def test_the_person_is_found_in_the_system_the_row_names(tmp_path: Path, make_staff: Any) -> None:
    admin = make_staff(role=Role.ADMIN, area=None).user
    first = [write(tmp_path, "persons.csv", f"source_system;source_id;personal_id;first_names;last_name\n"
                                             f"polku;hlo-1;{AINO};Aino;Ahola\n"),
             write(tmp_path, "homes.csv", "source_system;source_id;person_id;municipality;start_date\n"
                                           "polku;h1;hlo-1;297;1.1.2015\n")]
    assert run_import(admin, first).status == RunStatus.DONE
    second = tmp_path / "second"
    second.mkdir()
    files = [write(second, "persons.csv", f"source_system;source_id;personal_id;first_names;last_name\n"
                                           f"kela;hlo-1;{OLLI};Kalle;Kokko\n"),
             write(second, "homes.csv", "source_system;source_id;person_id;municipality;start_date\n"
                                         "kela;h2;hlo-1;297;1.1.2016\n"),
             write(second, "meetings.csv", "source_system;source_id;person_system;person_id;held_on;kind;channel\n"
                                            "polku;m1;;hlo-1;2.2.2024;initial_interview;phone\n"
                                            "polku;m2;kela;hlo-1;3.2.2024;initial_interview;phone\n")]
    assert run_import(admin, files).status == RunStatus.DONE
    meetings = dict(Person.objects.filter(meetings__isnull=False).values_list("meetings__held_on", "first_names"))
    assert meetings == {date(2024, 2, 2): "Aino", date(2024, 2, 3): "Kalle"}


def test_identity_codes_never_reach_a_problem(tmp_path: Path, make_staff: Any) -> None:
    admin = make_staff(role=Role.ADMIN, area=None).user
    files = [write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\n{OLLI};{AINO};Aino;Ahola\n"),
             write(tmp_path, "meetings.csv", f"source_id;person_id;held_on;kind;channel\n"
                                              f"m1;{AINO};2.2.2024;initial_interview;phone\n"
                                              f"m2;p1;{AINO};{AINO};phone\n")]
    run = run_import(admin, files)
    assert run.status == RunStatus.REFUSED
    text = json.dumps(_messages(run))
    assert AINO not in text
    assert OLLI not in text
    assert AINO[:6] + AINO[6] not in text


def test_a_known_key_with_a_new_identity_code_is_refused(tmp_path: Path, make_staff: Any) -> None:
    admin = make_staff(role=Role.ADMIN, area=None).user
    run_import(admin, [write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;A\n")])
    run = run_import(admin, [write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\n"
                                                          f"p1;{OLLI};Olli;O\n")])
    assert run.status == RunStatus.REFUSED
    assert _messages(run)[0][1] == "personal_id"
    assert Person.objects.get().first_names == "Aino"


def test_persons_without_a_team_keep_the_team_set_in_polku(tmp_path: Path, make_staff: Any) -> None:
    admin = make_staff(role=Role.ADMIN, area=None).user
    files = [write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;A\n")]
    run_import(admin, files)
    team = Team.objects.create(area=EmploymentArea.objects.get(code="kuopio"), name="Nuoret")
    Person.objects.update(team=team)
    write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino Maria;A\n")
    assert run_import(admin, files).counts["persons"]["changed"] == 1
    person = Person.objects.get()
    assert (person.first_names, person.team_id) == ("Aino Maria", team.pk)


def test_readers_refuse_what_they_cannot_read_faithfully(tmp_path: Path, make_staff: Any) -> None:
    admin = make_staff(role=Role.ADMIN, area=None).user
    misspelt = write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name;languag\np1;{AINO};A;B;fi\n")
    assert _messages(run_import(admin, [misspelt])) == [(1, "languag", "Tuntematon sarake languag: tarkista sarakkeen nimi.")]
    undefined = write(tmp_path, "persons.csv", "source_id;personal_id;first_names;last_name\n")
    undefined.write_bytes(undefined.read_bytes() + b"p1;x;\x81\xe4;B\n")
    run = run_import(admin, [undefined])
    assert run.status == RunStatus.REFUSED
    assert "Windows-1252" in _messages(run)[0][2]
    lines = [{"source_id": "p1", "personal_id": AINO, "first_names": "A", "last_name": "B"},
             {"source_id": "h1", "person_id": "p1", "municipality": "297", "start_date": "2020-01-01"},
             {"source_id": "h2", "person_id": "p1", "municipality": "297", "start_date": "2019-01-01",
              "end_date": "2019-06-30"}]
    write(tmp_path, "persons.jsonl", json.dumps(lines[0]) + "\n")
    homes = write(tmp_path, "homes.jsonl", "\n" + json.dumps(lines[1]) + "\n" + json.dumps(lines[2]) + "\n")
    run = run_import(admin, [tmp_path / "persons.jsonl", homes])
    assert run.status == RunStatus.DONE, _messages(run)
    from polku.timeline.models import HomeMunicipalitySpell

    assert HomeMunicipalitySpell.objects.get(start_date=date(2019, 1, 1)).end_date == date(2019, 6, 30)
    ambiguous = write(tmp_path, "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                                       "b1;p1;2021-02;basic_allowance;20;1.500\n")
    assert "desimaalipilkkua" in _messages(run_import(admin, [ambiguous]))[0][2]


def test_an_export_does_not_remove_a_directory_that_was_there(tmp_path: Path, make_staff: Any,
                                                               monkeypatch: Any) -> None:
    admin = make_staff(role=Role.ADMIN, area=None).user
    (tmp_path / "thesis.docx").write_text("mine")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr("polku.exchange.services.export_files", broken)
    with pytest.raises(RuntimeError):
        export_now(user=admin, out_dir=tmp_path, scope_code=None)
    assert (tmp_path / "thesis.docx").read_text() == "mine"


def test_a_command_line_run_left_running_without_its_lock_is_interrupted(make_staff: Any) -> None:
    admin = make_staff(role=Role.ADMIN, area=None).user
    run = ExchangeRun.objects.create(kind=RunKind.IMPORT, status=RunStatus.RUNNING, profile="polku-exchange-v1",
                                     created_by=admin, started_at=timezone.now() - timedelta(hours=1))
    assert settle(run).status == RunStatus.INTERRUPTED
