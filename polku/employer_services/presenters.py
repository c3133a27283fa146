"""What a reader sees of a match: each part of the score in words, with its weight and points."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from polku.access import policy
from polku.core import suppression
from polku.employer_services import matching
from polku.employer_services.esco import LANGUAGE_NAMES, catalogue
from polku.employer_services.extraction import Suggestion
from polku.employer_services.gaps import GapService
from polku.employer_services.models import CompetenceProfile, EducationLevel, LanguageLevel, Vacancy
from polku.provision.models import DecisionKind

PART_LABELS: dict[str, Promise] = {
    "required_skills": gettext_lazy("Vaaditut taidot"),
    "wished_skills": gettext_lazy("Toivotut taidot"),
    "occupation": gettext_lazy("Ammatti"),
    "education": gettext_lazy("Koulutus"),
    "licences": gettext_lazy("Luvat ja kortit"),
    "languages": gettext_lazy("Kielitaito"),
    "place": gettext_lazy("Sijainti"),
    "hours": gettext_lazy("Työaika"),
}

PART_DOCS: dict[str, Promise] = {
    "required_skills": gettext_lazy("Osuus työpaikan vaatimista taidoista, jotka työnhakijalla on."),
    "wished_skills": gettext_lazy("Osuus työpaikan toivomista taidoista, jotka työnhakijalla on."),
    "occupation": gettext_lazy("Kuinka lähellä työnhakijan lähin ammatti on työpaikan ammattia ammattiluokituksessa."),
    "education": gettext_lazy("Yltääkö työnhakijan koulutusaste työpaikan vaatimaan."),
    "licences": gettext_lazy("Osuus vaadituista luvista ja korteista. Jos jokin puuttuu, työnhakija sijoittuu kaikkien "
                             "luvat omaavien jälkeen."),
    "languages": gettext_lazy("Osuus työpaikan kielistä, joita työnhakija osaa vaaditulla tasolla."),
    "place": gettext_lazy("Työpaikka kotikunnassa (täysi), työnhakijan hyväksymällä alueella (puolet) tai sen "
                          "ulkopuolella (ei pisteitä)."),
    "hours": gettext_lazy("Sopiiko työaika työnhakijan toiveeseen."),
}


def _notes() -> dict[str, str]:
    return {
        "not_asked": _("ei vaatimusta"),
        "same_occupation": _("sama ammatti"),
        "same_unit_group": _("sama ammattiryhmä"),
        "same_minor_group": _("lähellä oleva ammattiryhmä"),
        "same_sub_major_group": _("sama ammattialue"),
        "same_major_group": _("sama pääluokka"),
        "none": _("ei lähellä olevaa ammattia"),
        "met": _("riittävä"),
        "below": _("vaadittua alempi tai tuntematon"),
        "home": _("kotikunnassa"),
        "acceptable": _("hyväksytyllä alueella"),
        "outside": _("hyväksytyn alueen ulkopuolella"),
        "fits": _("sopii"),
        "differs": _("eri kuin toive"),
    }


def label_of(code: str) -> str:
    """A concept's label in the reader's language; a language code's name; else the code."""
    table = catalogue()
    concept = table.concept(code) or table.licence(code)
    if concept is not None:
        return concept.label
    if code in LANGUAGE_NAMES:
        language = table.language_by_iso(code)
        return language.label if language else code
    return code


@dataclass(frozen=True)
class GapLink:
    """A service that teaches a missing skill or licence, under the missing one's label."""

    missing: str  # the label of what is missing
    service: GapService


@dataclass(frozen=True)
class PartRow:
    key: str
    label: str
    doc: str
    weight: int
    points: Any
    matched: list[str]
    missing: list[str]
    note: str
    closing: tuple[GapLink, ...] = ()  # services of the catalogue that teach what is missing


# The parts whose missing concepts a course or a training can give (an occupation, a language level or hours cannot).
CLOSABLE_PARTS = frozenset({"required_skills", "wished_skills", "licences"})


def missing_codes(matches: Iterable[matching.Match]) -> set[str]:
    """Every skill and licence the matches say is missing (to look their services up once for a page)."""
    return {code for match in matches for part in match.parts if part.key in CLOSABLE_PARTS for code in part.missing}


def breakdown(match: matching.Match, closing: dict[str, list[GapService]] | None = None) -> list[PartRow]:
    """The score's parts as rows; with ``closing`` (from ``gaps.services_closing``), each missing skill or licence
    with the services that teach it."""
    notes = _notes()
    closing = closing or {}
    return [PartRow(key=part.key, label=str(PART_LABELS[part.key]), doc=str(PART_DOCS[part.key]), weight=part.weight,
                    points=part.points, matched=[label_of(code) for code in part.matched],
                    missing=[label_of(code) for code in part.missing], note=notes.get(part.note, ""),
                    closing=tuple(GapLink(label_of(code), service) for code in part.missing
                                  if part.key in CLOSABLE_PARTS for service in closing.get(code, [])))
            for part in match.parts]


@dataclass(frozen=True)
class EvidenceRow:
    code: str
    kind: str
    label: str
    matched_text: str
    counted: bool
    cue: str


def evidence(suggestions: list[Suggestion]) -> list[EvidenceRow]:
    kinds = {"skill": _("taito"), "language": _("kieli"), "occupation": _("ammatti"), "licence": _("lupa tai kortti")}
    return [EvidenceRow(code=s.concept.short, kind=kinds[s.concept.kind], label=s.concept.label,
                        matched_text=s.evidence.text, counted=not s.negated, cue=s.evidence.cue) for s in suggestions]


FIELD_LABELS: dict[str, Promise] = {
    "person": gettext_lazy("Työnhakija"), "vacancy": gettext_lazy("Työpaikka"),
    "respond_by": gettext_lazy("Vastattava viimeistään"), "offered_on": gettext_lazy("Tarjouspäivä"),
}


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def level_label(level: int) -> str:
    try:
        return str(LanguageLevel(int(level)).label)
    except ValueError:
        return str(level)


def profile_initial(profile: CompetenceProfile | None) -> dict[str, Any]:
    if profile is None:
        return {"version": 0}  # no profile yet: saving over one written meanwhile is refused
    table = catalogue()
    languages = {row["code"]: row["level"] for row in profile.languages}
    history = "\n".join("; ".join([row.get("title", ""), row.get("employer", ""), row.get("start", ""),
                                    row.get("end", "")]).rstrip("; ") for row in profile.work_history)
    return {
        "occupations": [table.occupations[c].short for c in profile.occupations if c in table.occupations],
        "skills": [table.skills[c].short for c in profile.skills if c in table.skills],
        "licences": list(profile.licences), "education_level": profile.education_level,
        "education": profile.education, "work_history": history, "place_preference": profile.place_preference,
        "hours_preference": profile.hours_preference, "version": profile.version,
        **{f"language_{code}": languages.get(code) for code in ("fi", "sv", "en")},
    }


def vacancy_initial(vacancy: Vacancy) -> dict[str, Any]:
    """The vacancy as its form shows it for editing (concepts by their short codes, languages per field)."""
    table = catalogue()
    languages = {row["code"]: row["level"] for row in vacancy.languages}
    occupation = table.occupations.get(vacancy.occupation)
    return {
        "employer": str(vacancy.employer_id), "title": vacancy.title, "description": vacancy.description,
        "occupation": occupation.short if occupation else "",
        "required_skills": [table.skills[c].short for c in vacancy.required_skills if c in table.skills],
        "wished_skills": [table.skills[c].short for c in vacancy.wished_skills if c in table.skills],
        "licences": list(vacancy.licences), "education_level": vacancy.education_level,
        "municipality": vacancy.municipality_id or "", "hours": vacancy.hours, "positions": vacancy.positions,
        "starts_on": vacancy.starts_on, "ends_on": vacancy.ends_on, "apply_by": vacancy.apply_by,
        "version": vacancy.version, **{f"language_{code}": languages.get(code) for code in ("fi", "sv", "en")},
    }


@dataclass(frozen=True)
class ProfileSummary:
    occupations: list[str]
    skills: list[str]
    licences: list[str]
    languages: list[tuple[str, str]]
    education: str
    work_history: list[dict[str, Any]]
    place: str
    hours: str
    by_client: bool = False  # last written by the job seeker in the portal


def profile_summary(profile: CompetenceProfile | None) -> ProfileSummary | None:
    if profile is None:
        return None
    level = str(EducationLevel(profile.education_level).label) if profile.education_level else ""
    return ProfileSummary(
        occupations=[label_of(c) for c in profile.occupations], skills=[label_of(c) for c in profile.skills],
        licences=[label_of(c) for c in profile.licences],
        languages=[(label_of(row["code"]), level_label(row["level"])) for row in profile.languages],
        education=", ".join(part for part in (level, profile.education) if part), work_history=profile.work_history,
        place=str(profile.get_place_preference_display()), hours=str(profile.get_hours_preference_display()),
        by_client=policy.wrote_as_client(profile.updated_by, profile.person_id))


SECTOR_LABELS: dict[str, Promise] = {  # the employer sectors of Sotkamo's indicators, in the figures' order
    "company": gettext_lazy("yritykset"), "municipality": gettext_lazy("kunnat"),
    "third_sector": gettext_lazy("kolmas sektori"), "other": gettext_lazy("muut")}


@dataclass(frozen=True)
class PlacementView:
    """Placements as a reader may see them: counts of 1–4 persons, and those that would give one away by subtraction
    (or whose group is hidden), marked instead of shown to readers who see aggregates only."""

    rows: list[tuple[str, Any, Any]]  # sector label, subsidy ended, working
    ended: Any
    working: Any
    share: float | None  # None when hidden or nobody was followed up


def placement_view(placements: Any, *, suppress: bool) -> PlacementView:
    sectors = list(SECTOR_LABELS)
    values: dict[Any, int] = {("ended", "total"): placements.ended, ("working", "total"): placements.working}
    for sector in sectors:
        values[("ended", sector)], values[("working", sector)] = placements.by_sector[sector]
    primary: set[Any] = set()
    hidden: set[Any] = set()
    if suppress:
        primary = suppression.primary_small(values, suppression.SMALL_CELL_K)
        groups = [suppression.group([(kind, s) for s in sectors], (kind, "total")) for kind in ("ended", "working")]
        hidden = suppression.complement(values, primary, groups)
        # Who works in a group whose size is hidden would tell about the few in it: hidden with it.
        hidden |= {("working", key[1]) for key in hidden if key[0] == "ended"}
        hidden = suppression.complement(values, hidden, groups)

    def shown(key: tuple[str, str]) -> Any:
        return suppression.mark(key, values[key], primary=primary, hidden=hidden, k=suppression.SMALL_CELL_K)

    totals_hidden = {("ended", "total"), ("working", "total")} & hidden
    return PlacementView(
        rows=[(str(SECTOR_LABELS[s]), shown(("ended", s)), shown(("working", s))) for s in sectors],
        ended=shown(("ended", "total")), working=shown(("working", "total")),
        share=None if totals_hidden or not placements.ended else placements.working / placements.ended)


def subsidy_rows(history: Iterable[Any], *, suppress: bool) -> list[tuple[int, str, Any, Any]]:
    """The employer's subsidy history as table rows: year, the kind in the reader's language, decisions, euros.

    For readers who see aggregates only, a year and kind of fewer than five decisions shows neither the count nor
    the euros (None): a single subsidy's euros are one person's wage and subsidy rate."""
    labels = dict(DecisionKind.choices)
    rows: list[tuple[int, str, Any, Any]] = []
    for row in history:
        hidden = suppress and row.decisions < suppression.SMALL_CELL_K
        rows.append((row.year, str(labels.get(row.kind, row.kind)),
                     suppression.mark("decisions", row.decisions, primary={"decisions"}, hidden=set(),
                                      k=suppression.SMALL_CELL_K) if hidden else row.decisions,
                     None if hidden else row.euros))
    return rows


def discloses_nobody(ended: int, working: int) -> bool:
    """A share of persons tells nobody's own status when at least k are counted and neither none nor all are in it."""
    return ended >= suppression.SMALL_CELL_K and 0 < working < ended
