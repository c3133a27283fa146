"""Issue 16, item 8 (390 px): every table scrolls inside its own focusable region, and a screen reader names that
region after the table — its caption or its own label — never a bare "Taulukko" for all of them alike."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "polku").glob("*/templates/**/*.html"))
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
