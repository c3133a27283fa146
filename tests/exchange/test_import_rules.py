"""The import's rules on small files: refusal of a messy real-shaped file, idempotence, corrections with history,
full-snapshot retraction, delta deletion, dry run, mapping profiles, formats, and who may import."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polku.access.models import AccessLog, Role
from polku.core.errors import AccessDenied, ValidationFailed
from polku.core.tabular import FORMULA_START, spreadsheet_text
from polku.exchange.models import ImportProblem, RunStatus, SourceRecord
from polku.exchange.presenters import problems_csv
from polku.people.models import Person
from polku.timeline.models import BenefitMonth, StatusSpell
from tests.exchange.helpers import AINO, EERO, OLLI, run_import, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("partitioning")]


@pytest.fixture
def admin(make_staff: Any) -> Any:
    return make_staff(role=Role.ADMIN, area=None).user


def _base(tmp_path: Path) -> list[Path]:
    return [
        write(tmp_path, "persons.csv", "source_id;personal_id;first_names;last_name\n"
                                        f"p1;{AINO};Aino;Ahola\np2;{EERO};Eero;Eskola\n"),
        write(tmp_path, "homes.csv", "source_id;person_id;municipality;start_date;end_date\n"
                                      "h1;p1;297;1.1.2020;\nh2;p2;297;2020-01-01;\n"),
        write(tmp_path, "status_spells.csv", "source_id;person_id;status;service_type;start_date;end_date\n"
                                              "s1;p1;unemployed;;4.1.2021;28.2.2021\n"
                                              "s2;p1;in_service;coaching;1.3.2021;\n"),
        write(tmp_path, "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                               "b1;p1;2021-02;basic_allowance;20;781,41\n"
                                               "b2;p2;2/2021;labour_market_subsidy;5;195,35\n"),
    ]


def test_a_messy_real_shaped_file_is_refused_whole_with_every_bad_row_named(tmp_path: Path, admin: Any) -> None:
    """cp1252, decimal commas, Finnish dates, an unknown service code, an overlapping spell, 21 days in February."""
    files = [
        write(tmp_path, "Henkilot.CSV", "SOURCE_ID;Personal_ID;First_Names;Last_Name;Language\n"
                                         f"p1;{AINO};Äijö;Öhman-Åberg;fi\np2;{EERO};Eero;Eskola;sv\n", "cp1252"),
        write(tmp_path, "homes.csv", "source_id;person_id;municipality;start_date\nh1;p1;297;1.1.2020\nh2;p2;91;1.1.2020\n",
               "cp1252"),
        write(tmp_path, "status_spells.csv", "source_id;person_id;status;service_type;start_date;end_date\n"
                                              "s1;p1;unemployed;;4.1.2021;31.3.2021\n"
                                              "s2;p1;in_service;koulutus-x;1.4.2021;\n"
                                              "s3;p2;unemployed;;1.2.2021;30.6.2021\n"
                                              "s4;p2;laid_off_full;;1.6.2021;\n", "cp1252"),
        write(tmp_path, "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                               "b1;p1;2021-02;basic_allowance;21;1 234,56\n"
                                               "b2;p2;02/2021;basic_allowance;20;781,41\n", "cp1252"),
    ]
    run = run_import(admin, files)
    assert run.status == RunStatus.REFUSED
    problems = {(p.file, p.row, p.column, p.code) for p in ImportProblem.objects.filter(run=run)}
    assert ("status_spells.csv", 3, "service_type", "invalid") in problems  # unknown code, row 3
    assert ("status_spells.csv", 5, "start_date", "overlap") in problems  # s4 overlaps s3
    assert ("benefit_months.csv", 2, "days", "too_many_days") in problems  # 21 > 20 weekdays in 2/2021
    assert len(problems) == 3, problems
    messages = " ".join(ImportProblem.objects.filter(run=run).values_list("message", flat=True))
    assert "koulutus-x" in messages
    assert AINO not in messages
    assert EERO not in messages
    assert not Person.objects.exists()
    assert not StatusSpell.objects.exists()
    assert not SourceRecord.objects.exists()
    assert run.counts["benefit_months"]["refused"] == 1


def test_identity_codes_are_never_echoed(tmp_path: Path, admin: Any) -> None:
    bad = AINO[:-1] + ("A" if AINO[-1] != "A" else "B")
    path = write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{bad};Aino;Ahola\n")
    run = run_import(admin, [path])
    problem = ImportProblem.objects.get(run=run)
    assert (problem.row, problem.column) == (2, "personal_id")
    assert bad not in problem.message
    assert bad[:6] not in problem.message


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f"])
def test_a_control_character_in_a_text_is_a_named_problem_not_a_database_error(
        tmp_path: Path, admin: Any, control: str) -> None:
    """PostgreSQL refuses a NUL in a text column: the import must name the cell instead of failing on the write."""
    path = write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;Ah{control}ola\n"
                                          f"p2;{EERO};Eero\tJuhani;Eskola\n")
    run = run_import(admin, [path])
    assert run.status == RunStatus.REFUSED
    problems = list(ImportProblem.objects.filter(run=run).values_list("file", "row", "column", "message"))
    assert [(file, row, column) for file, row, column, _message in problems] == [("persons.csv", 2, "last_name")]
    assert f"merkki U+{ord(control):04X} kohdassa 3 ei kelpaa" in problems[0][3]
    assert not Person.objects.exists()
    assert not SourceRecord.objects.exists()


def test_a_nul_in_a_date_or_a_header_is_named_and_never_repeated_back(tmp_path: Path, admin: Any) -> None:
    """The cell is checked before it is parsed (a date's refusal used to quote the cell, NUL and all, and
    PostgreSQL refused to store that problem); a header is shown with U+FFFD in place of the character."""
    files = [write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;Ahola\n"),
             write(tmp_path, "homes.csv", "source_id;person_id;municipality;start_date\nh1;p1;297;1.1.2020\x00\n"),
             write(tmp_path, "status_spells.csv", "source_id;person_id;status;start_date;li\x00sa\n"
                                                  "s1;p1;unemployed;1.1.2020;x\n")]
    run = run_import(admin, files)
    assert run.status == RunStatus.REFUSED
    problems = list(ImportProblem.objects.filter(run=run).values_list("file", "row", "column", "message"))
    named = [(file, row, column) for file, row, column, _message in problems]
    assert ("homes.csv", 2, "start_date") in named
    assert ("status_spells.csv", 1, "li\ufffdsa") in named
    assert all("\x00" not in column + message for _file, _row, column, message in problems)
    assert any("U+0000 kohdassa 9" in message for _file, _row, _column, message in problems)
    assert not Person.objects.exists()


def test_the_problem_list_never_hands_a_spreadsheet_a_formula(tmp_path: Path, admin: Any) -> None:
    """An unknown column and a bad cell are repeated in the downloadable problem list; a text that starts like a
    formula gets the spreadsheet's text mark, so opening the list in Excel shows it and runs nothing."""
    files = [write(tmp_path, "persons.csv", "source_id;personal_id;first_names;last_name;=HYPERLINK(\"x\")\n"
                                            f"p1;{AINO};Aino;Ahola;1\n"),
             write(tmp_path, "homes.csv", "source_id;person_id;municipality;start_date\nh1;p1;297;@SUM(1)\n")]
    run = run_import(admin, files)
    assert run.status == RunStatus.REFUSED
    rows = list(csv.reader(io.StringIO(problems_csv(run.problems.all()).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["tiedosto", "rivi", "sarake", "koodi", "syy"]
    columns = [row[2] for row in rows[1:]]
    assert "'=hyperlink(\"x\")" in columns  # header names are read case-insensitively
    assert any("@SUM(1)" in row[4] for row in rows[1:])
    assert all(not cell.startswith(FORMULA_START) for row in rows for cell in row)


@given(st.text())
def test_a_spreadsheet_text_never_starts_a_formula_and_keeps_the_text(text: str) -> None:
    shown = spreadsheet_text(text)
    assert not shown.startswith(FORMULA_START)
    assert shown.removeprefix("'") == text or shown == text


def test_a_lone_surrogate_in_json_lines_is_named_not_a_driver_error(tmp_path: Path, admin: Any) -> None:
    """JSON's escape ``\\ud800`` reads as a lone surrogate, which neither database driver can encode."""
    rows = [{"source_id": "p1", "personal_id": AINO, "first_names": "Aino", "last_name": "Ah\ud800ola"},
            {"source_id": "p2", "personal_id": EERO, "first_names": "Eero", "last_name": "Eskola", "birth_date": "x\udfff"}]
    path = tmp_path / "persons.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    run = run_import(admin, [path])
    assert run.status == RunStatus.REFUSED
    problems = list(ImportProblem.objects.filter(run=run).values_list("row", "column", "message"))
    assert [(row, column) for row, column, _message in problems] == [(1, "last_name"), (2, "birth_date")]  # lines
    assert "U+D800 kohdassa 3" in problems[0][2]
    assert not Person.objects.exists()


def test_reimport_changes_nothing_and_a_changed_row_supersedes_with_history(tmp_path: Path, admin: Any) -> None:
    first = run_import(admin, _base(tmp_path))
    assert first.status == RunStatus.DONE, list(first.problems.values_list("message", flat=True))
    assert first.counts["benefit_months"]["new"] == 2
    assert AccessLog.objects.filter(action="exchange_import", person_id=first.id).count() == 1
    again = run_import(admin, _base(tmp_path))
    assert again.counts["benefit_months"] == {"new": 0, "changed": 0, "unchanged": 2, "retracted": 0, "refused": 0}
    assert BenefitMonth.objects.count() == 2

    corrected = write(tmp_path, "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                                       "b1;p1;2021-02;basic_allowance;18;700,00\n")
    run = run_import(admin, [corrected])
    assert run.counts["benefit_months"]["changed"] == 1
    versions = list(BenefitMonth.objects.filter(person__first_names="Aino").order_by("recorded_at", "id"))
    assert [v.days for v in versions] == [20, 18]
    assert versions[0].superseded_at is not None
    assert "Muuttunut" in versions[0].correction_reason
    assert versions[0].lineage == versions[1].lineage
    assert versions[1].amount == Decimal("700.00")
    source = SourceRecord.objects.get(entity="benefit_months", source_id="b1")
    assert (source.run_id, source.row, source.lineage) == (run.id, 2, versions[1].lineage)


def test_full_snapshot_retracts_what_it_no_longer_has_and_delta_deletes_explicitly(tmp_path: Path, admin: Any) -> None:
    run_import(admin, _base(tmp_path))
    only_b1 = write(tmp_path, "benefit_months.csv", "source_id;person_id;month;benefit_type;days;amount\n"
                                                     "b1;p1;2021-02;basic_allowance;20;781,41\n")
    with pytest.raises(ValidationFailed) as refused:
        run_import(admin, [only_b1], mode="full")  # a full snapshot must name its scope
    assert refused.value.errors[0].field == "scope"
    run = run_import(admin, [only_b1], mode="full", scope_code="kuopio")
    assert run.counts["benefit_months"] == {"new": 0, "changed": 0, "unchanged": 1, "retracted": 1, "refused": 0}
    gone = BenefitMonth.objects.get(person__first_names="Eero")
    assert gone.superseded_at is not None
    assert "kokonaisaineistosta" in gone.correction_reason

    delete = write(tmp_path, "status_spells.csv", "source_id;person_id;status;service_type;start_date;end_date;deleted\n"
                                                   "s2;p1;in_service;coaching;1.3.2021;;kyllä\n")
    run = run_import(admin, [delete])
    assert run.counts["status_spells"]["retracted"] == 1
    assert StatusSpell.objects.filter(superseded_at__isnull=True).count() == 1


def test_dry_run_reports_and_writes_nothing(tmp_path: Path, admin: Any) -> None:
    run = run_import(admin, _base(tmp_path), dry_run=True)
    assert run.status == RunStatus.DONE
    assert run.dry_run
    assert run.counts["persons"]["new"] == 2
    assert run.counts["status_spells"]["new"] == 2
    assert not Person.objects.exists()
    assert not SourceRecord.objects.exists()


def test_state_register_profile_maps_columns_and_codes(tmp_path: Path, admin: Any) -> None:
    files = [
        write(tmp_path, "tyonhakijat.csv", "Asiakasnumero;Henkilötunnus;Etunimet;Sukunimi;Asiointikieli;Koulutusaste\n"
                                            f"A1;{OLLI};Olli;Oinonen;RU;3\n", "cp1252"),
        write(tmp_path, "kotikunnat.csv", "source_id;person_id;municipality;start_date\nk1;A1;297;1.1.2020\n"),
        write(tmp_path, "tyollisyystilanteet.csv", "Jakson tunniste;Asiakasnumero;Työllisyyskoodi;Palvelukoodi;Alkupäivä;"
                                                    "Loppupäivä\nJ1;A1;02;;1.2.2024;29.2.2024\nJ2;A1;10;TVK;1.3.2024;\n"
                                                    "J3;A1;99;;1.1.2025;\n", "cp1252"),
    ]
    profile = json.loads(Path("polku/exchange/profiles/asiakastietojarjestelma-esimerkki.json").read_text())
    profile["name"], profile["entities"]["homes"] = "test-profile", {"files": ["kotikunnat"]}
    profile_path = tmp_path / "profile.json"
    profile_path.write_text(json.dumps(profile))
    refused = run_import(admin, files, profile=str(profile_path))
    problem = ImportProblem.objects.get(run=refused)
    assert (problem.file, problem.row, problem.column) == ("tyollisyystilanteet.csv", 4, "työllisyyskoodi")
    assert "'99'" in problem.message
    files[2] = write(tmp_path, "tyollisyystilanteet.csv", "Jakson tunniste;Asiakasnumero;Työllisyyskoodi;Palvelukoodi;"
                                                           "Alkupäivä;Loppupäivä\nJ1;A1;02;;1.2.2024;29.2.2024\n"
                                                           "J2;A1;10;TVK;1.3.2024;\n", "cp1252")
    run = run_import(admin, files, profile=str(profile_path))
    assert run.status == RunStatus.DONE, list(run.problems.values_list("message", flat=True))
    person = Person.objects.get()
    assert (person.language, person.education) == ("other", "upper_secondary")
    spells = StatusSpell.objects.filter(person=person).order_by("start_date")
    assert [(s.status_id, s.service_type_id) for s in spells] == [("unemployed", None),
                                                                  ("in_service", "labour_market_training")]
    assert SourceRecord.objects.filter(system="atj", entity="status_spells").count() == 2


def test_formats_xlsx_parquet_and_json_lines(tmp_path: Path, admin: Any) -> None:
    import openpyxl  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import pyarrow as pa
    import pyarrow.parquet as pq

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["source_id", "personal_id", "first_names", "last_name"])
    sheet.append(["p1", AINO, "Aino", "Ahola"])
    book.save(tmp_path / "persons.xlsx")
    pq.write_table(pa.table({"source_id": ["h1"], "person_id": ["p1"], "municipality": ["297"],
                             "start_date": [date(2020, 1, 1)], "end_date": pa.array([None], pa.date32())}),
                   tmp_path / "homes.parquet")
    write(tmp_path, "benefit_months.jsonl",
           json.dumps({"source_id": "b1", "person_id": "p1", "month": "2021-02", "benefit_type": "basic_allowance",
                       "days": 20, "amount": "781.41"}) + "\n")
    run = run_import(admin, [tmp_path / "persons.xlsx", tmp_path / "homes.parquet", tmp_path / "benefit_months.jsonl"])
    assert run.status == RunStatus.DONE, list(run.problems.values_list("message", flat=True))
    assert BenefitMonth.objects.get().amount == Decimal("781.41")


def test_only_the_data_steward_of_the_area_mayrun_import(tmp_path: Path, make_staff: Any) -> None:
    counsellor = make_staff(role=Role.COUNSELLOR, area="kuopio").user
    with pytest.raises(AccessDenied):
        run_import(counsellor, _base(tmp_path))
    steward = make_staff(role=Role.DATA_STEWARD, area="kainuu-trial").user
    with pytest.raises(AccessDenied):
        run_import(steward, _base(tmp_path), scope_code="kuopio")
    run = run_import(steward, _base(tmp_path))  # Kuopio residents are outside Kainuu: refused by row
    assert run.status == RunStatus.REFUSED
    assert set(run.problems.values_list("code", flat=True)) == {"forbidden"}
    own = make_staff(role=Role.DATA_STEWARD, area="kuopio").user
    assert run_import(own, _base(tmp_path)).status == RunStatus.DONE


def test_removing_a_run_leaves_its_records_and_facts_without_it(tmp_path: Path, admin: Any) -> None:
    """A source record's run is kept by the application, not checked by the database row by row (a first load writes
    millions, all of one run): a run removed through the ORM leaves its records, without the run."""
    run = run_import(admin, _base(tmp_path))
    assert run.status == RunStatus.DONE
    assert SourceRecord.objects.filter(run=run).count() == 8
    run.delete()
    assert SourceRecord.objects.count() == 8
    assert not SourceRecord.objects.filter(run_id__isnull=False).exists()
    assert BenefitMonth.objects.filter(recorded_by=admin).count() == 2
