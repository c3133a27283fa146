"""The import: every cell or none, a re-import replaces the same cells, and the series the comparisons read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from polku.core.errors import ValidationFailed
from polku.public_statistics import selectors
from polku.public_statistics.models import PublicStatistic, PublicStatisticImport
from polku.public_statistics.services import pxweb_import
from tests.public_statistics.conftest import R5, U4, cell_value, document, encode

pytestmark = pytest.mark.django_db


def stored(region: str, month: date, variable: str, table: str = "12r5") -> PublicStatistic:
    return PublicStatistic.objects.get(table=table, region_code=region, month=month, variable=variable)


def test_import_both_fixtures() -> None:
    r5 = pxweb_import(R5.read_bytes(), file_name=R5.name)
    u4 = pxweb_import(U4.read_bytes(), file_name=U4.name)
    assert (r5.table, r5.cells, r5.created, r5.replaced, r5.missing_values) == ("12r5", 120, 120, 0, 0)
    assert (u4.table, u4.cells, u4.missing_values) == ("12u4", 180, 1)
    assert (r5.first_month, r5.last_month) == (date(2021, 1, 1), date(2021, 12, 1))
    assert r5.regions == ("KU765", "KU205", "KU290", "KU105", "SSS")
    assert r5.warnings == ()
    assert PublicStatistic.objects.count() == 300

    sotkamo = stored("KU765", date(2021, 12, 1), "TYOTTOMATLOPUSSA")
    assert (sotkamo.value, sotkamo.municipality_id, sotkamo.breakdown, sotkamo.status) == (314, "765", "", "")
    assert "ei virallisia lukuja" in sotkamo.source
    assert stored("SSS", date(2021, 12, 1), "TYOTTOMATLOPUSSA").municipality_id is None
    rate = stored("KU765", date(2021, 2, 1), "AKTASTE", "12u4")
    assert (rate.value, rate.breakdown) == (Decimal("35.5"), "Sukupuoli=SSS;Ikäryhmät=SSS")
    missing = stored("KU105", date(2021, 7, 1), "AKTASTE", "12u4")
    assert (missing.value, missing.status) == (None, ".")
    record = PublicStatisticImport.objects.get(pk=r5.import_id)
    assert (record.table, record.file_name, record.cells, record.imported_by) == ("12r5", R5.name, 120, None)


def test_import_twice_is_an_idempotent_upsert() -> None:
    pxweb_import(R5.read_bytes())
    before = sorted(v for v in PublicStatistic.objects.values_list("value", flat=True) if v is not None)
    again = pxweb_import(R5.read_bytes())
    assert (again.created, again.replaced) == (0, 120)
    assert PublicStatistic.objects.count() == 120
    assert sorted(v for v in PublicStatistic.objects.values_list("value", flat=True) if v is not None) == before

    revised = document(R5)
    _value, position = cell_value(revised, Alue="KU765", Kuukausi="2021M12", Tiedot="TYOTTOMATLOPUSSA")
    revised["value"][position] = 316
    revised["updated"] = "2022-02-22T06:00:00Z"
    pxweb_import(encode(revised))
    assert PublicStatistic.objects.count() == 120
    cell = stored("KU765", date(2021, 12, 1), "TYOTTOMATLOPUSSA")
    assert cell.value == 316
    assert "2022-02-22" in cell.source
    assert PublicStatisticImport.objects.count() == 3


def test_overlapping_import_keeps_cells_outside_the_file() -> None:
    pxweb_import(R5.read_bytes())
    doc = document(R5)  # only Sotkamo now
    position = doc["id"].index("Alue")
    per_area = len(doc["value"]) // 5
    doc["value"] = doc["value"][:per_area]
    doc["size"][position] = 1
    doc["dimension"]["Alue"]["category"]["index"] = {"KU765": 0}
    result = pxweb_import(encode(doc))
    assert (result.cells, result.replaced) == (24, 24)
    assert PublicStatistic.objects.count() == 120


def _shorter_values(doc: dict[str, Any]) -> None:
    doc["value"].pop()


def _bad_month(doc: dict[str, Any]) -> None:
    index = doc["dimension"]["Kuukausi"]["category"]["index"]
    doc["dimension"]["Kuukausi"]["category"]["index"] = {("2021-12" if k == "2021M12" else k): v for k, v in index.items()}


def _no_tiedot(doc: dict[str, Any]) -> None:
    doc["id"], doc["size"], doc["value"] = ["Alue", "Kuukausi"], [5, 12], doc["value"][::2]
    del doc["dimension"]["Tiedot"]


def _version_one(doc: dict[str, Any]) -> None:
    doc["version"] = "1.0"


@pytest.mark.parametrize(("break_it", "field", "message"), [
    (_shorter_values, "value", "Arvoja on 119, mutta ulottuvuuksien koot antavat 120 solua."),
    (_bad_month, "dimension.Kuukausi.category.index", "'2021-12' ei ole kuukausi muotoa 2021M12."),
    (_no_tiedot, "dimension.Tiedot", "Ulottuvuus Tiedot puuttuu"),
    (_version_one, "version", "Versio '1.0' ei ole tuettu"),
    (None, "tiedosto", "Tiedosto ei ole JSONia"),
])
def test_broken_file_is_refused_whole(break_it: Callable[[dict[str, Any]], None] | None, field: str,
                                      message: str) -> None:
    pxweb_import(R5.read_bytes())
    doc = document(R5)
    doc["value"] = [v + 1 for v in doc["value"]]  # would change every cell if anything were written
    if break_it is None:
        data = encode(doc)[:-10]
    else:
        break_it(doc)
        data = encode(doc)
    with pytest.raises(ValidationFailed) as caught:
        pxweb_import(data)
    assert any(e.field == field and message in e.message for e in caught.value.errors), caught.value.errors
    assert PublicStatistic.objects.count() == 120
    assert stored("KU765", date(2021, 12, 1), "TYOTTOMATLOPUSSA").value == 314
    assert PublicStatisticImport.objects.count() == 1


def test_unknown_table_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        pxweb_import(R5.read_bytes(), table="12x9")
    assert caught.value.errors[0].field == "table"
    assert not PublicStatistic.objects.exists()


def test_unknown_municipality_code_is_a_warning() -> None:
    doc = document(R5)
    areas = doc["dimension"]["Alue"]["category"]
    areas["index"] = {("KU999" if k == "KU105" else k): v for k, v in areas["index"].items()}
    areas["label"]["KU999"] = "Tuntematon"
    result = pxweb_import(encode(doc))
    assert result.cells == 120
    assert [(w.field, w.code, w.message) for w in result.warnings] == [(
        "dimension.Alue.category.index", "unknown",
        "Kuntanumeroa 999 (Tuntematon) ei ole Polun kuntaluettelossa; luvut tallennettiin ilman kuntaa.")]
    assert stored("KU999", date(2021, 1, 1), "TYOVOIMATK").municipality_id is None
    assert result.as_dict()["warnings"][0]["code"] == "unknown"


def test_importer_is_recorded(make_staff: Callable[..., Any]) -> None:
    user = make_staff().user
    result = pxweb_import(R5.read_bytes(), user=user)
    assert PublicStatisticImport.objects.get(pk=result.import_id).imported_by == user
    anonymous = pxweb_import(R5.read_bytes(), user=AnonymousUser())  # e.g. a web request without a login
    assert PublicStatisticImport.objects.get(pk=anonymous.import_id).imported_by is None


def test_selectors_for_a_comparison_table() -> None:
    pxweb_import(R5.read_bytes())
    pxweb_import(U4.read_bytes())
    series = selectors.monthly_series(variable="TYOTTOMATLOPUSSA", municipality_codes=["765", "205", "SSS", "092"],
                                      first_month=date(2021, 10, 1), last_month=date(2021, 12, 1))
    assert series["765"] == {date(2021, 10, 1): 301, date(2021, 11, 1): 304, date(2021, 12, 1): 314}
    assert series["SSS"][date(2021, 12, 1)] == 263510
    assert series["092"] == {}
    rates = selectors.monthly_series(variable="AKTASTE", municipality_codes=["105"], first_month=date(2021, 6, 1),
                                     last_month=date(2021, 8, 1))
    assert rates["105"] == {date(2021, 6, 1): Decimal("25.7"), date(2021, 7, 1): None, date(2021, 8, 1): Decimal("27.2")}
    assert selectors.monthly_series(variable="AKTASTE", municipality_codes=["105"], first_month=date(2021, 6, 1),
                                    last_month=date(2021, 8, 1), breakdown="Sukupuoli=1;Ikäryhmät=SSS") == {"105": {}}
    u4_count = selectors.month_values(variable="TYOTTOMATLOPUSSA", municipality_codes=["765"], table="12u4",
                                      month=date(2021, 12, 15))
    assert u4_count == {"765": 314}
    assert selectors.month_values(variable="AKTASTE", municipality_codes=["765", "999"], month=date(2021, 12, 1)) == {
        "765": Decimal("36.2"), "999": None}
    assert selectors.latest_months() == {"12r5": date(2021, 12, 1), "12u4": date(2021, 12, 1)}
    assert selectors.latest_months(variable="TYOVOIMATK") == {"12r5": date(2021, 12, 1)}
    unemployment = selectors.unemployment_rate_series(municipality_codes=["765"], first_month=date(2021, 12, 1),
                                                      last_month=date(2021, 12, 1))
    assert unemployment == {"765": {date(2021, 12, 1): Decimal("7.4")}}  # 314 / 4 240


def test_selector_refuses_unknown_variable() -> None:
    with pytest.raises(ValidationFailed) as caught:
        selectors.monthly_series(variable="AKTASTE", municipality_codes=["765"], first_month=date(2021, 1, 1),
                                 last_month=date(2021, 1, 1), table="12r5")
    assert caught.value.errors[0].message == "Tietoa 'AKTASTE' ei ole taulussa 12r5."
