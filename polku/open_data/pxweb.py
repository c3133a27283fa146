"""PxWeb API v1, as Statistics Finland's ``pxdata.stat.fi/PxWeb/api/v1/{lang}/…`` answers, over an open cube.

- a database listing ``[{"dbid", "text"}]``, a level listing ``[{"id", "type": "t", "text", "updated"}]``;
- a table's metadata ``{"title", "variables": [{"code", "text", "values", "valueTexts", "time"?, "elimination"}]}``;
- a query ``{"query": [{"code", "selection": {"filter": "item" | "all" | "top", "values": […]}}],
  "response": {"format": "json-stat2" | "csv" | "json"}}``: the selected cells as JSON-stat 2.0, CSV or PX-JSON.

A variable left out of the query is taken whole (none of these tables has a total to eliminate to). Suppressed
figures are ``null`` with the status ``..`` in JSON-stat and PX-JSON and ``..`` in CSV; a figure that does not exist
(a rate without a denominator, an area before it was formed) is ``.``. The variable codes and month codes are the
ones ``polku.public_statistics`` reads from Statistics Finland's tables (Alue, Kuukausi ``2024M01``, Tiedot).
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.core.languages import text_in
from polku.open_data.cube import CONFIDENTIAL, Cube
from polku.open_data.tables import TABLES
from polku.public_statistics.tables import AREA, MONTH, PXWEB_MAX_CELLS, VARIABLE, month_code

DATABASE = "Polku"
FORMATS = ("json-stat2", "csv", "json")
FILTERS = ("item", "all", "top")
VARIABLE_TEXTS = {
    AREA: {"fi": "Alue", "sv": "Område", "en": "Area"},
    MONTH: {"fi": "Kuukausi", "sv": "Månad", "en": "Month"},
    VARIABLE: {"fi": "Tiedot", "sv": "Uppgifter", "en": "Information"},
}
SOURCE = {"fi": "Polku (kuntien työllisyyspalvelut)", "sv": "Polku (kommunernas sysselsättningstjänster)",
          "en": "Polku (municipal employment services)"}
NOTE = {
    "fi": "Alle {k} henkilön luvut ja luvut, joista ne voisi päätellä vähennyslaskulla, on piilotettu (..). "
          "Piste (.) tarkoittaa, ettei lukua ole.",
    "sv": "Tal som bygger på färre än {k} personer och tal som de kunde härledas ur genom subtraktion har dolts (..). "
          "Punkt (.) betyder att talet saknas.",
    "en": "Figures resting on fewer than {k} persons, and figures from which they could be derived by subtraction, "
          "are withheld (..). A full stop (.) means there is no figure.",
}
UNIT_TEXTS = {"persons": {"fi": "henkilöä", "sv": "personer", "en": "persons"},
              "count": {"fi": "lukumäärä", "sv": "antal", "en": "number"},
              "percent": {"fi": "%", "sv": "%", "en": "%"}, "eur": {"fi": "euroa", "sv": "euro", "en": "euros"}}


def text(texts: dict[str, str], lang: str) -> str:
    return text_in(texts, lang)


def databases(lang: str) -> list[dict[str, str]]:
    return [{"dbid": DATABASE, "text": {"fi": "Polku: avoin data", "sv": "Polku: öppna data",
                                        "en": "Polku: open data"}[lang]}]


def tables_listing(lang: str, updated: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return [{"id": t.id, "type": "t", "text": text(t.title, lang),
             **({"updated": updated[t.id]} if updated and t.id in updated else {})} for t in TABLES]


# --- metadata ------------------------------------------------------------------------------------------------


def metadata(cube: Cube, lang: str) -> dict[str, Any]:
    return {
        "title": text(cube.table.title, lang),
        "variables": [
            {"code": AREA, "text": text(VARIABLE_TEXTS[AREA], lang), "values": [r.code for r in cube.regions],
             "valueTexts": [text(r.labels, lang) for r in cube.regions], "elimination": False},
            {"code": MONTH, "text": text(VARIABLE_TEXTS[MONTH], lang), "values": [month_code(m) for m in cube.months],
             "valueTexts": [month_code(m) for m in cube.months], "time": True, "elimination": False},
            {"code": VARIABLE, "text": text(VARIABLE_TEXTS[VARIABLE], lang), "values": [i.code for i in cube.indicators],
             "valueTexts": [_indicator_text(i.labels, i.unit, lang) for i in cube.indicators], "elimination": False},
        ],
    }


def _indicator_text(labels: dict[str, str], unit: str, lang: str) -> str:
    name = text(labels, lang)
    return name if unit != "eur" else f"{name}, {text(UNIT_TEXTS['eur'], lang)}"


# --- queries -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Chosen codes per variable, in the table's order."""

    regions: tuple[str, ...]
    months: tuple[date, ...]
    indicators: tuple[str, ...]

    @property
    def cells(self) -> int:
        return len(self.regions) * len(self.months) * len(self.indicators)


def select(cube: Cube, query: Sequence[dict[str, Any]] | None) -> Selection:
    """Apply a PxWeb query's selections; every problem is named by its path (``query[1].selection.values``)."""
    codes: dict[str, list[str]] = {
        AREA: [r.code for r in cube.regions],
        MONTH: [month_code(m) for m in cube.months],
        VARIABLE: [i.code for i in cube.indicators],
    }
    chosen = {name: list(values) for name, values in codes.items()}
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, item in enumerate(query or []):
        code, selection = item.get("code"), item.get("selection") or {}
        if code not in codes:
            errors.append(FieldError(f"query[{i}].code", ErrorCode.UNKNOWN,
                                     f"Tuntematon muuttuja {code!r}; taulun muuttujat: {', '.join(codes)}."))
            continue
        if code in seen:
            errors.append(FieldError(f"query[{i}].code", ErrorCode.DUPLICATE, f"Muuttuja {code} on kyselyssä kahdesti."))
            continue
        seen.add(code)
        chosen[code] = _filtered(codes[code], code, selection.get("filter"), list(selection.get("values") or []),
                                 f"query[{i}].selection", errors)
    if errors:
        raise ValidationFailed(errors)
    months = {month_code(m): m for m in cube.months}
    order = {name: {c: n for n, c in enumerate(values)} for name, values in codes.items()}
    result = Selection(tuple(sorted(chosen[AREA], key=order[AREA].__getitem__)),
                       tuple(months[c] for c in sorted(chosen[MONTH], key=order[MONTH].__getitem__)),
                       tuple(sorted(chosen[VARIABLE], key=order[VARIABLE].__getitem__)))
    if result.cells > PXWEB_MAX_CELLS:
        raise ValidationFailed.single("query", ErrorCode.INVALID,
                                      f"Kysely antaisi {result.cells} solua; enintään {PXWEB_MAX_CELLS}. Rajaa "
                                      "kuukausia tai alueita.")
    return result


def _filtered(available: list[str], code: str, kind: Any, values: list[Any], path: str,  # noqa: PLR0917
              errors: list[FieldError]) -> list[str]:
    if kind not in FILTERS:
        errors.append(FieldError(f"{path}.filter", ErrorCode.INVALID,
                                 f"Suodin {kind!r} ei ole tuettu; tuetut: {', '.join(FILTERS)}."))
        return []
    if not values or not all(isinstance(v, str) for v in values):
        errors.append(FieldError(f"{path}.values", ErrorCode.REQUIRED, "Anna vähintään yksi arvo tekstinä."))
        return []
    if kind == "item":
        unknown = [v for v in values if v not in available]
        if unknown:
            errors.append(FieldError(f"{path}.values", ErrorCode.UNKNOWN,
                                     f"Muuttujalla {code} ei ole arvoja {', '.join(map(repr, unknown[:5]))}."))
        return list(dict.fromkeys(v for v in values if v in available))
    if kind == "all":
        return [a for a in available if any(fnmatch.fnmatchcase(a, pattern) for pattern in values)]
    if code != MONTH or len(values) != 1 or not values[0].isdigit() or int(values[0]) < 1:
        errors.append(FieldError(f"{path}.values", ErrorCode.INVALID,
                                 "Suodin top koskee kuukausia ja saa yhden positiivisen luvun, esim. [\"12\"]."))
        return []
    return available[-int(values[0]):]


# --- renderings ----------------------------------------------------------------------------------------------


def _cells(cube: Cube, selection: Selection) -> list[tuple[Decimal | None, str | None]]:
    """Selected cells in row-major order (Alue, Kuukausi, Tiedot: the last varies fastest)."""
    return [(cube.values.get((r, m, i)), cube.statuses.get((r, m, i)))
            for r in selection.regions for m in selection.months for i in selection.indicators]


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def json_stat2(cube: Cube, selection: Selection, lang: str) -> dict[str, Any]:
    regions = {r.code: r for r in cube.regions}
    indicators = {i.code: i for i in cube.indicators}
    cells = _cells(cube, selection)
    return {
        "version": "2.0",
        "class": "dataset",
        "label": text(cube.table.title, lang),
        "source": text(SOURCE, lang),
        "updated": cube.computed_at.replace(microsecond=0).isoformat(),
        "note": [text(NOTE, lang).format(k=cube.threshold)],
        "id": [AREA, MONTH, VARIABLE],
        "size": [len(selection.regions), len(selection.months), len(selection.indicators)],
        "role": {"geo": [AREA], "time": [MONTH], "metric": [VARIABLE]},
        "dimension": {
            AREA: {"label": text(VARIABLE_TEXTS[AREA], lang), "category": {
                "index": {c: n for n, c in enumerate(selection.regions)},
                "label": {c: text(regions[c].labels, lang) for c in selection.regions}}},
            MONTH: {"label": text(VARIABLE_TEXTS[MONTH], lang), "category": {
                "index": {month_code(m): n for n, m in enumerate(selection.months)},
                "label": {month_code(m): month_code(m) for m in selection.months}}},
            VARIABLE: {"label": text(VARIABLE_TEXTS[VARIABLE], lang), "category": {
                "index": {c: n for n, c in enumerate(selection.indicators)},
                "label": {c: _indicator_text(indicators[c].labels, indicators[c].unit, lang)
                          for c in selection.indicators},
                "unit": {c: {"label": text(UNIT_TEXTS[indicators[c].unit], lang), "decimals": indicators[c].decimals}
                         for c in selection.indicators}}},
        },
        "value": [None if v is None else _number(v) for v, _ in cells],
        "status": {str(n): s for n, (_, s) in enumerate(cells) if s},
        "extension": {"px": {"tableid": cube.table.id, "decimals": max((i.decimals for i in cube.indicators),
                                                                        default=0),
                             "official-statistics": False},
                      "polku": {"suppressed_below": cube.threshold, "confidential": CONFIDENTIAL}},
    }


def _csv_value(value: Decimal | None, status: str | None, decimals: int) -> str:
    if value is None:
        return status or "."
    return f"{value:.{decimals}f}"


def csv_text(cube: Cube, selection: Selection, lang: str) -> str:
    """One row per area and month, one column per indicator (PxWeb's CSV with Tiedot as the heading)."""
    indicators = {i.code: i for i in cube.indicators}
    regions = {r.code: r for r in cube.regions}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([text(VARIABLE_TEXTS[AREA], lang), text(VARIABLE_TEXTS[MONTH], lang),
                     *(_indicator_text(indicators[c].labels, indicators[c].unit, lang) for c in selection.indicators)])
    for r in selection.regions:
        for m in selection.months:
            writer.writerow([text(regions[r].labels, lang), month_code(m),
                             *(_csv_value(cube.values.get((r, m, c)), cube.statuses.get((r, m, c)),
                                          indicators[c].decimals) for c in selection.indicators)])
    return out.getvalue()


def px_json(cube: Cube, selection: Selection, lang: str) -> dict[str, Any]:
    """PxWeb's plain ``json`` format: key columns, value columns, and rows of keys and values (as text)."""
    indicators = {i.code: i for i in cube.indicators}
    return {
        "columns": [{"code": AREA, "text": text(VARIABLE_TEXTS[AREA], lang), "type": "d"},
                    {"code": MONTH, "text": text(VARIABLE_TEXTS[MONTH], lang), "type": "t"},
                    *({"code": c, "text": _indicator_text(indicators[c].labels, indicators[c].unit, lang), "type": "c",
                       "unit": text(UNIT_TEXTS[indicators[c].unit], lang)} for c in selection.indicators)],
        "comments": [],
        "data": [{"key": [r, month_code(m)],
                  "values": [_csv_value(cube.values.get((r, m, c)), cube.statuses.get((r, m, c)),
                                        indicators[c].decimals) for c in selection.indicators]}
                 for r in selection.regions for m in selection.months],
    }


def render(cube: Cube, selection: Selection, lang: str, fmt: str) -> tuple[bytes, str]:
    """The body and its content type."""
    if fmt == "csv":
        # A byte-order mark so that Excel opens the UTF-8 file with ä and ö intact.
        return ("\ufeff" + csv_text(cube, selection, lang)).encode(), "text/csv; charset=utf-8"
    document = json_stat2(cube, selection, lang) if fmt == "json-stat2" else px_json(cube, selection, lang)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), "application/json; charset=utf-8"
