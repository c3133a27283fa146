"""Charts on any page: a Vega-Lite spec rendered server-side to accessible inline SVG.

Rendering happens in-process with vl-convert (no browser JS, no network, nothing written to disk).
The SVG is a picture only: it carries a title and a short description, and the pages print the same
figures as data tables beside it for screen-reader and keyboard users.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import vl_convert as vlc
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")
_SIZE_ATTRS = re.compile(r'\s(?:width|height)="[^"]*"')
# Vega still labels mark groups as graphics-object/graphics-symbol and marks with aria-label; inside one
# role="img" they would be announced as images without names (or be prohibited ARIA), so they are dropped.
_INNER_ROLES = re.compile(r'\s(?:role="graphics-[a-z]+"|aria-roledescription="[^"]*"|aria-label="[^"]*")')


SVG_CACHE_SIZE = 512  # about 50 kB each: ~25 MB per server process at most


@functools.lru_cache(maxsize=SVG_CACHE_SIZE)
def _rendered(spec_json: str) -> str:
    """vl-convert's SVG for a spec. Rendering takes ~150 ms; the same facts give the same spec, so a client
    record opened again (by its counsellor, a colleague, after a save) reuses the picture."""
    return _INNER_ROLES.sub("", vlc.vegalite_to_svg(json.loads(spec_json)))


def accessible_svg(spec: dict[str, Any], *, title: str, description: str, id_prefix: str) -> SafeString:
    """Any Vega-Lite spec as inline SVG with ``role="img"``, a ``<title>`` and ``<desc>``, scaling to its container."""
    svg = _rendered(json.dumps(spec, sort_keys=True, default=str))
    match = _SVG_OPEN.search(svg)
    if match is None:  # pragma: no cover - vl-convert always emits an <svg> root
        raise ValueError("vl-convert returned no SVG")
    attributes = _SIZE_ATTRS.sub("", match.group(1))
    head = (
        f'<svg{attributes} role="img" focusable="false" aria-labelledby="{id_prefix}-title {id_prefix}-desc">'
        f'<title id="{id_prefix}-title">{escape(title)}</title><desc id="{id_prefix}-desc">{escape(description)}</desc>'
    )
    # The SVG is produced by vl-convert from our own rows; every text it contains was escaped by Vega.
    return mark_safe(svg[: match.start()] + head + svg[match.end():])  # noqa: S308
