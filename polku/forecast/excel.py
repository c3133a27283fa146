"""Excel export (xlsxwriter, in memory) of a forecast page: the scenario beside the baseline, month by month.

A council member who opens the file sees the same figures as the page and what they rest on: the scenario's
levers, the model's data period, the backtest against the naive baselines, and the municipal share € under each
rule set with "vahvistamaton" next to every figure computed under an unverified rule.
"""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext as _

from polku.core.tabular import workbook
from polku.forecast.backtest import Backtest
from polku.forecast.bands import explanation
from polku.forecast.duration import DurationModel
from polku.forecast.projection import Projection

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(area_code: str, reference: str) -> str:
    return f"ennuste-{area_code}-{reference}.xlsx"


class _Formats:
    def __init__(self, book: Any) -> None:
        self.bold = book.add_format({"bold": True})
        self.number = book.add_format({"num_format": "#,##0.0"})
        self.eur = book.add_format({"num_format": "#,##0"})
        self.warn = book.add_format({"bold": True, "font_color": "#8a3b00"})


def forecast_workbook(*, area_name: str, projection: Projection, baseline: Projection, model: DurationModel,
                      checked: Backtest, series_labels: dict[str, Any], language: str) -> bytes:
    """Sheets: persons by series, municipal share €, scenario levers, model and backtest."""
    buffer = io.BytesIO()
    book = workbook(buffer)
    formats = _Formats(book)
    title = _("Ennuste: %(area)s, skenaario ”%(name)s”, %(paths)s polkua") % {
        "area": area_name, "name": projection.scenario.name, "paths": projection.paths}
    _persons_sheet(book, formats, title, projection, baseline=baseline, series_labels=series_labels)
    if projection.share is not None and projection.euros:
        _euro_sheet(book, formats, title, projection, baseline=baseline, language=language)
    _band_sheet(book, formats, projection)
    ws = book.add_worksheet(_("Skenaario"))
    ws.write_row(0, 0, [_("Vipu"), _("Arvo")], formats.bold)
    for i, (name, value) in enumerate(asdict(projection.scenario).items(), start=1):
        ws.write_row(i, 0, [name, "" if value is None else value])
    ws.set_column(0, 1, 28)
    _model_sheet(book, formats, model, checked)
    book.close()
    return buffer.getvalue()


def _band_sheet(book: Any, formats: _Formats, projection: Projection) -> None:
    """What the 80 % band includes and what it does not, and how often it held in past forecasts."""
    ws = book.add_worksheet(_("Vaihteluväli"))
    ws.write(0, 0, _("Mitä vaihteluväli sisältää"), formats.bold)
    for i, note in enumerate(explanation(projection.bands), start=1):
        ws.write(i, 0, note)
    ws.set_column(0, 0, 120)


def _months(projection: Projection) -> list[str]:
    return [m.isoformat()[:7] for m in projection.months]


def _persons_sheet(book: Any, formats: _Formats, title: str, projection: Projection, *, baseline: Projection,
                   series_labels: dict[str, Any]) -> None:
    ws = book.add_worksheet(_("Henkilöt"))
    ws.write(0, 0, title, formats.bold)
    ws.write(1, 0, _("Keskiarvo ja 80 %:n väli (10. ja 90. persentiili) Monte Carlo -poluista; perusura ilman skenaariota."))
    ws.write(3, 0, _("Kuukausi"), formats.bold)
    column = 1
    for name, band in projection.series.items():
        label = str(series_labels.get(name, name))
        ws.write_row(3, column, [f"{label}: {_('skenaario')}", f"{label}: {_('alaraja 80 %')}",
                                 f"{label}: {_('yläraja 80 %')}", f"{label}: {_('perusura')}"], formats.bold)
        base = baseline.series[name].mean
        for i, month in enumerate(_months(projection)):
            ws.write(4 + i, 0, month)
            ws.write_row(4 + i, column, [band.mean[i], band.p10[i], band.p90[i], base[i]], formats.number)
        column += 4
    ws.set_column(0, 0, 10)
    ws.set_column(1, column, 14)


def _euro_sheet(book: Any, formats: _Formats, title: str, projection: Projection, *, baseline: Projection,
                language: str) -> None:
    assert projection.share is not None
    unverified = _("vahvistamaton")
    ws = book.add_worksheet(_("Kuntaosuus €"))
    ws.write(0, 0, title, formats.bold)
    headings = [_("Kuukausi"), _("Voimassa oleva sääntö")]
    for code in projection.euros:
        mark = "" if projection.share.rules[code].verified else f" ({unverified})"
        headings += [f"{code}{mark}: {_('skenaario')} €", f"{code}: {_('alaraja 80 %')} €",
                     f"{code}: {_('yläraja 80 %')} €", f"{code}: {_('perusura')} €", f"{code}: {_('erotus')} €"]
    row = 2
    for code, rule in projection.share.rules.items():
        if not rule.verified:
            ws.write(row, 0, f"{unverified.upper()}: {code} – {rule.name(language)}", formats.warn)
            row += 1
    ws.write_row(row + 1, 0, headings, formats.bold)
    for i, month in enumerate(_months(projection)):
        values: list[Any] = [month, projection.share.rule_in_force(projection.months[i]) or ""]
        for code, band in projection.euros.items():
            base = baseline.euros[code].mean[i]
            values += [band.mean[i], band.p10[i], band.p90[i], base, band.mean[i] - base]
        ws.write_row(row + 2 + i, 0, values, formats.eur)
    total_row = row + 2 + len(projection.months)
    months = min(12, len(projection.months))
    ws.write(total_row, 0, _("%(months)s ensimmäistä kk yhteensä") % {"months": months}, formats.bold)
    column = 2
    for code in projection.euros:
        scenario_total, base_total = projection.year_total(code, months), baseline.year_total(code, months)
        ws.write(total_row, column, scenario_total, formats.eur)
        ws.write(total_row, column + 3, base_total, formats.eur)
        ws.write(total_row, column + 4, scenario_total - base_total, formats.eur)
        column += 5
    ws.set_column(0, 1, 22)
    ws.set_column(2, column, 18)


def _model_sheet(book: Any, formats: _Formats, model: DurationModel, checked: Backtest) -> None:
    ws = book.add_worksheet(_("Malli ja tarkkuus"))
    ws.write(0, 0, _("Kestomalli: aineisto %(first)s–%(last)s, %(runs)s työttömyysjaksoa.") % {
        "first": model.fitted_from.isoformat(), "last": model.fitted_to.isoformat(), "runs": model.runs}, formats.bold)
    for i, note in enumerate(model.notes, start=1):
        ws.write(i, 0, note)
    row = len(model.notes) + 2
    ws.write(row, 0, _("Takautuva testi: ennuste %(cutoff)s alkaen verrattuna toteutuneeseen") % {
        "cutoff": checked.cutoff.isoformat()}, formats.bold)
    ws.write_row(row + 1, 0, [_("Menetelmä"), "MAPE %"], formats.bold)
    for i, (method, value) in enumerate(checked.unemployed.mape.items(), start=row + 2):
        ws.write_row(i, 0, [method, "" if value is None else round(value, 2)])
    row += 3 + len(checked.unemployed.mape)
    ws.write_row(row, 0, [_("80 %:n välin osumaosuus"), round(checked.unemployed.coverage_80, 3)])
    ws.write_row(row + 1, 0, [_("95 %:n välin osumaosuus"), round(checked.unemployed.coverage_95, 3)])
    ws.write_row(row + 3, 0, [_("Kuukausi"), _("Toteutunut"), _("Malli"), _("Sama kuukausi vuotta aiemmin"),
                              _("Eksponentiaalinen tasoitus")], formats.bold)
    unemployed = checked.unemployed
    for i, month in enumerate(checked.months):
        ws.write_row(row + 4 + i, 0, [month, checked.actual[i], unemployed.model[i], unemployed.same_month_last_year[i],
                                      unemployed.exponential_smoothing[i]], formats.number)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 4, 16)
