"""Reading the charts a page sends to the browser: each is a Vega-Lite spec in a ``json_script`` data block
(``polku.web.charts.Chart``), so tests assert on the spec's data rather than on a picture."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import core

_SPEC = re.compile(r'<script id="([^"]+)-spec" type="application/json">(.*?)</script>', re.S)
_CONTAINER = re.compile(r'<div class="chart-canvas" id="([^"]+)-kuva" role="img" aria-label="([^"]*)" '
                        r'aria-describedby="\1-desc" data-chart-spec="\1-spec"></div>')


def chart_specs(html: str) -> dict[str, dict[str, Any]]:
    """The Vega-Lite specs on a page by their id prefix (e.g. ``aikajana``), each checked against the schema."""
    specs = {match.group(1): json.loads(match.group(2)) for match in _SPEC.finditer(html)}
    for spec in specs.values():
        assert_valid_vega_lite(spec)
    return specs


def chart_labels(html: str) -> dict[str, str]:
    """The text alternative (``aria-label`` of the ``role="img"`` container) of each chart by its id prefix."""
    return {match.group(1): match.group(2) for match in _CONTAINER.finditer(html)}


def inline_rows(node: object) -> Iterator[dict[str, Any]]:
    """Every inline data row anywhere in a Vega-Lite spec (data may sit at any level of a layered spec)."""
    if isinstance(node, dict):
        if isinstance(node.get("values"), list):
            yield from (v for v in node["values"] if isinstance(v, dict))
        for value in node.values():
            yield from inline_rows(value)
    elif isinstance(node, list):
        for item in node:
            yield from inline_rows(item)


def assert_valid_vega_lite(spec: dict[str, Any]) -> None:
    """The spec is valid against the Vega-Lite schema altair ships (v6, as the vendored Vega-Lite 6.5 reads)."""
    error = validate_jsonschema(spec, core.load_schema(), raise_error=False)
    assert error is None, error
