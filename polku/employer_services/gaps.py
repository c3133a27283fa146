"""Services that close a gap: for a skill or a licence a job seeker lacks for a vacancy, the offerings of the area's
service catalogue that teach it.

An offering teaches what its name and description name, read by the same term table that reads CVs and vacancies
(:mod:`polku.employer_services.extraction`, negations included: "ei sisällä trukkikorttia" teaches no forklift). So a
catalogue keeper states what a course gives in plain words in its description, and the matching pages link each
missing skill or licence to the courses and trainings that give it, with their free places.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from polku.employer_services.extraction import counted_codes
from polku.provision.selectors import offerings_with_fill


@dataclass(frozen=True)
class GapService:
    """An offering that teaches a missing concept, as the page links it."""

    code: str  # the missing skill or licence
    offering_id: int
    name: str
    provider: str
    free: int


@lru_cache(maxsize=1024)
def taught(name: str, description: str) -> frozenset[str]:
    """The skills, licences and occupations an offering's own words name (not negated)."""
    return frozenset(counted_codes(f"{name}. {description}"))


def services_closing(codes: Iterable[str], area_id: int | None, on_date: date) -> dict[str, list[GapService]]:
    """For each of ``codes``, the offerings available on ``on_date`` in the area (every area with ``None``) that
    teach it, those with free places first."""
    wanted = set(codes)
    if not wanted:
        return {}
    found: dict[str, list[GapService]] = defaultdict(list)
    for fill in offerings_with_fill(area_id, on_date):
        offering = fill.offering
        for code in taught(offering.name, offering.description) & wanted:
            found[code].append(GapService(code, offering.pk, offering.name, offering.provider.name, fill.free))
    return {code: sorted(services, key=lambda s: (s.free <= 0, s.name)) for code, services in found.items()}
