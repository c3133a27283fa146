"""The portal's data that is not code: the self-assessment questionnaire and the consent purposes, each versioned
and translated (``data/*.json``). A new version is a new file content, not a code change; answers and consents keep
the version (and, for consents, the very text) they were given on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from polku.core.languages import text_in

DATA = Path(__file__).parent / "data"


def pick(texts: dict[str, str], language: str | None = None) -> str:
    """The text in the reader's language (Finnish when missing)."""
    return text_in(texts, language[:2] if language else None)


@dataclass(frozen=True)
class Item:
    code: str
    domain: str
    text: dict[str, str]


@dataclass(frozen=True)
class Domain:
    code: str
    name: dict[str, str]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Questionnaire:
    version: str
    own_items: bool
    source: dict[str, str]
    work_ability: dict[str, str]
    scale: dict[int, dict[str, str]]
    domains: tuple[Domain, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for domain in self.domains for item in domain.items)

    def domain_name(self, code: str) -> str:
        return next((pick(d.name) for d in self.domains if d.code == code), code)


@cache
def questionnaire() -> Questionnaire:
    raw = json.loads((DATA / "self_assessment.json").read_text(encoding="utf-8"))
    domains = tuple(Domain(code=d["code"], name=d["name"],
                           items=tuple(Item(code=i["code"], domain=d["code"], text=i["text"]) for i in d["items"]))
                    for d in raw["domains"])
    return Questionnaire(version=raw["version"], own_items=bool(raw["own_items"]), source=raw["source"],
                         work_ability=raw["work_ability"], scale={int(k): v for k, v in raw["scale"].items()},
                         domains=domains)


@dataclass(frozen=True)
class Purpose:
    code: str
    name: dict[str, str]
    recipients: tuple[str, ...]
    categories: tuple[str, ...]
    text: dict[str, str]


@dataclass(frozen=True)
class ConsentCatalogue:
    version: str
    purposes: tuple[Purpose, ...]
    recipients: dict[str, dict[str, str]]
    categories: dict[str, dict[str, str]]

    def purpose(self, code: str) -> Purpose | None:
        return next((p for p in self.purposes if p.code == code), None)

    def recipient_name(self, code: str) -> str:
        return pick(self.recipients[code]) if code in self.recipients else code

    def category_names(self, codes: Any) -> str:
        return ", ".join(pick(self.categories[c]) if c in self.categories else str(c) for c in codes)

    def purpose_name(self, code: str) -> str:
        purpose = self.purpose(code)
        return pick(purpose.name) if purpose else code


@cache
def consent_catalogue() -> ConsentCatalogue:
    raw = json.loads((DATA / "consent_purposes.json").read_text(encoding="utf-8"))
    purposes = tuple(Purpose(code=p["code"], name=p["name"], recipients=tuple(p["recipients"]),
                             categories=tuple(p["categories"]), text=p["text"]) for p in raw["purposes"])
    return ConsentCatalogue(version=raw["version"], purposes=purposes, recipients=raw["recipients"],
                            categories=raw["categories"])
