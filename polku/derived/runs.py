"""Continuous unemployment runs: the readable reference.

A run is a stretch of status spells of an unemployed status (``vocabulary``) each beginning the day after the
previous one ended: a spell of another status, or a gap of a day, ends it (domain-rules §3, S25: "vähintään vuoden
yhdenjaksoisesti"). Facts after the reference date (``horizon``) are not known yet: a spell starting later is left
out, and one ending later is still open. The SQL of the same relation is ``relations.status_runs_ctes``; the
agreement tests hold the two equal on random histories.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class StatusFact:
    start: date
    end: date | None
    status: str
    service_type: str | None = None


@dataclass(frozen=True)
class RunSpell:
    """A status spell with what runs derive for it."""

    start: date
    end: date | None  # None: open on the reference date
    status: str
    service_type: str | None
    unemployed: bool
    in_activation: bool  # in a service that counts in the activation rate
    run_no: int  # the person's unemployment runs numbered from 1 (0: none has begun yet)
    run_start: date | None  # first day of the run this spell belongs to (None: not an unemployed spell)
    after_service: bool  # an activation service right after another activation service

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class UnemploymentRun:
    start: date
    end: date | None  # None: still open on the reference date
    first: int  # index of its first and last spell in the annotated spells
    last: int

    def length_on(self, day: date) -> int:
        """Days of the run up to and including ``day`` (0 before it began)."""
        last = day if self.end is None else min(day, self.end)
        return max(0, (last - self.start).days + 1)


def annotate(spells: Iterable[StatusFact], unemployed: Iterable[str], horizon: date, *,
             service_status: str | None = None, activation_services: Iterable[str] = ()) -> list[RunSpell]:
    """The person's spells in time order, each with its run (spells are a person's current, non-overlapping ones)."""
    unemployed, activation = frozenset(unemployed), frozenset(activation_services)
    if service_status is None:
        from polku.derived.vocabulary import status_vocabulary

        service_status = status_vocabulary().service_status
    out: list[RunSpell] = []
    run_no, run_start = 0, None
    previous: RunSpell | None = None
    for fact in sorted(spells, key=lambda s: s.start):
        if fact.start > horizon:
            continue
        end = None if fact.end is not None and fact.end > horizon else fact.end
        u = fact.status in unemployed
        a = fact.status == service_status and fact.service_type in activation
        adjacent = previous is not None and previous.end is not None and previous.end == fact.start - timedelta(days=1)
        if u and not (adjacent and previous is not None and previous.unemployed):
            run_no, run_start = run_no + 1, fact.start
        spell = RunSpell(fact.start, end, fact.status, fact.service_type, u, a, run_no, run_start if u else None,
                         a and adjacent and previous is not None and previous.in_activation)
        out.append(spell)
        previous = spell
    return out


def runs(annotated: Sequence[RunSpell]) -> list[UnemploymentRun]:
    """The runs of annotated spells, in time order."""
    out: list[UnemploymentRun] = []
    for i, spell in enumerate(annotated):
        if not spell.unemployed or spell.run_start is None:
            continue
        if out and out[-1].start == spell.run_start:
            out[-1] = UnemploymentRun(spell.run_start, spell.end, out[-1].first, i)
        else:
            out.append(UnemploymentRun(spell.run_start, spell.end, i, i))
    return out


def status_and_run_start(annotated: Sequence[RunSpell], day: date) -> tuple[str | None, date | None]:
    """The status on ``day`` and, when it is an unemployed one, the first day of its run."""
    current = next((s for s in reversed(annotated) if s.covers(day)), None)
    if current is None:
        return None, None
    return current.status, current.run_start


def run_length_on(annotated: Sequence[RunSpell], day: date) -> int:
    """Days of continuous unemployment up to ``day`` (0 when not unemployed on ``day``)."""
    _status, start = status_and_run_start(annotated, day)
    return 0 if start is None else (day - start).days + 1
