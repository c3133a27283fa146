"""Reading Kela's invoice list: encodings, BOM, decimal commas, header variants, Excel, all-or-nothing refusal."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from polku.core.errors import ValidationFailed
from polku.municipal_share.invoices import ParsedInvoice, parse_decimal, parse_invoice, parse_month
from polku.people import personal_id
from polku.people.artificial import artificial_personal_id

FIXTURES = Path(__file__).parent / "fixtures"
CODES = [artificial_personal_id(date(1975, 3, 15), 901), artificial_personal_id(date(1968, 11, 2), 902),
         artificial_personal_id(date(2001, 6, 30), 903)]
MARCH = date(2025, 3, 1)


def parse(data: bytes, **kwargs: object) -> ParsedInvoice:
    options: dict = {"municipality": "765", "invoice_month": MARCH, "require_artificial": True, **kwargs}
    return parse_invoice(data, **options)


def refused(data: bytes, **kwargs: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as failure:
        parse(data, **kwargs)
    return [(e.field, e.message) for e in failure.value.errors]


def expected_lines() -> list[tuple]:
    return [
        (personal_id.keyed_hash(CODES[0]), date(2025, 3, 1), "labour_market_subsidy", 21, 250, Decimal("781.41"),
         Decimal("20"), Decimal("156.28")),
        (personal_id.keyed_hash(CODES[1]), date(2025, 3, 1), "basic_allowance", 20, 130, Decimal("1744.20"),
         Decimal("10"), Decimal("74.42")),
        (personal_id.keyed_hash(CODES[2]), date(2024, 11, 1), "labour_market_subsidy", 20, 420, Decimal("674.20"),
         Decimal("50"), Decimal("337.10")),
    ]


def as_tuples(parsed: ParsedInvoice) -> list[tuple]:
    return [(x.personal_id_hash, x.month, x.benefit_type, x.paid_days, x.cumulative_days, x.paid_eur, x.share_percent,
             x.municipal_eur) for x in parsed.lines]


def test_utf8_with_bom_title_lines_and_total_line() -> None:
    data = (FIXTURES / "kela_lasku_2025-03_utf8_bom.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = parse(data)
    assert parsed.encoding == "utf-8-sig"
    assert as_tuples(parsed) == expected_lines()
    assert [x.line for x in parsed.lines] == [4, 5, 6]  # two title lines, the header on line 3
    assert parsed.ignored_columns == ("Sukunimi",)  # names are not stored
    assert all(x.municipality == "765" for x in parsed.lines)


def test_windows_1252_with_upper_case_header_variants() -> None:
    data = (FIXTURES / "kela_lasku_2025-03_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = parse(data)
    assert parsed.encoding == "cp1252"
    assert as_tuples(parsed) == expected_lines()
    assert [x.line for x in parsed.lines] == [2, 3, 4]


def test_same_content_in_utf8_without_bom_and_tabs() -> None:
    text = (FIXTURES / "kela_lasku_2025-03_cp1252.csv").read_bytes().decode("cp1252")
    assert as_tuples(parse(text.encode("utf-8"))) == expected_lines()
    assert parse(text.encode("utf-8")).encoding == "utf-8"
    assert as_tuples(parse(text.replace(";", "\t").encode("utf-16"))) == expected_lines()


@pytest.mark.parametrize(("text", "value"), [
    ("781,41", Decimal("781.41")), ("1 744,20", Decimal("1744.20")), ("1\u00a0744,2", Decimal("1744.20")),
    ("1.744,20", Decimal("1744.20")), ("12.50", Decimal("12.50")), ("74,42 €", Decimal("74.42")), ("0", Decimal(0)),
])
def test_decimal_comma(text: str, value: Decimal) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["1,234,5", "12,345", "abc", "1.2.3", ""])
def test_bad_numbers(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the reason text is asserted in the refusal tests
        parse_decimal(text)


@pytest.mark.parametrize("value", ["2025-03", "2025/3", "202503", "3/2025", "03.2025", "3-2025", "1.3.2025",
                                   "2025-03-31", datetime(2025, 3, 1, 12, 0, tzinfo=UTC).replace(tzinfo=None),
                                   date(2025, 3, 17)])
def test_month_formats(value: object) -> None:
    assert parse_month(value) == MARCH


def test_header_variants_with_laskutuskuukausi_only_and_codes() -> None:
    data = (f"Hetu;Laskutuskuukausi;Etuuskoodi;Päivät;Kertymä;Maksettu;Kuntaosuus\n"
            f"{CODES[0]};2025-03;APR;20;120;1500,00;74,42\n").encode()
    (line,) = parse(data).lines
    assert (line.month, line.benefit_type, line.cumulative_days, line.share_percent) == (
        MARCH, "earnings_related_allowance", 120, None)


def test_xlsx() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Kela: kuntaosuuslaskun liite"])
    sheet.append(["Henkilötunnus", "Etuuskuukausi", "Etuus", "Maksetut päivät", "Kertymäpäivät", "Maksettu €",
                  "Kuntaosuus %", "Kuntaosuus €", "Kunta"])
    excel_date = datetime(2025, 3, 1, tzinfo=UTC).replace(tzinfo=None)  # Excel cells hold naive datetimes
    sheet.append([CODES[0], excel_date, "työmarkkinatuki", 21, 250, 781.41, 20, 156.28, 765])
    sheet.append([CODES[1], "3/2025", "Peruspäiväraha", 20.0, 130, 1744.2, 10, 74.42, "765"])
    sheet.append([CODES[2], "2024-11", "TMT", 20, 420, 674.2, 50, 337.1, 765])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = parse(buffer.getvalue(), file_name="lasku.xlsx")
    assert parsed.encoding == "xlsx"
    assert as_tuples(parsed) == expected_lines()
    assert [x.line for x in parsed.lines] == [3, 4, 5]  # Excel row numbers


def test_several_bad_rows_refused_whole_with_every_line() -> None:
    errors = refused((FIXTURES / "kela_lasku_virheet.csv").read_bytes())
    fields = [field for field, _ in errors]
    assert fields == [
        "rivi 3: henkilötunnus",
        "rivi 4: etuuskuukausi",
        "rivi 5: etuus",
        "rivi 5: maksetut päivät",
        "rivi 5: maksettu €",
        "rivi 6: kuntaosuus €",
    ]
    assert "tarkistusmerkki" in errors[0][1]


def test_more_refusals_name_line_and_column() -> None:
    header = "henkilötunnus;etuuskuukausi;etuus;maksetut päivät;maksettu €;kuntaosuus €;kunta\n"
    rows = [
        f"{CODES[0]};2025-04;tmt;20;700,00;70,00;765",  # after the invoice month
        f"{CODES[1]};2025-03;tmt;20;700,00;70,001;765",  # three decimals
        f"{CODES[2]};2025-03;tmt;20;700,00;70,00;205",  # another municipality
        f"{CODES[2]};2025-03;tmt;-1;700,00;70,00;765",  # negative days
        f"{CODES[2]};2025-03;tmt;20;700,00;;765",  # missing share
        "010190-123M;2025-03;tmt;20;700,00;70,00;765",  # a valid but real (non-artificial) code
    ]
    errors = refused((header + "\n".join(rows) + "\n").encode())
    assert [field for field, _ in errors] == [
        "rivi 2: etuuskuukausi", "rivi 3: kuntaosuus €", "rivi 4: kunta", "rivi 5: maksetut päivät",
        "rivi 6: kuntaosuus €", "rivi 7: henkilötunnus",
    ]


def test_missing_and_duplicate_columns() -> None:
    errors = refused(f"henkilötunnus;etuus;kuntaosuus €;hetu\n{CODES[0]};tmt;1,00;x\n".encode())
    assert [field for field, _ in errors] == [
        "rivi 1: hetu", "rivi 1: etuuskuukausi", "rivi 1: maksetut päivät", "rivi 1: maksettu €",
    ]
    assert refused(b"a;b;c\n1;2;3\n")[0][0] == "rivi 1"


def test_total_line_must_match() -> None:
    data = (f"henkilötunnus;etuuskuukausi;etuus;maksetut päivät;maksettu €;kuntaosuus €\n"
            f"{CODES[0]};2025-03;tmt;20;700,00;70,00\n;Yhteensä;;;;75,00\n").encode()
    assert refused(data) == [("rivi 3: kuntaosuus €", "yhteensä-rivin summa 75.00 € ei täsmää rivien "
                                                       "kuntaosuuksien summaan 70.00 €")]


def test_identity_code_never_in_errors() -> None:
    broken = CODES[0][:-1] + ("Y" if CODES[0][-1] != "Y" else "X")
    data = (f"henkilötunnus;etuuskuukausi;etuus;maksetut päivät;maksettu €;kuntaosuus €\n"
            f"{broken};2025-13;sairauspäiväraha;30;x;y\n{CODES[1]};{CODES[1]};{CODES[1]};1;1;1\n").encode()
    with pytest.raises(ValidationFailed) as failure:
        parse(data)
    text = str(failure.value) + repr(failure.value.errors)
    for code in (broken, CODES[1], CODES[1][:6]):
        assert code not in text


def test_empty_file_and_old_excel() -> None:
    assert refused(b"") == [("tiedosto", "Tiedosto on tyhjä.")]
    assert refused(b"\xd0\xcf\x11\xe0rest", file_name="lasku.xls")[0][0] == "tiedosto"
    assert refused(b"henkil\xf6tunnus;etuuskuukausi;etuus;maksetut p\xe4iv\xe4t;maksettu;kuntaosuus\n")[0] == (
        "tiedosto", "Tiedostossa ei ole yhtään laskuriviä.")
