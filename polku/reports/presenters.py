"""The report page: which reports a reader may open, and its charts for the browser (drawn by Vega-Lite there; the
PDF draws the same series as SVG on the server)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from polku.kpi import presenters as kpi_presenters
from polku.kpi.selectors import Scope
from polku.reports.layout import IndicatorLine, ReportView
from polku.reports.models import MonthlyReport
from polku.web.charts import VEGA_LITE_SCHEMA, Chart


def readable_scopes(user: Any) -> list[Scope]:
    """The areas and municipalities whose reports ``user`` may read: those whose figures they may see."""
    return kpi_presenters.scopes_for(user)


def archive(scopes: list[Scope]) -> list[MonthlyReport]:
    return list(MonthlyReport.objects.filter(scope_code__in=[s.code for s in scopes]).order_by("-month", "scope_code")
                .defer("figures"))


def _chart(line: IndicatorLine, prefix: str) -> Chart | None:
    rows = [{"month": p.label, "order": i, "value": float(p.cell.value)}
            for i, p in enumerate(line.series) if p.cell.value is not None]
    if not rows:
        return None
    spec = {"$schema": VEGA_LITE_SCHEMA, "width": "container", "height": 200,
            "data": {"values": rows}, "mark": {"type": "bar", "color": "#1f5f8b"},
            "encoding": {"x": {"field": "month", "type": "ordinal", "title": None, "sort": {"field": "order"},
                               "axis": {"labelAngle": -45}},
                         "y": {"field": "value", "type": "quantitative", "title": line.unit_label},
                         "tooltip": [{"field": "month", "type": "ordinal"},
                                     {"field": "value", "type": "quantitative", "format": ",.1f"}]}}
    return Chart(spec, title=line.title,
                 description=_("Pylväät kuukausittain; puuttuva pylväs on jätetty pois tietosuojan vuoksi tai "
                               "kuukaudelta ei ole lukua. Luvut ovat taulukossa kaavion alla."),
                 id_prefix=prefix)


def page_charts(view: ReportView) -> dict[str, Chart | None]:
    charts = {"share": _chart(view.share, "kuntaosuus")}
    for i, line in enumerate(view.headline[:2]):
        charts[f"headline_{i}"] = _chart(line, f"mittari-{i}")
    return charts
