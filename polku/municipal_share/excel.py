"""Excel export (xlsxwriter, in memory) of the share page's tables, with a sheet of the rule sets.

Every figure computed under an unverified rule set carries the word "vahvistamaton" next to it, and the
rule sheet lists each rule set's source and verification status.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from polku.core.tabular import workbook
from polku.municipal_share.presenters import NO_DATA, Figures, LabelledRow, SharePage, month_label
from polku.web.sources import reader_source

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNVERIFIED = "vahvistamaton"


def filename(page: SharePage) -> str:
    return f"kuntaosuus-{page.municipality.code}-{page.period.key}.xlsx"


def _figures(f: Figures, persons: int | str) -> list[Any]:
    return [persons, f.counted_days, float(f.paid_eur), float(f.state_eur), float(f.municipal_eur)]


FIGURE_HEADINGS = ("Henkilöitä", "Laskettuja päiviä", "Maksettu €", "Valtio €", "Kunta €")


def share_workbook(page: SharePage) -> bytes:
    buffer = io.BytesIO()
    book = workbook(buffer)
    bold = book.add_format({"bold": True})
    eur = book.add_format({"num_format": "#,##0.00"})
    warn = book.add_format({"bold": True, "font_color": "#8a3b00"})

    def sheet(name: str, title: str, headings: Sequence[str]) -> Any:
        ws = book.add_worksheet(name)
        ws.write(0, 0, title, bold)
        for rule in page.unverified:
            ws.write(1, 0, f"{UNVERIFIED.upper()}: {rule.code} – {rule.note}", warn)
        ws.write_row(3, 0, headings, bold)
        ws.set_column(0, 0, 16)
        ws.set_column(1, len(headings), 16, eur)
        return ws

    where = f"{page.municipality.name} ({page.municipality.code}) {page.period.label}"
    ws = sheet("Kuukausittain", f"Kuntaosuus kuukausittain, {where}",
               ("Kuukausi", "Sääntö", "Tila", *FIGURE_HEADINGS))
    row = 4
    for m in page.months:
        if m.state == NO_DATA:  # no figures yet: not a row of zeros
            ws.write_row(row, 0, [month_label(m.month), "", m.state_label])
        else:
            state = ", ".join(t for t in ("" if m.verified else UNVERIFIED, m.state_label) if t)
            ws.write_row(row, 0, [month_label(m.month), m.rule_code, state, *_figures(m.figures, m.persons)])
        row += 1
    ws.write_row(row, 0, ["Yhteensä", "", "" if not page.unverified else UNVERIFIED,
                          *_figures(page.total, page.total_persons)], bold)

    def labelled(name: str, title: str, heading: str, rows: Sequence[LabelledRow]) -> None:
        ws = sheet(name, f"{title}, {where}", (heading, *FIGURE_HEADINGS))
        for i, r in enumerate(rows):
            ws.write_row(4 + i, 0, [r.label, *_figures(r.figures, r.persons)])

    labelled("Vuosittain", "Kuntaosuus vuosittain", "Vuosi", page.years)
    labelled("Etuuksittain", "Kuntaosuus etuuksittain", "Etuus", page.benefits)
    labelled("Ikäryhmittäin", "Kuntaosuus ikäryhmittäin", "Ikäryhmä", page.ages)

    if page.comparison_months:
        old, new = page.old_rule, page.new_rule
        ws = sheet("Vertailu", f"Sääntöjen vertailu, {where}", (
            "Kuukausi", f"{old.code} €" + ("" if old.verified else f" ({UNVERIFIED})"),
            f"{new.code} €" + ("" if new.verified else f" ({UNVERIFIED})"), "Erotus €",
            f"Henkilöitä {old.code}", f"Henkilöitä {new.code}"))
        rows = [*page.comparison_months, *page.comparison_years]
        if page.comparison_total is not None:
            rows.append(page.comparison_total)
        for i, c in enumerate(rows):
            ws.write_row(4 + i, 0, [c.label, float(c.old.municipal_eur), float(c.new.municipal_eur),
                                    float(c.difference), c.old_persons, c.new_persons])

    ws = book.add_worksheet("Säännöt")
    ws.write_row(0, 0, ["Koodi", "Nimi", "Voimassa alkaen", "Voimassa asti", "Tila", "Vahvistus", "Lähde",
                        "Huomautus"], bold)
    for i, rule in enumerate(page.rules, start=1):
        ws.write_row(i, 0, [rule.code, rule.name, rule.valid_from.isoformat(),
                            rule.valid_to.isoformat() if rule.valid_to else "",
                            "vahvistettu" if rule.verified else UNVERIFIED, rule.confirmed_note,
                            reader_source(rule.source), reader_source(rule.note)])
    ws.set_column(0, 5, 18)
    ws.set_column(6, 7, 80)
    if page.suppress:
        ws.write(len(page.rules) + 2, 0, _("Alle 5 henkilön lukumäärät on piilotettu (< 5); ”..”: piilotettu, jotta "
                                           "pientä lukua ei voi laskea vähentämällä summasta."))
    for i, r in enumerate(page.per_resident):
        value = f"{r.eur_per_resident} € ({r.residents} asukasta, {r.source})" if r.residents else \
            "— (asukaslukua ei ole syötetty: polku population import)"
        ws.write(len(page.rules) + 3 + i, 0, f"Kunnan osuus asukasta kohden {r.year}: {value}")
    book.close()
    return buffer.getvalue()
