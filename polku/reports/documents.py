"""The report's documents, made once when it is published: a PDF (WeasyPrint, with its charts drawn here as SVG)
and a workbook (xlsxwriter), each in Finnish, Swedish and English, from the same ``ReportView`` the page shows."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from polku.core.tabular import workbook
from polku.reports.layout import Cell, ReportView, report_view
from polku.reports.svg import bar_chart

STYLESHEET = Path(__file__).resolve().parent / "print" / "report.css"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def title(view: ReportView) -> str:
    return _("Työllisyyspalvelujen kuukausiraportti: %(scope)s, %(month)s") % {
        "scope": view.scope_name, "month": view.month_label}


def trend_rows(view: ReportView) -> list[tuple[str, list[Cell]]]:
    """The headline indicators month by month (one row per month, one column per indicator)."""
    return [(point.label, [line.series[i].cell for line in view.headline])
            for i, point in enumerate(view.headline[0].series)] if view.headline else []


def svg_charts(view: ReportView) -> dict[str, Any]:
    def chart(line: Any, ident: str) -> str:
        description = _("Pylväät kuukausittain; samat luvut ovat taulukossa kaavion alla.")
        svg = bar_chart(line.series, unit=line.unit, title=line.title, description=description, ident=ident)
        return mark_safe(svg)  # noqa: S308 - our own SVG, every text in it escaped

    charts = {"share": chart(view.share, "kuntaosuus")}
    for i, line in enumerate(view.headline[:2]):
        charts[f"headline_{i}"] = chart(line, f"mittari-{i}")
    return charts


def document_html(figures: dict[str, Any], language: str, published_at: datetime) -> str:
    """The printed report as HTML (what WeasyPrint lays out)."""
    view = report_view(figures, language)
    with translation.override(language):
        return render_to_string("reports/document.html", {
            "report": view, "title": title(view), "charts": svg_charts(view), "trend_rows": trend_rows(view),
            "published_at": formats.date_format(timezone.localtime(published_at), "DATETIME_FORMAT"),
        })


def render_pdf(figures: dict[str, Any], language: str, published_at: datetime) -> bytes:
    import weasyprint  # type: ignore[import-untyped]  # loads Pango: only when a report is published

    html = document_html(figures, language, published_at)
    document = weasyprint.HTML(string=html, base_url=str(STYLESHEET.parent))
    data: bytes = document.write_pdf(stylesheets=[weasyprint.CSS(filename=str(STYLESHEET))], pdf_variant="pdf/ua-1")
    return data


def _value(cell: Cell) -> Any:
    return cell.text if cell.value is None else float(cell.value)


def _forecast_rows(ws: Any, view: ReportView, row: int, *, bold: Any, whole: Any, note: Any) -> None:
    """The municipal share's forecast for the next twelve months with its 80 % band, below the months."""
    forecast = view.forecast
    if forecast is None:
        return
    ws.write(row, 0, _("Ennuste: kunnan osuus seuraavien 12 kuukauden ajalta"), bold)
    for i, (label, amount) in enumerate(((forecast.period, forecast.mean_value),
                                         (_("80 %:n väli, alaraja"), forecast.low_value),
                                         (_("80 %:n väli, yläraja"), forecast.high_value)), start=1):
        ws.write(row + i, 0, label)
        ws.write(row + i, 1, float(amount), whole)
    ws.write(row + 4, 0, forecast.explanation, note)
    if (year := forecast.year) is not None:
        ws.write(row + 6, 0, _("Vuosi %(year)s yhteensä: maksettu ja loppuvuoden ennuste") % {"year": year.year}, bold)
        for i, (label, amount) in enumerate(((_("Ennuste"), year.mean_value),
                                             (_("80 %:n väli, alaraja"), year.low_value),
                                             (_("80 %:n väli, yläraja"), year.high_value)), start=7):
            ws.write(row + i, 0, label)
            ws.write(row + i, 1, float(amount), whole)


def render_xlsx(figures: dict[str, Any], language: str, published_at: datetime) -> bytes:
    view = report_view(figures, language)
    buffer = io.BytesIO()
    with translation.override(language):
        book = workbook(buffer)
        book.set_properties({"title": title(view), "author": "Polku", "created": published_at.replace(tzinfo=None)})
        bold = book.add_format({"bold": True})
        number = book.add_format({"num_format": "#,##0.0", "align": "right"})
        whole = book.add_format({"num_format": "#,##0", "align": "right"})
        note = book.add_format({"italic": True, "font_color": "#444444"})
        legend = _("”..” = jätetty pois tietosuojan vuoksi (alle %(k)s henkilöä tai siitä laskettavissa); "
                   "”–” = ei lukua.") % {"k": view.suppressed_below}

        def sheet(name: str, heading: str, columns: list[str]) -> Any:
            ws = book.add_worksheet(name[:31])
            ws.write(0, 0, heading, bold)
            ws.write(1, 0, legend, note)
            ws.write_row(3, 0, columns, bold)
            ws.set_column(0, 0, 44)
            ws.set_column(1, len(columns), 16)
            return ws

        ws = sheet(_("Päämittarit"), title(view), [_("Mittari"), view.month_label, view.year_earlier_label])
        for i, line in enumerate(view.headline):
            ws.write(4 + i, 0, line.title)
            ws.write(4 + i, 1, _value(line.this_month), number)
            ws.write(4 + i, 2, _value(line.year_earlier), number)
        ws = sheet(_("Kuukausittain"), _("Päämittarit kuukausittain"), [_("Kuukausi"), *[ln.title for ln in view.headline]])
        for r, (label, cells) in enumerate(trend_rows(view)):
            ws.write(4 + r, 0, label)
            for c, value in enumerate(cells):
                ws.write(4 + r, 1 + c, _value(value), number)
        ws = sheet(_("Kuntaosuus"), view.share.title, [_("Kuukausi"), "€"])
        for r, point in enumerate(view.share.series):
            ws.write(4 + r, 0, point.label)
            ws.write(4 + r, 1, _value(point.cell), whole)
        row = 5 + len(view.share.series)
        for label, value in ((_("Vuoden alusta"), view.share_ytd),
                             (_("Samat kuukaudet vuotta aiemmin"), view.share_ytd_previous)):
            ws.write(row, 0, label, bold)
            ws.write(row, 1, _value(value), whole)
            row += 1
        _forecast_rows(ws, view, row + 1, bold=bold, whole=whole, note=note)
        ws = sheet(_("Ohjelma"), _("Ohjelman tavoitteet"), [
            _("Ohjelma"), _("Tavoite"), _("Mittari"), _("Lähtötaso"), _("Tavoite"), _("Tavoitepolku tänä vuonna"),
            _("Polun luku tänä vuonna"), _("Tila")])
        r = 4
        for programme in view.programmes:
            for goal_line in programme.lines:
                ws.write_row(r, 0, [programme.name, goal_line.goal, goal_line.label, goal_line.baseline,
                                    goal_line.target, goal_line.path_value, goal_line.actual.text,
                                    goal_line.status_label])
                r += 1
        ws = sheet(_("Vertailu"), _("Vertailuryhmä"), [_("Kunta"), *view.comparison_titles])
        ws.write(2, 0, view.comparison_reason, note)
        for r, compared in enumerate(view.comparison_rows):
            ws.write(4 + r, 0, compared.name, bold if compared.own else None)
            for c, value in enumerate(compared.cells):
                ws.write(4 + r, 1 + c, _value(value), number)
        if view.services:
            ws = sheet(_("Palvelut"), _("Palvelujen täyttöaste"), [_("Palvelu"), _("Täyttöaste")])
            for r, (label, value, _participants, _places) in enumerate(view.services):
                ws.write(4 + r, 0, label)
                ws.write(4 + r, 1, _value(value), number)
        book.close()
    return buffer.getvalue()
