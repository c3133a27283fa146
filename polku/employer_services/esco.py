"""The offline ESCO subset Polku matches on: occupations (with their ISCO-08 unit group), skills, languages, and the
licences and cards vacancies ask for.

Read once from ``data/`` (copied into the repository: nothing is fetched at run time). The concept URIs and English
preferred labels are ESCO's; the Finnish and Swedish labels, the ISCO groups and the search terms are Polku's own and
marked unverified in the file, which the pages say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from polku.core.languages import text_in

DATA = Path(__file__).resolve().parent / "data"
ESCO_PREFIX = "http://data.europa.eu/esco/"
LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class Concept:
    """An ESCO occupation or skill, or a licence: a stable code, labels in three languages, search terms."""

    code: str
    kind: str  # occupation, skill, language, licence
    labels: dict[str, str]
    terms: dict[str, tuple[str, ...]]
    isco: str = ""
    typical_skills: tuple[str, ...] = ()
    source: str = ""

    @property
    def label(self) -> str:
        """The label in the reader's language (Finnish when the language is none of ours)."""
        return text_in(self.labels)

    @property
    def short(self) -> str:
        """The last part of an ESCO URI (its UUID), or the licence code: what URLs and forms carry."""
        return self.code.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Catalogue:
    source: str
    verified: bool
    note: str
    occupations: dict[str, Concept]
    skills: dict[str, Concept]
    licences: dict[str, Concept]

    def concept(self, code: str) -> Concept | None:
        """Any concept by its full URI, its UUID or a licence code."""
        key = code.strip()
        if not key:
            return None
        for table in (self.skills, self.occupations, self.licences):
            if key in table:
                return table[key]
        return _by_short().get(key)

    def skill(self, code: str) -> Concept | None:
        found = self.concept(code)
        return found if found is not None and found.kind in ("skill", "language") else None

    def occupation(self, code: str) -> Concept | None:
        found = self.concept(code)
        return found if found is not None and found.kind == "occupation" else None

    def licence(self, code: str) -> Concept | None:
        return self.licences.get(code.strip())

    def languages(self) -> list[Concept]:
        return [concept for concept in self.skills.values() if concept.kind == "language"]

    def language_by_iso(self, iso: str) -> Concept | None:
        english = LANGUAGE_NAMES.get(iso)
        return next((c for c in self.languages() if c.labels["en"] == english), None)


# ISO 639-1 code → ESCO language skill's English label (the languages in the subset).
LANGUAGE_NAMES = {"fi": "Finnish", "sv": "Swedish", "en": "English", "ru": "Russian", "et": "Estonian",
                  "ar": "Arabic", "de": "German"}


def _terms(raw: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {language: tuple(term.lower() for term in raw.get(language, [])) for language in LANGUAGES}


@cache
def catalogue() -> Catalogue:
    esco = json.loads((DATA / "esco_subset.json").read_text(encoding="utf-8"))
    licences = json.loads((DATA / "licences.json").read_text(encoding="utf-8"))
    occupations = {
        row["uri"]: Concept(code=row["uri"], kind="occupation", labels=row["label"], terms=_terms(row["terms"]),
                            isco=row["isco"], typical_skills=tuple(row["typical_skills"]))
        for row in esco["occupations"]
    }
    skills = {row["uri"]: Concept(code=row["uri"], kind=row["kind"], labels=row["label"], terms=_terms(row["terms"]))
              for row in esco["skills"]}
    licence_table = {row["code"]: Concept(code=row["code"], kind="licence", labels=row["label"],
                                          terms=_terms(row["terms"]), source=row["source"])
                     for row in licences["licences"]}
    return Catalogue(source=esco["source"], verified=bool(esco["verified"]), note=esco["verification_note"],
                     occupations=occupations, skills=skills, licences=licence_table)


@cache
def _by_short() -> dict[str, Concept]:
    table = catalogue()
    return {concept.short: concept for concept in [*table.skills.values(), *table.occupations.values()]}


@cache
def industries() -> dict[str, dict[str, str]]:
    """TOL 2008 sections: code → labels."""
    data = json.loads((DATA / "tol2008.json").read_text(encoding="utf-8"))
    return {row["code"]: {language: row[language] for language in LANGUAGES} for row in data["sections"]}


def industry_label(code: str) -> str:
    labels = industries().get(code)
    if labels is None:
        return ""
    return text_in(labels)


def iso_of(concept: Concept) -> str:
    """The ISO 639-1 code of an ESCO language skill ('' for anything else)."""
    return next((iso for iso, name in LANGUAGE_NAMES.items() if concept.labels["en"] == name), "")
