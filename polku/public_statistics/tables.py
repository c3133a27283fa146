"""What Polku knows of the Statistics Finland tables it imports, and the check of a parsed dataset against one.

Pure, like ``jsonstat``: the import (``services``) and the query template (the ``pxweb`` command) read the same
table descriptions, so what a query asks for is exactly what an import accepts. A table is recognised from the
file itself when possible (PxWeb writes ``extension.px.tableid``; otherwise the dimensions and ``Tiedot`` codes,
then the title in ``label``), because users rename downloaded files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.public_statistics.jsonstat import Dataset, Problems

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

AREA, MONTH, VARIABLE = "Alue", "Kuukausi", "Tiedot"
REQUIRED_DIMENSIONS = (AREA, MONTH, VARIABLE)
TOTAL = "SSS"  # Statistics Finland's code for a total: the whole country in Alue, everyone in Sukupuoli
PXWEB_API = "https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin/tyonv"
PXWEB_MAX_CELLS = 100_000  # PxWeb refuses larger queries: split them by months or areas

# Storage limits of PublicStatistic (the model reads them from here so the check and the columns agree).
CATEGORY_CODE_LENGTH = 20  # area codes and breakdown codes (so a breakdown key fits BREAKDOWN_LENGTH)
VARIABLE_LENGTH = 40
BREAKDOWN_LENGTH = 200
VALUE_DIGITS, VALUE_DECIMALS = 18, 4
_VALUE_LIMIT = Decimal(10) ** (VALUE_DIGITS - VALUE_DECIMALS)

_MONTH_CODE = re.compile(r"(\d{4})M(0[1-9]|1[0-2])")
_MUNICIPALITY_REGION = re.compile(r"KU(\d{3})")


@dataclass(frozen=True)
class TableSpec:
    """One PxWeb table: its ``Tiedot`` codes and the dimensions besides Alue, Kuukausi and Tiedot.

    ``breakdown_dimensions`` (e.g. Sukupuoli, Ikäryhmät) become a cell's ``breakdown`` key. ``title`` is the
    Finnish table title; a file whose ``label`` contains it is taken to be from this table.
    """

    code: str
    title: str
    variables: Mapping[str, StrOrPromise]
    default_variables: tuple[str, ...]
    breakdown_dimensions: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"{PXWEB_API}/statfin_tyonv_pxt_{self.code}.px"

    @property
    def dimensions(self) -> tuple[str, ...]:
        return (AREA, *self.breakdown_dimensions, MONTH, VARIABLE)

    @property
    def total_breakdown(self) -> str:
        return self.breakdown_key({})

    def variable_problem(self, code: str) -> str | None:
        """Why ``code`` is not a ``Tiedot`` code of this table, or None if it is."""
        if code in self.variables:
            return None
        return f"{code!r} ei ole taulun {self.code} tieto; tunnetut: {', '.join(self.variables)}."

    def breakdown_key(self, codes: Mapping[str, str]) -> str:
        """``Sukupuoli=SSS;Ikäryhmät=SSS`` in the table's order, whatever the file's order.

        A breakdown dimension left out of the query is PxWeb's elimination, i.e. the total, so it is keyed as
        ``SSS``: the same figure gets the same key however it was downloaded.
        """
        return ";".join(f"{d}={codes.get(d, TOTAL)}" for d in self.breakdown_dimensions)


TABLES: dict[str, TableSpec] = {spec.code: spec for spec in (
    # Order matters: a variable found in several tables (TYOTTOMATLOPUSSA) is read from the first by default.
    TableSpec(
        code="12r5",
        title="Työnhakijat ja avoimet työpaikat",
        variables={
            "TYOTTOMATLOPUSSA": _("Työttömät työnhakijat kuukauden lopussa"),
            "TYOTTOMATMIEHET": _("Työttömät miehet kuukauden lopussa"),
            "TYOTTOMATNAISET": _("Työttömät naiset kuukauden lopussa"),
            "TYOVOIMATK": _("Työvoima, jolla työttömyysaste lasketaan"),
            "AVPAIKATLOPUSSA": _("Avoimet työpaikat kuukauden lopussa"),
        },
        default_variables=("TYOTTOMATLOPUSSA", "TYOVOIMATK"),
    ),
    TableSpec(
        code="12u4",
        title="Aktivointiaste ja palveluissa olevat",
        variables={
            "AKTASTE": _("Aktivointiaste, %"),
            "TYOTTOMATLOPUSSA": _("Työttömät työnhakijat laskentapäivänä"),
            "PALVELUISSAYHTEENSA": _("Palveluissa yhteensä laskentapäivänä"),
            "TVKOULUTUSLOP": _("Työvoimakoulutuksessa"),
            "VALMENNUSLOP": _("Valmennuksessa"),
            "TYOLLISTETTYLOP": _("Työllistettynä"),
            "KOKEILULOP": _("Työkokeilussa"),
            "VUORVAPLOP": _("Vuorotteluvapaasijaisena"),
            "KUNTTYOLOP": _("Kuntouttavassa työtoiminnassa"),
            "OMAEHTLOP": _("Omaehtoisessa opiskelussa"),
        },
        default_variables=("AKTASTE", "TYOTTOMATLOPUSSA", "PALVELUISSAYHTEENSA"),
        breakdown_dimensions=("Sukupuoli", "Ikäryhmät"),
    ),
)}


@dataclass(frozen=True)
class Row:
    """One cell as Polku stores it (``services`` adds the municipality and the bookkeeping)."""

    region_code: str
    month: date
    variable: str
    breakdown: str
    value: Decimal | None
    status: str


def parse_month(code: str) -> date | None:
    """``2021M12`` → 1 December 2021; None for anything else."""
    match = _MONTH_CODE.fullmatch(code)
    return date(int(match[1]), int(match[2]), 1) if match else None


def month_code(month: date) -> str:
    return f"{month.year}M{month.month:02d}"


def month_codes(first: date, last: date) -> list[str]:
    """Every month code from ``first`` to ``last``, both included."""
    return [month_code(date(n // 12, n % 12 + 1, 1)) for n in range(first.year * 12 + first.month - 1,
                                                                        last.year * 12 + last.month)]


def region_code(code: str) -> str:
    """A municipality number (``765``, ``5``) as PxWeb's area code ``KU765``; other area codes as given."""
    code = code.strip()
    return f"KU{code.zfill(3)}" if code.isdigit() and len(code) <= 3 else code.upper()


def municipality_of(region: str) -> str | None:
    """``KU765`` → ``765``; None for the country, regions and other areas."""
    match = _MUNICIPALITY_REGION.fullmatch(region)
    return match[1] if match else None


def table_spec(code: str, field: str = "table") -> TableSpec:
    """The known table ``code``; an unknown one is refused naming ``field``."""
    spec = TABLES.get(code)
    if spec is None:
        raise ValidationFailed.single(field, ErrorCode.UNKNOWN, f"Tuntematon taulu {code!r}; tunnetut: {', '.join(TABLES)}.")
    return spec


def identify(dataset: Dataset, requested: str | None = None) -> TableSpec:
    """The table the dataset comes from: ``requested`` if given (and not contradicted by the file), else recognised."""
    _require_dimensions(dataset)
    declared = _declared_table(dataset)
    if requested is not None:
        spec = table_spec(requested, "table")
        if declared is not None and declared != spec.code:
            raise ValidationFailed.single("table", ErrorCode.INVALID,
                                          f"Tiedosto on taulusta {declared}, ei taulusta {spec.code}.")
        return spec
    if declared is not None:
        return table_spec(declared, "extension.px.tableid")
    fitting = [spec for spec in TABLES.values() if _fits(spec, dataset)]
    if len(fitting) == 1:
        return fitting[0]
    titled = [spec for spec in fitting or TABLES.values() if spec.title.lower() in dataset.label.lower()]
    if len(titled) == 1:
        return titled[0]
    raise ValidationFailed.single(
        "table", ErrorCode.UNKNOWN,
        "Taulua ei tunnistettu tiedostosta" + (f" (sopii tauluihin {', '.join(s.code for s in fitting)})" if fitting else "")
        + f"; anna taulu ({' tai '.join(TABLES)}).",
    )


def rows(dataset: Dataset, spec: TableSpec) -> list[Row]:
    """Every cell as a row to store; raises ``ValidationFailed`` naming each code or value Polku cannot take."""
    _require_dimensions(dataset)
    problems = Problems()
    for dimension_id in dataset.ids:
        if dimension_id not in spec.dimensions:
            problems.add(f"dimension.{dimension_id}", ErrorCode.UNKNOWN,
                         f"Taulussa {spec.code} ei ole ulottuvuutta {dimension_id}; "
                         f"sen ulottuvuudet ovat {', '.join(spec.dimensions)}.")
    _check_codes(dataset, MONTH, problems, _month_problem)
    _check_codes(dataset, VARIABLE, problems, spec.variable_problem, ErrorCode.UNKNOWN)
    for dimension_id in (AREA, *spec.breakdown_dimensions):
        _check_codes(dataset, dimension_id, problems, _length_problem)
    problems.raise_if_any()
    month_dimension = dataset.dimension(MONTH)
    assert month_dimension is not None
    months = {code: parse_month(code) for code in month_dimension.codes}
    result = []
    for position, cell in enumerate(dataset.cells()):
        if cell.value is not None and not _storable(cell.value):
            problems.add(f"value[{position}]", ErrorCode.INVALID,
                         f"{cell.value} ei mahdu tallennettavaksi (enintään {VALUE_DECIMALS} desimaalia ja "
                         f"{VALUE_DIGITS - VALUE_DECIMALS} numeroa ennen desimaalipilkkua).")
        month = months[cell.codes[MONTH]]
        assert month is not None
        result.append(Row(region_code=cell.codes[AREA], month=month, variable=cell.codes[VARIABLE],
                          breakdown=spec.breakdown_key(cell.codes), value=cell.value, status=cell.status or ""))
    if not result:
        problems.add("value", ErrorCode.REQUIRED, "Tiedostossa ei ole yhtään solua.")
    problems.raise_if_any()
    return result


def query_template(spec: TableSpec, *, regions: Sequence[str], first: str, last: str,
                   variables: Sequence[str] = ()) -> dict[str, Any]:
    """The PxWeb POST body (``json-stat2``) for these areas and months; breakdowns at their totals.

    ``regions`` are municipality numbers or area codes; ``first`` and ``last`` month codes like ``2021M01``.
    """
    problems = Problems()
    start, end = parse_month(first), parse_month(last)
    for name, code in (("from", first), ("to", last)):
        if message := _month_problem(code):
            problems.add(name, ErrorCode.INVALID, message)
    if start and end and end < start:
        problems.add("to", ErrorCode.END_BEFORE_START, f"Viimeinen kuukausi {last} on ennen ensimmäistä {first}.")
    if not regions:
        problems.add("municipality", ErrorCode.REQUIRED, "Anna ainakin yksi kunta tai alue.")
    for message in filter(None, map(spec.variable_problem, variables)):
        problems.add("variable", ErrorCode.UNKNOWN, message)
    problems.raise_if_any()
    assert start is not None
    assert end is not None
    months = month_codes(start, end)
    chosen = list(variables or spec.default_variables)
    areas = list(dict.fromkeys(region_code(r) for r in regions))
    cells = len(areas) * len(months) * len(chosen)
    if cells > PXWEB_MAX_CELLS:
        raise ValidationFailed.single("from", ErrorCode.INVALID,
                                      f"Kysely on {cells} solua; PxWeb antaa enintään {PXWEB_MAX_CELLS}. Jaa se osiin.")
    selections = {AREA: areas, **{d: [TOTAL] for d in spec.breakdown_dimensions}, MONTH: months, VARIABLE: chosen}
    return {
        "query": [{"code": code, "selection": {"filter": "item", "values": selections[code]}} for code in spec.dimensions],
        "response": {"format": "json-stat2"},
    }


def _require_dimensions(dataset: Dataset) -> None:
    missing = [d for d in REQUIRED_DIMENSIONS if dataset.dimension(d) is None]
    if missing:
        raise ValidationFailed([FieldError(f"dimension.{d}", ErrorCode.REQUIRED,
                                           f"Ulottuvuus {d} puuttuu; PxWeb-taulukossa pitää olla Alue, Kuukausi ja Tiedot.")
                                for d in missing])


def _declared_table(dataset: Dataset) -> str | None:
    px = dataset.extension.get("px")
    table_id = px.get("tableid") if isinstance(px, dict) else None
    return table_id if isinstance(table_id, str) and table_id else None


def _fits(spec: TableSpec, dataset: Dataset) -> bool:
    """The dataset's dimensions and Tiedot codes all belong to the table (breakdowns may be eliminated)."""
    variables = dataset.dimension(VARIABLE)
    return (set(dataset.ids) <= set(spec.dimensions)
            and variables is not None and set(variables.codes) <= set(spec.variables))


def _check_codes(dataset: Dataset, dimension_id: str, problems: Problems, reason: Callable[[str], str | None],
                 code: ErrorCode = ErrorCode.INVALID) -> None:
    """Report each category code of a dimension for which ``reason`` gives a message."""
    dimension = dataset.dimension(dimension_id)
    for category in dimension.codes if dimension else ():
        message = reason(category)
        if message is not None:
            problems.add(f"dimension.{dimension_id}.category.index", code, message)


def _month_problem(code: str) -> str | None:
    return None if parse_month(code) else f"{code!r} ei ole kuukausi muotoa 2021M12."


def _length_problem(code: str) -> str | None:
    return None if 0 < len(code) <= CATEGORY_CODE_LENGTH else f"{code!r}: luokan tunnus on 1–{CATEGORY_CODE_LENGTH} merkkiä."


def _storable(value: Decimal) -> bool:
    """Fits the value column: trailing zeros (``1.500000``) do not count as decimals."""
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -VALUE_DECIMALS and abs(value) < _VALUE_LIMIT
