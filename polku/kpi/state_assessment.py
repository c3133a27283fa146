"""The state's assessment of the employment areas (Työllisyyskuva, KEHA-keskus) as data: each indicator the state
follows, and the figure of Polku's nearest to it, with how the two may differ.

The published source names the indicators only, so every row is unverified: the file says so and the page shows it.
A row points to a catalogue indicator (``polku.indicator``), to a figure computed elsewhere (``polku.figure``:
``overdue_share``, the share of clients with a statutory step overdue today), or to nothing (Polku does not hold the
data). Loading checks that every indicator named exists in the catalogue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from polku.kpi.definitions import shipped_definitions

DATA = Path(__file__).parent / "data" / "state_assessment.json"
FIGURES = ("overdue_share",)


@dataclass(frozen=True)
class StateIndicator:
    code: str
    name: dict[str, str]
    difference: dict[str, str]
    indicator: str | None  # a catalogue indicator's code
    figure: str | None  # a figure of FIGURES


@dataclass(frozen=True)
class StateAssessment:
    source_name: str
    source_url: str
    retrieved: str
    indicators: tuple[StateIndicator, ...]

    @property
    def retrieved_on(self) -> date:
        return date.fromisoformat(self.retrieved)


def parse(document: dict[str, Any]) -> StateAssessment:
    """The assessment from its file; an unknown indicator or figure is refused, naming the row."""
    codes = set(shipped_definitions().codes)
    rows = []
    for raw in document["indicators"]:
        polku = raw.get("polku") or {}
        indicator, figure = polku.get("indicator"), polku.get("figure")
        if indicator is not None and indicator not in codes:
            raise ValueError(f"{raw['code']}: tuntematon mittari {indicator}")
        if figure is not None and figure not in FIGURES:
            raise ValueError(f"{raw['code']}: tuntematon luku {figure}")
        rows.append(StateIndicator(code=raw["code"], name=raw["name"], difference=raw["difference"],
                                   indicator=indicator, figure=figure))
    source = document["source"]
    return StateAssessment(source["name"], source["url"], source["retrieved"], tuple(rows))


@cache
def state_assessment() -> StateAssessment:
    return parse(json.loads(DATA.read_text(encoding="utf-8")))
