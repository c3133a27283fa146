"""The JSON-stat2 parser: the shipped files, every index and value form, and refusals that name the JSON path."""

from __future__ import annotations

import json
import string
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polku.core.errors import ErrorCode, ValidationFailed
from polku.public_statistics import jsonstat
from tests.public_statistics.conftest import R5, U4, cell_value, document, encode


def cells_by_key(dataset: jsonstat.Dataset) -> dict[tuple[str, ...], jsonstat.Cell]:
    return {tuple(cell.codes[d] for d in dataset.ids): cell for cell in dataset.cells()}


def dim(dataset: jsonstat.Dataset, dimension_id: str) -> jsonstat.Dimension:
    dimension = dataset.dimension(dimension_id)
    assert dimension is not None
    return dimension


def number(cell: jsonstat.Cell) -> Decimal:
    assert cell.value is not None
    return cell.value


def refusal(data: bytes | dict[str, Any]) -> list[tuple[str, str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        jsonstat.parse(data if isinstance(data, bytes) else encode(data))
    return [(e.field, str(e.code), e.message) for e in caught.value.errors]


def test_12r5_fixture() -> None:
    dataset = jsonstat.parse(R5.read_bytes())
    assert dataset.ids == ("Alue", "Kuukausi", "Tiedot")
    cells = cells_by_key(dataset)
    assert len(cells) == 5 * 12 * 2 == 120
    assert cells["KU765", "2021M12", "TYOTTOMATLOPUSSA"].value == 314
    assert cells["KU765", "2021M12", "TYOVOIMATK"].value == 4240
    assert cells["SSS", "2021M01", "TYOTTOMATLOPUSSA"].value == 311874
    assert all(300 <= number(cells["KU765", f"2021M{m:02d}", "TYOTTOMATLOPUSSA"]) <= 360 for m in range(1, 13))
    assert dim(dataset, "Alue").category_label("KU290") == "Kuhmo"
    assert "ei virallisia lukuja" in dataset.label
    assert dataset.extension["px"]["tableid"] == "12r5"
    assert dataset.roles["time"] == ("Kuukausi",)


def test_12u4_fixture_null_and_activation_rate() -> None:
    dataset = jsonstat.parse(U4.read_bytes())
    cells = cells_by_key(dataset)
    assert len(cells) == 5 * 1 * 1 * 12 * 3 == 180
    sotkamo = cells["KU765", "SSS", "SSS", "2021M02", "AKTASTE"]
    assert sotkamo.value == Decimal("35.5")
    assert str(sotkamo.value) == "35.5"  # read as decimal text, never through float
    missing = cells["KU105", "SSS", "SSS", "2021M07", "AKTASTE"]
    assert missing.value is None
    assert missing.status == "."
    assert [c for c in cells.values() if c.value is None] == [missing]
    for (area, sex, age, month, variable), cell in cells.items():
        if variable != "AKTASTE" or cell.value is None:
            continue
        in_services = cells[area, sex, age, month, "PALVELUISSAYHTEENSA"].value
        unemployed = cells[area, sex, age, month, "TYOTTOMATLOPUSSA"].value
        assert in_services is not None
        assert unemployed is not None
        rate = (in_services * 100 / (in_services + unemployed)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        assert cell.value == rate, (area, month)
    assert 30 <= number(cells["KU765", "SSS", "SSS", "2021M12", "AKTASTE"]) <= 40


def test_index_as_list_lone_category_without_index_and_missing_labels() -> None:
    doc = document(R5)
    doc["dimension"]["Kuukausi"]["category"]["index"] = list(doc["dimension"]["Kuukausi"]["category"]["index"])
    del doc["dimension"]["Alue"]["category"]["label"]
    del doc["dimension"]["Tiedot"]["label"]
    del doc["label"], doc["source"], doc["updated"], doc["note"], doc["role"]
    dataset = jsonstat.parse(encode(doc))
    assert dim(dataset, "Kuukausi").codes[0] == "2021M01"
    assert dim(dataset, "Alue").category_label("KU765") == "KU765"
    assert dim(dataset, "Tiedot").label == "Tiedot"
    assert (dataset.label, dataset.source, dataset.notes) == ("", "", ())

    lone = document(U4)
    del lone["dimension"]["Sukupuoli"]["category"]["index"]
    assert dim(jsonstat.parse(encode(lone)), "Sukupuoli").codes == ("SSS",)


def test_index_order_is_by_position_not_by_key_order() -> None:
    doc = document(R5)
    index = doc["dimension"]["Alue"]["category"]["index"]
    doc["dimension"]["Alue"]["category"]["index"] = dict(reversed(index.items()))
    assert dim(jsonstat.parse(encode(doc)), "Alue").codes[0] == "KU765"


def test_sparse_values_and_status_forms() -> None:
    doc = document(R5)
    expected, position = cell_value(doc, Alue="KU205", Kuukausi="2021M03", Tiedot="TYOTTOMATLOPUSSA")
    doc["value"] = {str(position): expected}
    doc["status"] = ".."
    dataset = jsonstat.parse(encode(doc))
    assert dataset.values[position] == expected
    assert sum(v is not None for v in dataset.values) == 1
    assert {c.status for c in dataset.cells()} == {".."}

    doc = document(R5)
    doc["status"] = [None] * 119 + ["..."]
    assert list(jsonstat.parse(encode(doc)).cells())[-1].status == "..."


def test_bom_and_str_input() -> None:
    data = R5.read_bytes()
    assert len(list(jsonstat.parse(b"\xef\xbb\xbf" + data).cells())) == 120
    assert len(list(jsonstat.parse(data.decode()).cells())) == 120


def _with(path: Any, **changes: Any) -> dict[str, Any]:
    doc = document(path)
    doc.update(changes)
    return doc


def _shorter_values() -> dict[str, Any]:
    doc = document(R5)
    doc["value"] = doc["value"][:-1]
    return doc


def _size_disagrees_with_index() -> dict[str, Any]:
    doc = document(R5)
    doc["size"][1] = 11
    return doc


def _duplicate_positions() -> dict[str, Any]:
    doc = document(R5)
    doc["dimension"]["Tiedot"]["category"]["index"] = {"TYOTTOMATLOPUSSA": 0, "TYOVOIMATK": 0}
    return doc


def _missing_dimension_object() -> dict[str, Any]:
    doc = document(R5)
    del doc["dimension"]["Kuukausi"]
    return doc


def _text_value() -> dict[str, Any]:
    doc = document(R5)
    doc["value"][3] = "314"
    return doc


@pytest.mark.parametrize(("data", "field", "message"), [
    (b"{\"version\": \"2.0\",", "tiedosto", "Tiedosto ei ole JSONia"),
    (b"\xff\xfe{}", "tiedosto", "UTF-8"),
    (b"[1, 2]", "tiedosto", "JSON-objekti"),
    (encode(_with(R5, version="1.0")), "version", "Versio '1.0' ei ole tuettu"),
    (b"{\"dataset\": {}}", "version", "JSON-stat 1"),
    (b"{\"columns\": [], \"data\": []}", "version", "PxWebin json-muodossa"),
    (encode(_with(R5, **{"class": "collection"})), "class", "vain \"dataset\""),
    (encode(_shorter_values()), "value", "Arvoja on 119, mutta ulottuvuuksien koot antavat 120 solua."),
    (encode(_size_disagrees_with_index()), "dimension.Kuukausi.category.index", "Luokkia on 12, mutta size[1] on 11."),
    (encode(_duplicate_positions()), "dimension.Tiedot.category.index", "järjestysnumero"),
    (encode(_missing_dimension_object()), "dimension.Kuukausi.category", "luokat puuttuvat"),
    (encode(_with(R5, id=["Alue", "Alue", "Tiedot"])), "id", "kahdesti"),
    (encode(_with(R5, size=[5, 12])), "size", "Kokoja on 2, ulottuvuuksia 3."),
    (encode(_text_value()), "value[3]", "'314' ei ole luku"),
    (R5.read_bytes().replace(b"4240", b"NaN", 1), "value[1]", "'NaN' ei ole luku"),
    (encode(_with(R5, value={"120": 1})), "value.120", "ei ole välillä 0…119"),
    (encode(_with(R5, status=[".", ".."])), "status", "Tilamerkit"),
])
def test_refusals_name_the_path(data: bytes, field: str, message: str) -> None:
    errors = refusal(data)
    assert any(f == field and message in m for f, _code, m in errors), errors


def test_many_bad_values_are_capped() -> None:
    doc = document(R5)
    doc["value"] = ["x"] * 120
    errors = refusal(doc)
    assert len(errors) == jsonstat.MAX_ERRORS + 1
    assert errors[-1] == ("tiedosto", str(ErrorCode.INVALID), f"Lisäksi {120 - jsonstat.MAX_ERRORS} muuta virhettä.")


# --- property: any grid written as JSON-stat2, in any of its allowed forms, reads back as the same cells ---

CODES = st.text(alphabet=string.ascii_letters + string.digits + "äöÅ", min_size=1, max_size=6)
VALUES = st.one_of(st.none(), st.integers(-10**12, 10**12),
                   st.decimals(min_value=-10**6, max_value=10**6, places=1, allow_nan=False, allow_infinity=False))


@st.composite
def grids(draw: st.DrawFn) -> tuple[dict[str, Any], dict[tuple[str, ...], tuple[Decimal | int | None, str | None]]]:
    """A JSON-stat2 document and, independently, the cells it must read back as (key: codes in ``id`` order)."""
    ids = draw(st.lists(CODES, min_size=1, max_size=4, unique=True))
    codes = [draw(st.lists(CODES, min_size=0, max_size=3, unique=True)) for _ in ids]
    grid: dict[tuple[str, ...], tuple[Decimal | int | None, str | None]] = {}
    keys: list[tuple[str, ...]] = [()]
    for dimension_codes in codes:
        keys = [(*key, code) for key in keys for code in dimension_codes]
    for key in keys:
        grid[key] = (draw(VALUES), draw(st.one_of(st.none(), st.sampled_from([".", "..", "..."]))))
    dimension = {}
    for dimension_id, dimension_codes in zip(ids, codes, strict=True):
        style = draw(st.sampled_from(["dict", "list", "omitted"] if len(dimension_codes) == 1 else ["dict", "list"]))
        shuffled = draw(st.permutations(list(enumerate(dimension_codes))))
        category: dict[str, Any] = {"label": {c: f"{c} nimi" for _, c in shuffled}}
        if style == "dict":
            category["index"] = {c: i for i, c in shuffled}
        elif style == "list":
            category["index"] = list(dimension_codes)
        dimension[dimension_id] = {"label": dimension_id, "category": category}
    sizes = [len(c) for c in codes]

    def position(key: tuple[str, ...]) -> int:
        flat = 0
        for code, dimension_codes, size in zip(key, codes, sizes, strict=True):
            flat = flat * size + dimension_codes.index(code)
        return flat

    as_json = {position(k): (float(v) if isinstance(v, Decimal) else v, s) for k, (v, s) in grid.items()}
    if draw(st.booleans()):
        value: Any = [as_json[i][0] for i in range(len(keys))]
    else:
        value = {str(i): v for i, (v, _s) in as_json.items() if v is not None}
    doc = {"version": "2.0", "class": "dataset", "id": ids, "size": sizes, "dimension": dimension, "value": value,
           "status": {str(i): s for i, (_v, s) in as_json.items() if s is not None}}
    return doc, grid


@settings(max_examples=200, deadline=None)
@given(grids())
def test_written_grid_reads_back(case: tuple[dict[str, Any], dict[tuple[str, ...], tuple[Any, str | None]]]) -> None:
    doc, grid = case
    dataset = jsonstat.parse(json.dumps(doc).encode())
    read = {key: (cell.value, cell.status) for key, cell in cells_by_key(dataset).items()}
    assert read == grid
    assert all(isinstance(v, Decimal) for v, _s in read.values() if v is not None)
