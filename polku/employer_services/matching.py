"""Explainable matching: a job seeker against a vacancy, scored as parts a person can read.

A pure function of two specifications and the weights (``data/matching_weights.json``): no database, no
protected attribute (the specifications have no field for age, gender, origin or health). Every part has a weight, a
fraction met (0–1) and what was matched or missing; the score is Σ weight × fraction (0–100).

Ranking puts everyone who holds all the vacancy's required licences before anyone who misses one, and says so for
each candidate placed lower for that reason, whatever their score.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

PARTS = ("required_skills", "wished_skills", "occupation", "education", "licences", "languages", "place", "hours")


@dataclass(frozen=True)
class Weights:
    version: str
    source: str
    verified: bool
    note: str
    parts: dict[str, int]
    docs: dict[str, str]
    closeness: dict[str, float]


@cache
def weights() -> Weights:
    data = json.loads((Path(__file__).resolve().parent / "data" / "matching_weights.json").read_text("utf-8"))
    parts = {key: int(value["weight"]) for key, value in data["parts"].items()}
    if set(parts) != set(PARTS) or sum(parts.values()) != 100:
        raise ValueError("matching_weights.json: the parts must be exactly " + ", ".join(PARTS) + ", summing to 100")
    return Weights(version=data["version"], source=data["source"], verified=bool(data["verified"]),
                   note=data["verification_note"], parts=parts,
                   docs={key: value["doc"] for key, value in data["parts"].items()},
                   closeness={key: float(value) for key, value in data["occupation_closeness"].items()})


@dataclass(frozen=True)
class VacancySpec:
    key: Any
    required_skills: frozenset[str] = frozenset()
    wished_skills: frozenset[str] = frozenset()
    occupation: str = ""
    isco: str = ""
    education_level: int | None = None
    licences: frozenset[str] = frozenset()
    languages: tuple[tuple[str, int], ...] = ()  # (ISO code, minimum level)
    municipality: str = ""
    hours: str = "full_time"


@dataclass(frozen=True)
class ProfileSpec:
    key: Any
    occupations: tuple[tuple[str, str], ...] = ()  # (ESCO URI, ISCO code)
    skills: frozenset[str] = frozenset()
    education_level: int | None = None
    licences: frozenset[str] = frozenset()
    languages: dict[str, int] = field(default_factory=dict)
    home_municipality: str = ""
    acceptable_municipalities: frozenset[str] = frozenset()  # empty with place "anywhere"
    anywhere: bool = False
    hours_preference: str = "any"


@dataclass(frozen=True)
class Part:
    key: str
    weight: int
    fraction: float
    matched: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    note: str = ""  # a code the presenter translates: not_asked, same_occupation, home, …

    @property
    def points(self) -> Decimal:
        return (Decimal(self.weight) * Decimal(str(self.fraction))).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Match:
    vacancy: Any
    profile: Any
    parts: tuple[Part, ...]

    @property
    def score(self) -> Decimal:
        return sum((part.points for part in self.parts), Decimal("0"))

    def part(self, key: str) -> Part:
        return next(part for part in self.parts if part.key == key)

    @property
    def missing_licences(self) -> tuple[str, ...]:
        return self.part("licences").missing

    @property
    def missing_required_skills(self) -> tuple[str, ...]:
        return self.part("required_skills").missing


def _share(key: str, wanted: frozenset[str], held: frozenset[str], weight: int) -> Part:
    if not wanted:
        return Part(key, weight, 1.0, note="not_asked")
    matched = tuple(sorted(wanted & held))
    missing = tuple(sorted(wanted - held))
    return Part(key, weight, len(matched) / len(wanted), matched, missing)


def isco_closeness(vacancy: VacancySpec, profile: ProfileSpec, closeness: dict[str, float]) -> tuple[float, str, str]:
    """The best closeness of the job seeker's occupations to the vacancy's: (fraction, level, occupation)."""
    best = (closeness["none"], "none", "")
    for uri, isco in profile.occupations:
        if uri == vacancy.occupation:
            return closeness["same_occupation"], "same_occupation", uri
        shared = 0
        for a, b in zip(isco, vacancy.isco, strict=False):
            if a != b:
                break
            shared += 1
        level = {4: "same_unit_group", 3: "same_minor_group", 2: "same_sub_major_group", 1: "same_major_group"}.get(
            shared, "none")
        if closeness[level] > best[0]:
            best = (closeness[level], level, uri)
    return best


def score(vacancy: VacancySpec, profile: ProfileSpec, w: Weights | None = None) -> Match:
    """The breakdown of ``profile`` against ``vacancy``."""
    w = w or weights()
    p = w.parts
    parts = [
        _share("required_skills", vacancy.required_skills, profile.skills, p["required_skills"]),
        _share("wished_skills", vacancy.wished_skills, profile.skills, p["wished_skills"]),
    ]
    if not vacancy.occupation:
        parts.append(Part("occupation", p["occupation"], 1.0, note="not_asked"))
    else:
        fraction, level, nearest = isco_closeness(vacancy, profile, w.closeness)
        parts.append(Part("occupation", p["occupation"], fraction, (nearest,) if nearest else (),
                          () if nearest else (vacancy.occupation,), note=level))
    if vacancy.education_level is None:
        parts.append(Part("education", p["education"], 1.0, note="not_asked"))
    else:
        met = profile.education_level is not None and profile.education_level >= vacancy.education_level
        parts.append(Part("education", p["education"], 1.0 if met else 0.0, note="met" if met else "below"))
    parts.append(_share("licences", vacancy.licences, profile.licences, p["licences"]))
    if not vacancy.languages:
        parts.append(Part("languages", p["languages"], 1.0, note="not_asked"))
    else:
        ok = tuple(code for code, level in vacancy.languages if profile.languages.get(code, 0) >= level)
        short = tuple(code for code, level in vacancy.languages if profile.languages.get(code, 0) < level)
        parts.append(Part("languages", p["languages"], len(ok) / len(vacancy.languages), ok, short))
    if not vacancy.municipality:
        parts.append(Part("place", p["place"], 1.0, note="not_asked"))
    elif vacancy.municipality == profile.home_municipality:
        parts.append(Part("place", p["place"], 1.0, note="home"))
    elif profile.anywhere or vacancy.municipality in profile.acceptable_municipalities:
        parts.append(Part("place", p["place"], 0.5, note="acceptable"))
    else:
        parts.append(Part("place", p["place"], 0.0, note="outside"))
    hours_ok = profile.hours_preference in ("any", vacancy.hours)
    parts.append(Part("hours", p["hours"], 1.0 if hours_ok else 0.0, note="fits" if hours_ok else "differs"))
    return Match(vacancy.key, profile.key, tuple(parts))


def rank_key(match: Match) -> tuple[int, Decimal]:
    """Complete licences first, then the score (higher first when sorted in reverse)."""
    return (0 if match.missing_licences else 1, match.score)


def rank(matches: Iterable[Match]) -> list[Match]:
    """Best first: all who hold every required licence, by score, then those who miss one, by score (ties by key,
    so the order is the same every time)."""
    return sorted(matches, key=lambda m: (-rank_key(m)[0], -rank_key(m)[1], str(m.profile), str(m.vacancy)))


def placed_below_for_licence(ranked: list[Match]) -> set[Any]:
    """The candidates (profile keys) that rank below someone with a lower score only because they miss a licence."""
    lowest_complete = min((m.score for m in ranked if not m.missing_licences), default=None)
    if lowest_complete is None:
        return set()
    return {m.profile for m in ranked if m.missing_licences and m.score > lowest_complete}


# --- the fast path: many candidates ---------------------------------------------------------------------------------

# The fast estimate rounds differently from the breakdown (floats, not tenths per part): at most 0.05 a part.
ESTIMATE_MARGIN = 0.05 * len(PARTS)


def estimate(vacancy: VacancySpec, profile: ProfileSpec, w: Weights) -> tuple[int, float]:
    """(1 when every required licence is held else 0, the score as a float): what :func:`score` would say, without
    building the breakdown. Used only to choose whom to score in full."""
    p = w.parts
    total = 0.0
    if vacancy.required_skills:
        total += p["required_skills"] * len(vacancy.required_skills & profile.skills) / len(vacancy.required_skills)
    else:
        total += p["required_skills"]
    if vacancy.wished_skills:
        total += p["wished_skills"] * len(vacancy.wished_skills & profile.skills) / len(vacancy.wished_skills)
    else:
        total += p["wished_skills"]
    total += p["occupation"] * (isco_closeness(vacancy, profile, w.closeness)[0] if vacancy.occupation else 1.0)
    if vacancy.education_level is None or (profile.education_level or 0) >= vacancy.education_level:
        total += p["education"]
    complete = 1
    if vacancy.licences:
        held = len(vacancy.licences & profile.licences)
        complete = int(held == len(vacancy.licences))
        total += p["licences"] * held / len(vacancy.licences)
    else:
        total += p["licences"]
    if vacancy.languages:
        ok = sum(1 for code, level in vacancy.languages if profile.languages.get(code, 0) >= level)
        total += p["languages"] * ok / len(vacancy.languages)
    else:
        total += p["languages"]
    if not vacancy.municipality or vacancy.municipality == profile.home_municipality:
        total += p["place"]
    elif profile.anywhere or vacancy.municipality in profile.acceptable_municipalities:
        total += p["place"] * 0.5
    if profile.hours_preference in ("any", vacancy.hours):
        total += p["hours"]
    return complete, total


def _top(pairs: Sequence[tuple[VacancySpec, ProfileSpec]], limit: int, w: Weights) -> list[Match]:
    if len(pairs) <= limit:
        return rank(score(v, p, w) for v, p in pairs)
    estimates = [(estimate(v, p, w), index) for index, (v, p) in enumerate(pairs)]
    cut = heapq.nlargest(limit, estimates)[-1][0]
    # Everyone who could still be in the top ``limit`` once rounded exactly: the same licence tier and within the
    # margin of the last one, or a better tier.
    chosen = [pairs[index] for (tier, value), index in estimates
              if tier > cut[0] or (tier == cut[0] and value >= cut[1] - 2 * ESTIMATE_MARGIN)]
    return rank(score(v, p, w) for v, p in chosen)[:limit]


def best_candidates(vacancy: VacancySpec, profiles: Iterable[ProfileSpec], limit: int = 20) -> list[Match]:
    """The ``limit`` best job seekers for ``vacancy``, in :func:`rank` order, each with the full breakdown; only the
    ones that can reach the top are scored in full."""
    w = weights()
    return _top([(vacancy, profile) for profile in profiles], limit, w)


def best_vacancies(profile: ProfileSpec, vacancies: Iterable[VacancySpec], limit: int = 20) -> list[Match]:
    """The ``limit`` best vacancies for one job seeker, as :func:`best_candidates`."""
    w = weights()
    return _top([(vacancy, profile) for vacancy in vacancies], limit, w)
