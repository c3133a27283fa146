"""The set-based conversion (:mod:`polku.exchange.columnar`) gives exactly what the row reader gives: the same
records (row, key, person, every value with its type, content hash) and the same problems in the same order — on the
shipped sample files, messy real-shaped files in both profiles, a simulated export, and random cells."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polku.exchange import columnar
from polku.exchange.columnar import ColumnarReader
from polku.exchange.docs import SAMPLE_DIR
from polku.exchange.profiles import Profile, get_profile
from polku.exchange.readers import open_file
from polku.exchange.rows import Problem, RowReader
from polku.exchange.schema import Field, entities
from tests.exchange.helpers import AINO, EERO, OLLI, write

PROFILE = get_profile("polku-exchange-v1")
STATE = get_profile("asiakastietojarjestelma-esimerkki")


def _read(profile: Profile, path: Path, *, set_based: bool) -> tuple[list[tuple[Any, ...]], list[Problem]]:
    entity = entities()[profile.entity_for_file(path.name) or ""]
    problems: list[Problem] = []
    reader = RowReader(profile, entity, open_file(path))
    records = ColumnarReader(reader).records(problems) if set_based else reader.records(problems)
    # Values compared with their types: 1 and True, or Decimal("1.0") and Decimal("1.00"), must not pass as equal.
    out = [(r.entity, r.file, r.row, r.system, r.source_id, r.person_ref, r.person_system, r.deleted, r.digest,
            sorted((k, type(v).__name__, str(v)) for k, v in r.values.items())) for r in records]
    return out, problems


def assert_same(profile: Profile, path: Path) -> tuple[list[tuple[Any, ...]], list[Problem]]:
    row_wise = _read(profile, path, set_based=False)
    set_based = _read(profile, path, set_based=True)
    assert set_based[0] == row_wise[0]
    assert set_based[1] == row_wise[1]
    return row_wise


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLE_DIR.glob("*.csv")))
def test_sample_files(name: str) -> None:
    records, problems = assert_same(PROFILE, SAMPLE_DIR / name)
    assert records or name == "decisions.csv"
    assert not problems


MESSY = {
    "Henkilot.CSV": ("SOURCE_ID;Personal_ID;First_Names;Last_Name;Language;Immigrant_Background\n"
                     f"p1;{AINO};Äijö;Öhman-Åberg;fi;KYLLÄ\np2;{EERO};\u00a0Eero ;Eskola;sv;ei\n"
                     f"p3;{OLLI};Olli;Oinonen;xx;İ\np4;010101-1234;Iso;Virhe;fi;\n"),
    "homes.csv": ("source_id;person_id;municipality;start_date;end_date\nh1;p1;297;1.1.2020;\nh2;p2;91;01.01.2020;"
                  "31.12.2019\nh3;p3;5;2020-1-1;2020-02-30\nh4;p3;12a4;2021-01-01T00:00;\nh5;p4;;1.1.2020;\n"),
    "status_spells.csv": ("source_id;person_id;status;service_type;start_date;end_date\n"
                          "s1;p1;unemployed;;1.1.2020;31.12.2020\ns2;p1;in_service;TUNTEMATON;1.6.2020;\n"
                          "s3;p2;in_service;;1.1.2021;\n;p2;laid_off_full;;1.6.2021;\ns5;p2;laid_off_full;;1.6.2099;\n"),
    "benefit_months.csv": ("source_id;person_id;month;benefit_type;days;amount\n"
                           "b1;p1;2021-02;basic_allowance;21;781,41\nb2;p2;02/2021;basic_allowance;20;1 781,41\n"
                           "b3;p2;2021-03;basic_allowance;20;-0,00\nb4;p2;2021-13;basic_allowance;2,0;1.500\n"
                           "b5;p2;2021-04;basic_allowance;0;10,00\nb6;p2;2021-05;basic_allowance;5;10,005\n"
                           "b7;p2;2021-06;basic_allowance;5;10,5;extra\nb8;p2;2021-07;basic_allowance;-1;0\n\n"
                           "b9;p2;2021-08;Basic_Allowance;007;7\n"),
}


def test_messy_files(tmp_path: Path) -> None:
    found = 0
    for name, text in MESSY.items():
        encoding = "utf-8" if name in ("homes.csv", "Henkilot.CSV") else "cp1252"
        _, problems = assert_same(PROFILE, write(tmp_path, name, text, encoding))
        found += len(problems)
    assert found >= 15, "the messy files are refused row by row"


def test_state_register_profile_with_its_code_lists(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "tyonhakijat.csv", "Asiakasnumero;Henkilötunnus;Etunimet;Sukunimi;Asiointikieli;Koulutusaste\n"
                                            f"A1;{OLLI};Olli;Oinonen;RU;3\nA2;{AINO};Aino;Ahola;XY;\n"
                                            f"A3;{EERO};Eero;Eskola;;9\n", "cp1252"),
        write(tmp_path, "tyollisyystilanteet.csv", "Jakson tunniste;Asiakasnumero;Työllisyyskoodi;Palvelukoodi;Alkupäivä;"
                                                    "Loppupäivä\nJ1;A1;10;TVK;1.1.2024;29.2.2024\nJ2;A1;99;;1.3.2024;\n"
                                                    "J3;A1;77;;1.1.2025;\nJ4;A1;;;1.1.2025;\n", "cp1252"),
    ]
    problems = [p for path in files for p in assert_same(STATE, path)[1]]
    assert any("77" in p.message for p in problems), "an unknown code is named"


def test_other_formats_go_through_the_row_reader_unchanged(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"source_id": ["h1", "h2"], "person_id": ["p1", "p1"], "municipality": ["297", "91"],
                             "start_date": [date(2020, 1, 1), date(2021, 1, 1)],
                             "end_date": pa.array([None, None], pa.date32())}), tmp_path / "homes.parquet")
    assert_same(PROFILE, tmp_path / "homes.parquet")
    write(tmp_path, "benefit_months.jsonl",
          json.dumps({"source_id": "b1", "person_id": "p1", "month": "2021-02", "benefit_type": "basic_allowance",
                      "days": 20, "amount": "781.41"}) + "\n[1]\nnot json\n"
          + json.dumps({"source_id": "b2", "person_id": "p1", "month": "2021-03", "benefit_type": "basic_allowance",
                        "days": "20", "amount": "781,41"}) + "\n")
    assert_same(PROFILE, tmp_path / "benefit_months.jsonl")


@pytest.mark.django_db
def test_a_simulated_export(tmp_path: Path) -> None:
    from polku.casework.demo import simulate_casework
    from polku.exchange.exporter import export_files
    from polku.simulator.writers import simulate_into_database

    simulate_into_database("kuopio-area-2023", seed=3, persons=300, progress=False)
    simulate_casework("kuopio")
    export_files(tmp_path, municipalities=None)
    paths = sorted(tmp_path.glob("*.csv"))
    assert len(paths) >= 8
    rows = 0
    for path in paths:
        records, problems = assert_same(PROFILE, path)
        assert not problems
        rows += len(records)
    assert rows > 1000


# -- random cells --------------------------------------------------------------------------------------------------

TRICKY = ["", " ", "\u00a0", "0", "-0", "-0,00", "1", "007", "21", "23", "24", "-1", "1,5", "1,50", "1,505", "1.500",
          "1.5", "1 234,56", "12,", "2024-02", "2024-2", "02/2024", "202402", "2024-13", "1900-01", "2101-01",
          "1.1.2020", "01.01.2020", "31.2.2020", "29.2.2024", "2020-01-01", "2020-1-1", "2020-01-01T10:00",
          "1.1.1899", "KYLLÄ", "kyllä", "ei", "Tosi", "İ", "x", "unemployed", "in_service", "basic_allowance",
          "unemployment", "fi", "sv", "297", "91", "5", "1234", "TVK", "p1", "p2", "polku", "a;b", "ä€", "\t1\t"]


def _cell(f: Field) -> st.SearchStrategy[str]:
    examples = [f.example] if f.example else []
    enum = list(f.enum or [])
    return st.one_of(st.sampled_from(TRICKY + examples + enum), st.text(max_size=6),
                     st.sampled_from(enum or TRICKY).map(lambda v: f" {v}"))


@st.composite
def _file(draw: st.DrawFn, name: str) -> str:
    entity = entities()[name]
    fields = [f for f in entity.fields if f.name != "personal_id"]
    rows = draw(st.lists(st.tuples(*(_cell(f) for f in fields)), min_size=1, max_size=12))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow([f.name.upper() if i % 2 else f.name for i, f in enumerate(fields)])
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> None:
    monkeypatch.setattr(columnar, "BATCH_ROWS", 5)  # batch boundaries inside the file
    name = data.draw(st.sampled_from([n for n in entities() if n != "persons"]))
    path = tmp_path / f"{name}.csv"
    path.write_text(data.draw(_file(name)), encoding="utf-8")
    assert_same(PROFILE, path)


# -- the database after an import: every row the same on either path ----------------------------------------------

class _RowWise:
    """The import as it was before the set-based conversion: the row reader alone."""

    def __init__(self, reader: RowReader) -> None:
        self.reader = reader

    def records(self, problems: list[Problem]) -> Any:
        return self.reader.records(problems)


# Differ from one import to the next whatever the path: the run, generated row ids, the person (compared by keyed
# hash instead) and the identity code's encryption (a fresh nonce each time).
VARYING = frozenset({"run_id", "fact_id", "person_id", "personal_id_encrypted"})


def _database() -> dict[str, list[str]]:
    """Every row an import writes, without what differs by run (generated ids and moments): persons by their keyed
    hash, facts by their person and values."""
    from django.db import models as m

    from polku.exchange.importer import written_models
    from polku.people.models import Person

    hashes = {str(pk): h for pk, h in Person.objects.values_list("pk", "personal_id_hash")}
    out: dict[str, list[str]] = {}
    for model in written_models(entities()):
        skip = {f.attname for f in model._meta.concrete_fields
                if f.primary_key or isinstance(f, m.UUIDField | m.DateTimeField) or f.attname in VARYING}
        rows = []
        for row in model._default_manager.values(*(f.attname for f in model._meta.concrete_fields)):
            person = row.get("person_id") if model is not Person else row.get("id")
            kept = [(k, v) for k, v in row.items() if k not in skip]
            rows.append(repr(sorted([*kept, ("person", hashes.get(str(person), ""))])))
        out[model._meta.label] = sorted(rows)
    return out


@pytest.mark.django_db
def test_the_import_writes_the_same_rows_on_either_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        make_staff: Any) -> None:
    from polku.access.models import Role
    from polku.casework.demo import simulate_casework
    from polku.exchange import staging
    from polku.exchange.exporter import export_files
    from polku.exchange.models import ExchangeRun, RunStatus
    from polku.exchange.services import import_now
    from polku.people.models import Person
    from polku.simulator.writers import simulate_into_database

    simulate_into_database("kuopio-area-2023", seed=4, persons=200, progress=False)
    simulate_casework("kuopio")
    export_files(tmp_path, municipalities=None)
    admin = make_staff(role=Role.ADMIN, area=None).user
    files = [(path, path.name) for path in sorted(tmp_path.glob("*.csv"))]
    states = []
    for reader in (_RowWise, ColumnarReader):
        Person.objects.all().delete()
        ExchangeRun.objects.all().delete()
        monkeypatch.setattr(staging, "ColumnarReader", reader)
        run = import_now(user=admin, files=files, profile="polku-exchange-v1", mode="delta", scope_code=None)
        assert run.status == RunStatus.DONE, list(run.problems.values_list("file", "row", "message")[:5])
        states.append(_database())
    differences = {label: (sorted(set(rows) - set(states[1][label]))[:2], sorted(set(states[1][label]) - set(rows))[:2])
                   for label, rows in states[0].items() if rows != states[1][label]}
    assert differences == {}
    assert sum(len(rows) for rows in states[0].values()) > 2000
