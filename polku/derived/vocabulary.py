"""The status vocabulary: which labour-market statuses count as unemployed, part-time job seekers, in services,
working, studying or outside the labour force.

The classes are reference data with their statistical and legal sources (``reference/data/status_vocabulary.json``),
not code: a change of definition is an edit of that file. Which service types count in the activation rate is the
service catalogue's ``counts_in_activation`` (``reference/data/service_types.csv``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from polku.reference.loader import DATA_DIR

VOCABULARY_FILE = DATA_DIR / "status_vocabulary.json"


@dataclass(frozen=True)
class StatusClass:
    statuses: frozenset[str]
    source: str


@dataclass(frozen=True)
class StatusVocabulary:
    classes: dict[str, StatusClass]
    service_status: str

    def statuses(self, name: str) -> frozenset[str]:
        return self.classes[name].statuses

    @property
    def unemployed(self) -> frozenset[str]:
        """Unemployed job seekers (the statistics' U; the client process's conversation cadence)."""
        return self.statuses("unemployed")

    @property
    def part_time(self) -> frozenset[str]:
        return self.statuses("part_time")

    @property
    def job_seekers(self) -> frozenset[str]:
        """Statuses a job search carries: they end with it."""
        return self.unemployed | self.part_time

    def class_of(self, status: str | None) -> str | None:
        """The first class (file order) naming ``status``; None for no status or an unclassified one."""
        return next((name for name, c in self.classes.items() if status in c.statuses), None)


@cache
def status_vocabulary() -> StatusVocabulary:
    raw = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    return StatusVocabulary(
        classes={name: StatusClass(frozenset(entry["statuses"]), entry["source"])
                 for name, entry in raw["classes"].items()},
        service_status=raw["service_status"],
    )


@dataclass(frozen=True)
class Vocabulary:
    """What the SQL relations and the reference evaluator need: unemployed statuses, the service status and the
    service types that count in activation (codes sorted, so the SQL text is stable)."""

    unemployed_statuses: tuple[str, ...]
    service_status: str
    activation_services: tuple[str, ...]


def shipped_vocabulary() -> Vocabulary:
    from polku.reference.models import ServiceType

    vocabulary = status_vocabulary()
    return Vocabulary(
        unemployed_statuses=tuple(sorted(vocabulary.unemployed)),
        service_status=vocabulary.service_status,
        activation_services=tuple(sorted(ServiceType.objects.filter(counts_in_activation=True)
                                         .values_list("code", flat=True))),
    )
