"""A job seeker's competence profile as a file to enter into the state's job-search profile (työnhakuprofiili,
Työmarkkinatori; under HE 108/2025 every job seeker has one, written by the authority when the client does not).

The state's service classifies occupations and skills by ESCO, so each is given by its ESCO URI with its labels in
Finnish, Swedish and English; education by Statistics Finland's education level (koulutusaste 2016, first digit);
languages by ISO 639-1 code and the Common European Framework's level; licences and cards by the name and the law
or issuer that defines them. Nothing else of the person is in it (no identity code): the counsellor downloads it
from the client's own page, and the download is an access-logged read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from polku.core.languages import text_in
from polku.employer_services.esco import LANGUAGE_NAMES, catalogue
from polku.employer_services.models import CompetenceProfile, EducationLevel, HoursPreference, LanguageLevel, PlacePreference

FORMAT = "polku-job-search-profile"
VERSION = 1
LANGUAGES = ("fi", "sv", "en")


def _labels(labels: dict[str, str]) -> dict[str, str]:
    return {language: text_in(labels, language) for language in LANGUAGES}


def _concepts(codes: list[str]) -> list[dict[str, Any]]:
    table = catalogue()
    found = []
    for code in codes:
        concept = table.concept(code)
        found.append({"esco_uri": code, "label": _labels(concept.labels) if concept else {}})
    return found


def _language(row: dict[str, Any]) -> dict[str, Any]:
    concept = catalogue().language_by_iso(str(row["code"]))
    level = int(row["level"])
    native = level == LanguageLevel.NATIVE
    return {"iso_639_1": row["code"], "label": _labels(concept.labels) if concept else {"en": LANGUAGE_NAMES.get(
        row["code"], row["code"])}, "cefr": None if native else LanguageLevel(level).label, "mother_tongue": native}


def _licence(code: str) -> dict[str, Any]:
    concept = catalogue().licence(code)
    return {"code": code, "label": _labels(concept.labels) if concept else {}, "source": concept.source if concept else ""}


def _choice(choices: Any, value: str) -> dict[str, Any]:
    return {"code": value, "label": str(choices(value).label)}


def profile_document(profile: CompetenceProfile, *, exported_at: datetime) -> dict[str, Any]:
    """The profile as a JSON-ready document (labels of choices in the reader's language, concepts in all three)."""
    level = profile.education_level
    return {
        "format": FORMAT, "version": VERSION, "exported_at": exported_at.isoformat(timespec="seconds"),
        "profile_version": profile.version, "updated_at": profile.updated_at.isoformat(timespec="seconds"),
        "occupations": _concepts(profile.occupations),
        "skills": _concepts(profile.skills),
        "education": {"level": level, "level_label": str(EducationLevel(level).label) if level else "",
                      "level_classification": "Tilastokeskus, koulutusaste 2016 (1. numero)",
                      "degree": profile.education},
        "licences": [_licence(code) for code in profile.licences],
        "languages": [_language(row) for row in profile.languages],
        "work_history": list(profile.work_history),
        "preferences": {"place": _choice(PlacePreference, profile.place_preference),
                        "hours": _choice(HoursPreference, profile.hours_preference)},
    }
