"""Issue 16, item 8 (390 px): every table scrolls inside its own focusable region, and a screen reader names that
region after the table — its caption or its own label — never a bare "Taulukko" for all of them alike."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "polku").glob("*/templates/**/*.html"))
DIV = re.compile(r"<div\b|</div>")
REGION = re.compile(r'<div class="table-scroll"[^>]*role="region"[^>]*>')


def test_every_table_region_is_named_after_its_table() -> None:
    generic, unnamed = [], []
    for path in TEMPLATES:
        for tag in REGION.findall(path.read_text(encoding="utf-8")):
            where = f"{path.parent.name}/{path.name}"
            if '"Taulukko"' in tag or "'Taulukko'" in tag:
                generic.append(where)
            elif "aria-labelledby=" not in tag and "aria-label=" not in tag:
                unnamed.append(where)
    assert generic == []
    assert unnamed == []
    assert TEMPLATES


def test_no_scroll_region_wraps_another() -> None:
    """A region inside a region is announced twice and takes two tab stops to reach one table."""
    nested = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for match in REGION.finditer(text):
            opened = text.rfind('role="region"', 0, match.start())
            if opened == -1:
                continue
            depth = 0  # of the divs from the earlier region's own: it is closed when this returns to zero
            for tag in DIV.finditer(text, text.rfind("<div", 0, opened), match.start()):
                depth += -1 if tag.group(0) == "</div>" else 1
                if depth == 0:
                    break
            if depth > 0:
                nested.append(f"{path.parent.name}/{path.name}")
    assert nested == []
