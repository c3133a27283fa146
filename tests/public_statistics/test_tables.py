"""Table knowledge: recognising a file's table, refusing codes a table cannot have, and the PxWeb query template."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from polku.core.errors import ValidationFailed
from polku.public_statistics import jsonstat, tables
from tests.public_statistics.conftest import R5, U4, document, encode


def parsed(doc: dict[str, Any]) -> jsonstat.Dataset:
    return jsonstat.parse(encode(doc))


def fields(call: Any, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return [(e.field, e.message) for e in caught.value.errors]


def without_extension(path: Any) -> dict[str, Any]:
    doc = document(path)
    del doc["extension"]
    return doc


def only_unemployed(doc: dict[str, Any]) -> dict[str, Any]:
    """Keep just TYOTTOMATLOPUSSA, a variable both tables have (values cut to match)."""
    tiedot = doc["dimension"]["Tiedot"]["category"]
    keep = tiedot["index"]["TYOTTOMATLOPUSSA"]
    count = len(tiedot["index"])
    doc["value"] = doc["value"][keep::count]
    doc.pop("status", None)
    tiedot["index"] = {"TYOTTOMATLOPUSSA": 0}
    doc["size"][doc["id"].index("Tiedot")] = 1
    return doc


def test_table_is_recognised_from_tableid_dimensions_or_label() -> None:
    assert tables.identify(parsed(document(R5))).code == "12r5"
    assert tables.identify(parsed(without_extension(U4))).code == "12u4"  # only 12u4 has Sukupuoli
    assert tables.identify(parsed(without_extension(R5))).code == "12r5"  # only 12r5 has TYOVOIMATK
    ambiguous = only_unemployed(without_extension(R5))
    assert tables.identify(parsed(ambiguous)).code == "12r5"  # by its label
    ambiguous["label"] = "Lataus"
    assert fields(tables.identify, parsed(ambiguous)) == [
        ("table", "Taulua ei tunnistettu tiedostosta (sopii tauluihin 12r5, 12u4); anna taulu (12r5 tai 12u4).")]
    assert tables.identify(parsed(ambiguous), "12u4").code == "12u4"


def test_requested_table_must_exist_and_agree_with_the_file() -> None:
    assert fields(tables.identify, parsed(document(R5)), "12u4") == [("table", "Tiedosto on taulusta 12r5, ei taulusta 12u4.")]
    assert fields(tables.identify, parsed(document(R5)), "12x9")[0][0] == "table"
    doc = document(R5)
    doc["extension"]["px"]["tableid"] = "135z"
    assert fields(tables.identify, parsed(doc)) == [("extension.px.tableid", "Tuntematon taulu '135z'; tunnetut: 12r5, 12u4.")]


def test_missing_required_dimension_is_named() -> None:
    doc = only_unemployed(document(R5))
    doc["id"], doc["size"] = ["Alue", "Kuukausi"], doc["size"][:2]
    del doc["dimension"]["Tiedot"]
    assert fields(tables.identify, parsed(doc)) == [
        ("dimension.Tiedot", "Ulottuvuus Tiedot puuttuu; PxWeb-taulukossa pitää olla Alue, Kuukausi ja Tiedot.")]
    assert fields(tables.rows, parsed(doc), tables.TABLES["12r5"])[0][0] == "dimension.Tiedot"


def test_bad_month_unknown_variable_and_extra_dimension_are_named() -> None:
    doc = document(R5)
    index = doc["dimension"]["Kuukausi"]["category"]["index"]
    doc["dimension"]["Kuukausi"]["category"]["index"] = {("2021-12" if k == "2021M12" else k): v for k, v in index.items()}
    doc["dimension"]["Tiedot"]["category"]["index"] = {"TYOTTOMATLOPUSSA": 0, "AKTASTE": 1}
    assert fields(tables.rows, parsed(doc), tables.TABLES["12r5"]) == [
        ("dimension.Kuukausi.category.index", "'2021-12' ei ole kuukausi muotoa 2021M12."),
        ("dimension.Tiedot.category.index", "'AKTASTE' ei ole taulun 12r5 tieto; tunnetut: TYOTTOMATLOPUSSA, "
                                            "TYOTTOMATMIEHET, TYOTTOMATNAISET, TYOVOIMATK, AVPAIKATLOPUSSA."),
    ]
    u4_as_r5 = without_extension(U4)
    assert [f for f, _m in fields(tables.rows, parsed(u4_as_r5), tables.TABLES["12r5"])][:2] == [
        "dimension.Sukupuoli", "dimension.Ikäryhmät"]


def test_values_that_do_not_fit_the_column_are_refused() -> None:
    doc = document(R5)
    doc["value"][5] = 1.23456
    doc["value"][6] = 10**15
    doc["value"][7] = 1.5
    assert [f for f, _m in fields(tables.rows, parsed(doc), tables.TABLES["12r5"])] == ["value[5]", "value[6]"]


def test_rows_carry_month_dates_and_breakdown_keys() -> None:
    rows = tables.rows(parsed(document(U4)), tables.TABLES["12u4"])
    assert len(rows) == 180
    first = rows[0]
    assert (first.region_code, first.month, first.variable, first.breakdown) == (
        "KU765", date(2021, 1, 1), "AKTASTE", "Sukupuoli=SSS;Ikäryhmät=SSS")
    assert [r.status for r in rows if r.value is None] == ["."]
    r5_rows = tables.rows(parsed(document(R5)), tables.TABLES["12r5"])
    assert {r.breakdown for r in r5_rows} == {""}


def test_breakdown_key_is_in_table_order_and_eliminated_dimensions_are_totals() -> None:
    spec = tables.TABLES["12u4"]
    assert spec.breakdown_key({"Ikäryhmät": "15-24", "Sukupuoli": "2"}) == "Sukupuoli=2;Ikäryhmät=15-24"
    assert spec.breakdown_key({"Ikäryhmät": "15-24"}) == "Sukupuoli=SSS;Ikäryhmät=15-24"
    assert spec.total_breakdown == "Sukupuoli=SSS;Ikäryhmät=SSS"
    assert tables.TABLES["12r5"].total_breakdown == ""


def test_month_and_region_codes() -> None:
    assert tables.parse_month("2021M12") == date(2021, 12, 1)
    assert [tables.parse_month(c) for c in ("2021-12", "2021M13", "2021M1", "21M01")] == [None] * 4
    assert tables.month_codes(date(2021, 11, 1), date(2022, 2, 1)) == ["2021M11", "2021M12", "2022M01", "2022M02"]
    assert [tables.region_code(c) for c in ("765", "5", "KU765", "sss", "MK18")] == ["KU765", "KU005", "KU765", "SSS", "MK18"]
    assert [tables.municipality_of(c) for c in ("KU765", "SSS", "KU76")] == ["765", None, None]


def test_query_template_names_the_tables_dimensions() -> None:
    query = tables.query_template(tables.TABLES["12u4"], regions=["765", "SSS"], first="2021M11", last="2022M01")
    assert [q["code"] for q in query["query"]] == ["Alue", "Sukupuoli", "Ikäryhmät", "Kuukausi", "Tiedot"]
    selections = {q["code"]: q["selection"] for q in query["query"]}
    assert selections["Alue"] == {"filter": "item", "values": ["KU765", "SSS"]}
    assert selections["Sukupuoli"]["values"] == ["SSS"]
    assert selections["Kuukausi"]["values"] == ["2021M11", "2021M12", "2022M01"]
    assert selections["Tiedot"]["values"] == ["AKTASTE", "TYOTTOMATLOPUSSA", "PALVELUISSAYHTEENSA"]
    assert query["response"] == {"format": "json-stat2"}


def test_query_template_refusals() -> None:
    spec = tables.TABLES["12r5"]
    assert [f for f, _m in fields(tables.query_template, spec, regions=[], first="2021-01", last="2020M12",
                                  variables=["AKTASTE"])] == ["from", "municipality", "variable"]
    assert fields(tables.query_template, spec, regions=["765"], first="2021M02", last="2021M01")[0][0] == "to"
    too_big = fields(tables.query_template, spec, regions=[str(n) for n in range(1, 400)], first="2000M01",
                     last="2021M12")
    assert "PxWeb antaa enintään 100000" in too_big[0][1]
