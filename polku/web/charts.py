"""Charts on any page: the server sends a Vega-Lite spec with its rows inline, the browser draws it.

``Chart`` renders (through ``web/_chart.html``) an empty container labelled as one image, and the spec as a
``<script type="application/json">`` data block written by Django's ``json_script`` (the Content-Security-Policy
allows it: a data block is never executed). ``web/charts.js`` loads the vendored Vega, Vega-Lite and vega-embed
(``static/web/vendor/vega/``, no CDN) on pages that have a chart and draws each spec as SVG, with the CSP-safe
expression interpreter and number and date formats in the page's language.

The picture is an enhancement only: the pages print the same figures as data tables beside it for screen-reader
and keyboard users, and without JavaScript the figure stays hidden and the table carries the figures. No chart
is rendered on the server, so drawing costs a page request nothing; nothing exports charts to files.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import html_safe

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


@html_safe
@dataclasses.dataclass(frozen=True)
class Chart:
    """A Vega-Lite spec for the browser to draw, with its text alternative (title and short description).

    ``{{ chart }}`` in a template writes the container and the spec; ``id_prefix`` must be unique on the page.
    """

    spec: dict[str, Any]
    title: str
    description: str
    id_prefix: str

    @property
    def spec_id(self) -> str:
        return f"{self.id_prefix}-spec"

    def __str__(self) -> str:
        return render_to_string("web/_chart.html", {"chart": self})
