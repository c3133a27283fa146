"""The import: files of the exchange format → checked plan → one transaction, or nothing.

The steps, each of which may only add problems:

1. **read** every file through its profile into records (:mod:`polku.exchange.rows`), one row at a time, and
   **resolve** the person each record belongs to — by the source system's person id (in the same import or imported
   earlier) or by identity code (through its keyed hash only); the records are grouped by person into partitions
   (:mod:`polku.exchange.staging`), so that the rest runs a partition at a time in bounded memory;
2. **plan** each record against what earlier imports left (:class:`SourceRecord`): new, changed (its content hash
   differs), unchanged, restored, deleted (a delta's explicit deletion) — and, in a full snapshot, retract the
   records of the scope and period that the snapshot no longer has;
3. **check the invariants** on the state the plan would leave: a person's current spells never overlap, benefit
   days of a month over every benefit at most its weekdays, one row per person and month and benefit, one plan,
   facts not before the person's birth, municipalities valid for the spell, persons inside the importer's area;
4. if any problem was found, **refuse** the whole import (nothing is written, every problem is listed); on a dry
   run, **report** the plan; otherwise **write** it, every partition in one transaction: corrections supersede the
   earlier version with who, when and why (so "what did we know on D" still answers), retractions supersede without
   a successor. A problem found in a later partition rolls back what earlier ones wrote.

A file of benefit months or of another dated fact (homes, job searches, status spells, employment conditions,
meetings, application reports) whose every row is certain to pass takes the set-based path instead
(:mod:`polku.exchange.setbased`, :mod:`polku.exchange.setbased_facts`): staged, checked, planned and written in SQL,
in the same transaction after the partitions; any other file, and any such file with anything uncertain, takes the
steps above. A first load into empty tables builds their indexes once, after the rows (:func:`_begin`).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from polku.access.models import StaffProfile, Team
from polku.casework.models import CaseAssignment
from polku.core.bulk import bulk_session, chunks, indexes_set_aside, insert_dicts, update_rows
from polku.core.calendar import max_benefit_days_in_month
from polku.exchange.adopt import OWN_SYSTEM, ROW_TABLES, holds_rows, own_keyed
from polku.exchange.facts import FACT_TABLES, NON_OVERLAPPING, UNIQUE_PER_PERSON, living_in
from polku.exchange.models import ExchangeRun, ImportMode, SourceRecord
from polku.exchange.phases import Stopwatch
from polku.exchange.profiles import Profile
from polku.exchange.rows import Record, digest
from polku.exchange.schema import entities
from polku.exchange.setbased import SetBased
from polku.exchange.staging import ImportPlan, Progress, StagedImport, Stager, source_records
from polku.people.models import Gender, Person
from polku.provision.models import Decision, Employer, EmployerKind
from polku.provision.services import check_decision_terms
from polku.reference.models import Municipality
from polku.timeline.db_guards import overlap_checks
from polku.timeline.models import HomeMunicipalitySpell, facts_of

CHUNK = 2000
# An import of at least this many rows into an installation whose written tables are empty is a first load: its
# tables' indexes are built once after the rows instead of row by row (the monthly delta is far below it).
FIRST_LOAD_ROWS = 100_000


@dataclass
class ImportOptions:
    profile: Profile
    mode: str = ImportMode.DELTA
    allowed_municipalities: set[str] | None = None  # None: every municipality (administrators)
    scope_municipalities: set[str] | None = None  # a full snapshot's scope; None: all
    period: tuple[date, date] | None = None
    actor: Any = None
    area_id: int | None = None  # the importer's employment area (counsellors and teams must be of it); None: any
    progress: Progress | None = None


class Throttle:
    """Progress reports at most twice a second (a national import passes millions of rows), the last always."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress is not None and (force or now - self.last > 0.5):
            self.last = now
            self.progress(phase, done, total)


@dataclass
class Shared:
    """What every partition of one import shares: the options, the plan it adds to, and facts read once."""

    options: ImportOptions
    plan: ImportPlan
    systems: set[str]
    municipalities: dict[str, Municipality]
    total: int
    partitioned: bool
    rows_before: dict[str, int]  # per row table (no versions), its highest id when the import began
    # The entities that had source records of the import's systems, and those whose own table had rows, when the
    # import began. Look-ups against what was empty then are skipped: a partition's keys are never another's (a key
    # used twice is refused), so nothing an earlier partition wrote can be what a later one looks for — and the first
    # load of a whole register into an empty installation, the largest import there is, makes no look-ups at all.
    sourced: frozenset[str]
    held: frozenset[str]
    teams: dict[str, list[int]] = field(default_factory=dict)  # team name → its ids (in the importer's area)
    done: int = 0


class Importer:
    """Plans, checks and (when asked) writes one partition of an import: a group of persons and all their records."""

    def __init__(self, shared: Shared, records: dict[str, list[Record]], persons: set[Any] | None = None) -> None:
        self.shared = shared
        self.o = shared.options
        self.plan = shared.plan
        self.records = records
        self.actions: dict[str, dict[str, list[Any]]] = {}
        self.municipalities = shared.municipalities
        self.deleting: list[tuple[Record, SourceRecord]] = []
        self.new_persons = {r.person_key for r in records.get("persons", []) if r.extra.get("new")}
        # The persons this partition stands for: those its records belong to, and any the caller names (a full
        # snapshot's persons that no record mentions any more).
        self.persons = {r.person_key for rs in records.values() for r in rs} | (persons or set())
        self.birth: dict[Any, date] = {r.person_key: r.values["birth_date"] for r in records.get("persons", [])}
        missing = [p for p in self.persons if p not in self.birth]
        for chunk in chunks(missing):
            self.birth.update(Person.objects.filter(pk__in=chunk).values_list("pk", "birth_date"))

    def _refuse(self, record: Record, column: str, code: str, message: str) -> None:
        self.plan.refuse(record, column, code, message)

    def fill_paying_municipalities(self) -> None:
        """A decision without a paying municipality is paid by the person's home municipality on the decision day
        (as the service catalogue records it): filled in before the content hash, so that its export, which names
        the municipality, imports back unchanged."""
        open_rows = [r for r in self.records.get("decisions", []) if not r.values.get("municipality")]
        if not open_rows:
            return
        homes: dict[Any, list[tuple[date, date | None, str]]] = defaultdict(list)
        for record in self.records.get("homes", []):
            if not record.deleted:
                v = record.values
                homes[record.person_key].append((v["start_date"], v["end_date"], v["municipality"]))
        existing = [p for p in {r.person_key for r in open_rows} if p not in self.new_persons and p not in homes]
        for chunk in chunks(existing):
            for person, start, end, code in HomeMunicipalitySpell.objects.current().filter(
                    person_id__in=chunk).values_list(
                    "person_id", "start_date", "end_date", "municipality_id"):
                homes[person].append((start, end, code))
        schema = entities()["decisions"]
        for record in open_rows:
            day = record.values["decided_on"]
            record.values["municipality"] = next((code for start, end, code in homes.get(record.person_key, [])
                                                  if start <= day and (end is None or day <= end)), "")
            record.digest = digest(schema, record.values)

    # -- 3. plan ---------------------------------------------------------------------------------------------

    def plan_actions(self, named: set[str]) -> None:
        """``named``: the entities the import has files of (a full snapshot retracts only those)."""
        for name in entities():
            records = self.records.get(name, [])
            if not records and name not in named:
                continue
            acts: dict[str, list[Any]] = {k: [] for k in ("new", "restored", "changed", "unchanged", "retracted")}
            known = self._known(name, records)
            for record in records:
                sr = known.get(record.key)
                if record.deleted:
                    if sr is not None and sr.retracted_at is None:
                        acts["retracted"].append(sr)
                        self.deleting.append((record, sr))
                    else:
                        acts["unchanged"].append(record)
                    continue
                if sr is None:
                    acts["new"].append((record, None))
                elif sr.retracted_at is not None:
                    acts["restored"].append((record, sr))
                elif name != "persons" and sr.person_id != record.person_key:
                    self._refuse(record, "person_id", "conflict",
                                 "Tietue on Polussa toisen henkilön: lähde ei voi siirtää sitä henkilöltä toiselle.")
                elif sr.content_hash != record.digest:
                    acts["changed"].append((record, sr))
                else:
                    acts["unchanged"].append(record)
            if self.o.mode == ImportMode.FULL and name != "persons":
                seen = {r.key for r in records}
                acts["retracted"].extend(sr for sr in self._in_scope(name) if (sr.system, sr.source_id) not in seen)
            self.actions[name] = acts
            self._tally(name, acts)

    def _known(self, name: str, records: list[Record]) -> dict[tuple[str, str], SourceRecord]:
        """What Polku holds of these records already: their source records, or the facts their own keys name."""
        known = source_records(name, [r.key for r in records]) if name in self.shared.sourced else {}
        if name in self.shared.held:
            known.update(own_keyed(name, [r for r in records if r.key not in known and r.system == OWN_SYSTEM],
                                   self.shared.rows_before))
        return known

    def _tally(self, name: str, acts: dict[str, list[Any]]) -> None:
        for action, listed in acts.items():
            self.plan.tally(name, "new" if action == "restored" else action, len(listed))

    def _in_scope(self, entity: str) -> Iterator[SourceRecord]:
        """The current source records a full snapshot of ``entity`` replaces: its systems and period, of the persons
        who live in the scope today (as the access policy places a person in an area) — and, when the import runs in
        partitions, of this partition's persons."""
        if entity not in self.shared.sourced:
            # Nothing of the import's systems was there when it began, and a partition's persons are its own: what
            # earlier partitions wrote is of other persons, this partition's is not written yet.
            return
        if not self.shared.partitioned:
            yield from in_scope(self.shared, entity).iterator(chunk_size=CHUNK)
            return
        for chunk in chunks(sorted(self.persons, key=str)):
            yield from in_scope(self.shared, entity).filter(person_id__in=chunk).iterator(chunk_size=CHUNK)

    # -- 4. invariants ---------------------------------------------------------------------------------------

    def check(self) -> None:
        self._check_births_and_codes()
        for name, (start, end) in NON_OVERLAPPING.items():
            self._check_overlaps(name, start, end)
        for name, fields in UNIQUE_PER_PERSON.items():
            self._check_unique(name, fields)
        self._check_benefit_days()
        self._check_teams()
        self._check_assignments()
        self._check_decisions()
        self._check_scope()

    def _incoming(self, name: str) -> list[Record]:
        acts = self.actions.get(name, {})
        return [r for r, _ in acts.get("new", []) + acts.get("restored", []) + acts.get("changed", [])]

    def _leaving(self, name: str) -> set[Any]:
        """Lineages whose current version this import supersedes or retracts."""
        acts = self.actions.get(name, {})
        return {sr.lineage for _, sr in acts.get("changed", [])} | {sr.lineage for sr in acts.get("retracted", [])}

    def _check_births_and_codes(self) -> None:
        for name in FACT_TABLES:
            for record in self._incoming(name):
                born = self.birth.get(record.person_key, date.min)
                for field_name, value in record.values.items():
                    if isinstance(value, date) and value < born and not (name == "benefit_months"
                                                                         and value.replace(day=1) >= born.replace(day=1)):
                        self._refuse(record, field_name, "invalid", f"Päivä {value:%d.%m.%Y} on ennen henkilön syntymää.")
                        break
        for record in self._incoming("homes"):
            m = self.municipalities.get(record.values["municipality"])
            start, end = record.values["start_date"], record.values["end_date"]
            if m is None:
                self._refuse(record, "municipality", "unknown", f"Tuntematon kuntanumero {record.values['municipality']}.")
            elif not m.is_valid_on(start) or (m.valid_to is not None and (end is None or end > m.valid_to)):
                self._refuse(record, "municipality", "invalid",
                             f"Kunta {m.code} {m.name_fi} ei ollut voimassa koko jakson ajan.")

    def _existing(self, name: str, persons: set[Any], fields: list[str]) -> dict[Any, list[tuple[Any, ...]]]:
        """Current rows of ``name`` for ``persons`` not being replaced: person → [(lineage, *fields)]."""
        table = FACT_TABLES[name]
        leaving = self._leaving(name)
        existing_persons = [p for p in persons if p not in self.new_persons]
        rows: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
        model_fields = [dict(table.fields)[f] for f in fields]
        for chunk in chunks(existing_persons):
            for row in facts_of(table.model).current().filter(person_id__in=chunk).values_list(
                    "person_id", "lineage", *model_fields):
                if row[1] not in leaving:
                    rows[row[0]].append(row[1:])
        return rows

    def _check_overlaps(self, name: str, start: str, end: str) -> None:
        incoming = self._incoming(name)
        if not incoming:
            return
        by_person: dict[Any, list[Record]] = defaultdict(list)
        for record in incoming:
            by_person[record.person_key].append(record)
        existing = self._existing(name, set(by_person), [start, end])
        for person, records in by_person.items():
            spells: list[tuple[date, date, Record | None]] = [
                (s, e or date.max, None) for _, s, e in existing.get(person, [])]
            spells += [(r.values[start], r.values[end] or date.max, r) for r in records]
            spells.sort(key=lambda s: (s[0], s[1]))
            reach: tuple[date, date, Record | None] | None = None
            for spell in spells:
                if reach is not None and spell[0] <= reach[1]:
                    mine, other = (spell[2], reach) if spell[2] is not None else (reach[2], spell)
                    if mine is not None:
                        until = "…" if other[1] == date.max else f"{other[1]:%d.%m.%Y}"
                        where = f"rivin {other[2].row}" if other[2] is not None else "Polussa jo olevan"
                        self._refuse(mine, start, "overlap",
                                     f"Jakso menee päällekkäin {where} jakson {other[0]:%d.%m.%Y}–{until} kanssa.")
                if reach is None or spell[1] > reach[1]:
                    reach = spell

    def _check_unique(self, name: str, fields: tuple[str, ...]) -> None:
        incoming = self._incoming(name)
        if not incoming:
            return
        persons = {r.person_key for r in incoming}
        taken: dict[tuple[Any, ...], str] = {}
        for person, rows in self._existing(name, persons, list(fields)).items():
            for row in rows:
                taken[(person, *row[1:])] = "Polussa on jo"
        for record in incoming:
            key = (record.person_key, *(record.values[f] for f in fields))
            if key in taken:
                what = "suunnitelma" if name == "plans" else "rivi samoilla tiedoilla"
                self._refuse(record, fields[0] if fields else "source_id", "duplicate",
                             f"{taken[key]} voimassa oleva {what} tälle henkilölle.")
            else:
                taken[key] = f"Rivillä {record.row} on"

    def _check_benefit_days(self) -> None:
        incoming = self._incoming("benefit_months")
        if not incoming:
            return
        persons = {r.person_key for r in incoming}
        totals: dict[tuple[Any, date], int] = defaultdict(int)
        for person, rows in self._existing("benefit_months", persons, ["month", "days"]).items():
            for _, month, days in rows:
                totals[(person, month)] += days
        for record in incoming:
            totals[(record.person_key, record.values["month"])] += record.values["days"]
        for record in incoming:
            month = record.values["month"]
            total = totals[(record.person_key, month)]
            limit = max_benefit_days_in_month(month)
            if total > limit:
                self._refuse(record, "days", "too_many_days",
                             f"Henkilön etuuspäiviä kuukaudelle {month:%m/%Y} olisi kaikkiaan {total}; "
                             f"enintään {limit} (5 päivää viikossa).")

    def _check_teams(self) -> None:
        """Persons' teams by name (a team of the importer's area); an empty team leaves the one set in Polku."""
        for record in self._incoming("persons"):
            record.extra["team_id"] = self._team(record, record.values.get("team") or "")

    def _check_assignments(self) -> None:
        acts = self.actions.get("assignments")
        if not acts:
            return
        names = {r.values.get("counsellor") for r in self._incoming("assignments")} - {"", None}
        counsellors = StaffProfile.objects.filter(user__username__in=names)
        if self.o.area_id is not None:  # a steward assigns their own area's counsellors only
            counsellors = counsellors.filter(area_id=self.o.area_id)
        users = dict(counsellors.values_list("user__username", "user_id"))
        current: dict[Any, Record] = {}
        for record in self._incoming("assignments"):
            counsellor = record.values.get("counsellor") or ""
            if counsellor and counsellor not in users:
                self._refuse(record, "counsellor", "unknown", f"Alueella ei ole ohjaajaa käyttäjätunnuksella {counsellor}.")
            record.extra["counsellor_id"] = users.get(counsellor)
            record.extra["team_id"] = self._team(record, record.values.get("team") or "")
            if record.values.get("ended_on") is None:
                if record.person_key in current:
                    self._refuse(record, "ended_on", "duplicate",
                                 f"Henkilöllä on jo voimassa oleva vastuuohjaaja rivillä {current[record.person_key].row}.")
                current[record.person_key] = record

    def _check_decisions(self) -> None:
        """The decision rules of the service catalogue (employer, percent, duration) with the employer it names:
        one already registered by business ID, or a new one the row describes."""
        incoming = self._incoming("decisions")
        if not incoming:
            return
        ids = {r.values.get("employer_business_id") for r in incoming} - {"", None}
        known = Employer.objects.in_bulk(list(ids), field_name="business_id")
        for record in incoming:
            v = record.values
            business_id = v.get("employer_business_id") or ""
            employer = known.get(business_id)
            if business_id and employer is None:
                if not v.get("employer_name"):
                    self._refuse(record, "employer_name", "required",
                                 f"Työnantajaa {business_id} ei ole Polussa: anna sen nimi (ja tyyppi).")
                    continue
                employer = Employer(name=v["employer_name"], business_id=business_id,
                                    kind=v.get("employer_kind") or EmployerKind.COMPANY)
            if v.get("municipality") and v["municipality"].zfill(3) not in self.municipalities:
                self._refuse(record, "municipality", "unknown", f"Tuntematon kuntanumero {v['municipality']}.")
            columns = {"employer": "employer_business_id"}
            for error in check_decision_terms(v["kind"], employer, v.get("percent"), v["months"]):
                self._refuse(record, columns.get(error.field, error.field), str(error.code), error.message)

    def _team(self, record: Record, name: str) -> int | None:
        if not name:
            return None
        teams = self.shared.teams.get(name)
        if teams is None:  # an import names a few teams many times: each is looked up once
            query = Team.objects.filter(name=name)
            if self.o.area_id is not None:
                query = query.filter(area_id=self.o.area_id)
            teams = self.shared.teams[name] = list(query.values_list("pk", flat=True))
        if len(teams) != 1:
            self._refuse(record, "team", "unknown" if not teams else "invalid",
                         f"Tiimiä {name} ei ole Polussa." if not teams else f"Tiiminimi {name} on usealla alueella.")
            return None
        return int(teams[0])

    def _check_scope(self) -> None:
        """A data steward touches only their area's persons: a person already in Polku must live in the area today
        (as the access policy has it; a home the file claims does not count), a new one must get a home in it — and
        every record the import would change or retract must belong to such a person."""
        allowed = self.o.allowed_municipalities
        if allowed is None:
            return
        persons: dict[Any, Record] = {}
        for records in self.records.values():
            for record in records:
                persons.setdefault(record.person_key, record)
        # Full snapshots retract only within their scope, which the steward's area contains; deletions and changes
        # name a record that must be the steward's to touch.
        touched = {sr.person_id: record for acts in self.actions.values()
                   for record, sr in acts.get("changed", []) + acts.get("restored", [])}
        touched.update({sr.person_id: record for record, sr in self.deleting})
        new_homes: dict[Any, set[str]] = defaultdict(set)
        for record in self._incoming("homes"):
            new_homes[record.person_key].add(record.values["municipality"])
        existing = [p for p in {*persons, *touched} if p not in self.new_persons]
        inside: set[Any] = set()
        for chunk in chunks(existing):
            inside |= set(living_in(allowed).filter(person_id__in=chunk).values_list("person_id", flat=True))
        message = "Henkilö ei asu alueellasi: tuonti on sallittu vain oman alueen henkilöistä."
        for person, record in [*persons.items(), *touched.items()]:
            ok = person in inside if person not in self.new_persons else bool(new_homes[person] & allowed)
            if not ok:
                self._refuse(record, "person_id" if record.entity != "persons" else "source_id", "forbidden", message)

    # -- 5. write --------------------------------------------------------------------------------------------

    def check_partition(self, named: set[str]) -> None:
        """Plan and check this partition; its problems go to the shared plan."""
        self.fill_paying_municipalities()
        self.plan_actions(named)
        self.check()

    def write(self, run: ExchangeRun) -> int:
        """Write this partition's plan (inside the import's transaction); the number of rows written."""
        now = timezone.now()
        actor = self.o.actor if self.o.actor is not None and self.o.actor.is_authenticated else None
        self.written = 0
        self._write_persons(run, actor, now)
        for name, table in FACT_TABLES.items():
            if name in self.actions:
                self._write_facts(name, table.model, run, actor, now)
        if "assignments" in self.actions:
            self._write_assignments(run, actor, now)
        if "decisions" in self.actions:
            self._write_decisions(run, actor)
        return self.written

    def _tick(self, n: int) -> None:
        self.written += n

    def _source_row(self, record: Record, run: ExchangeRun, lineage: Any = None, fact_id: int | None = None,
                    existing: SourceRecord | None = None) -> SourceRecord | dict[str, Any]:
        """A new source record as a row to insert, or ``existing`` brought up to date (to update)."""
        entity = entities()[record.entity]
        fact_date = record.values.get(entity.date_field) if entity.date_field else None
        values = {"system": record.system, "entity": record.entity, "source_id": record.source_id,
                  "person_id": record.person_key, "lineage": lineage, "fact_id": fact_id, "fact_date": fact_date,
                  "content_hash": record.digest, "run_id": run.pk, "file": record.file[:255], "row": record.row,
                  "retracted_at": None}
        if existing is None or existing.pk is None:  # new, or a fact of Polku's own key met for the first time
            return values
        for key, value in values.items():
            setattr(existing, key, value)
        return existing

    def _save_source_rows(self, created: Iterable[Any], updated: list[Any]) -> None:
        insert_dicts(SourceRecord, itertools.chain(created, (row for row in updated if isinstance(row, dict))))
        update_rows(SourceRecord, ["person_id", "lineage", "fact_id", "fact_date", "content_hash", "run_id", "file", "row",
                                   "retracted_at"],
                    (row for row in updated if not isinstance(row, dict) and row.pk is not None))

    def _write_persons(self, run: ExchangeRun, actor: Any, now: datetime) -> None:
        acts = self.actions.get("persons")
        if not acts:
            return
        creating: list[Person] = []
        updating: list[Person] = []
        source_new: list[Any] = []
        source_changed: list[Any] = []
        existing_ids = [r.person_key for r, _ in acts["new"] + acts["restored"] + acts["changed"]
                        if r.person_key not in self.new_persons]
        existing = Person.objects.in_bulk(existing_ids)
        for record, sr in acts["new"] + acts["restored"] + acts["changed"]:
            v = record.values
            fields = {"first_names": v["first_names"], "last_name": v["last_name"], "language": v["language"],
                      "education": v["education"], "immigrant_background": bool(v.get("immigrant_background"))}
            person = existing.get(record.person_key)
            if person is None or record.extra.get("team_id") is not None:
                fields["team_id"] = record.extra.get("team_id")
            if person is None:  # a new person (staging encrypted the code; a known person's is stored already)
                creating.append(Person(id=record.person_key, personal_id_hash=v["personal_id_hash"],
                                       personal_id_encrypted=record.extra["encrypted"], birth_date=v["birth_date"],
                                       gender=Gender.FEMALE if record.extra["female"] else Gender.MALE,
                                       created_by=actor, created_at=now, **fields))
            else:
                # Same keyed hash as stored: staging resolved the person by it (a differing one is refused).
                for key, value in fields.items():
                    setattr(person, key, value)
                updating.append(person)
            if sr is None:
                source_new.append(self._source_row(record, run))
            else:
                source_changed.append(self._source_row(record, run, existing=sr))
        person_fields = [f.attname for f in Person._meta.concrete_fields]
        insert_dicts(Person, [{name: getattr(p, name) for name in person_fields} for p in creating])
        update_rows(Person, ["first_names", "last_name", "language", "education", "immigrant_background", "team_id"],
                    updating)
        self._save_source_rows(source_new, source_changed)
        self._tick(len(creating) + len(updating))

    def _supersede(self, model: Any, lineages: list[Any], now: datetime, actor: Any, reason: str) -> None:
        for chunk in chunks(lineages):
            model._default_manager.current().filter(lineage__in=chunk).update(
                superseded_at=now, superseded_by_user=actor, correction_reason=reason[:500])

    def _write_facts(self, name: str, model: Any, run: ExchangeRun, actor: Any, now: datetime) -> None:
        acts = self.actions[name]
        table = FACT_TABLES[name]
        label = f"{run.created_at:%d.%m.%Y %H.%M}"
        retracted: list[SourceRecord] = acts["retracted"]
        self._supersede(model, [sr.lineage for sr in retracted], now, actor,
                        f"Poistettu lähteessä (tuonti {label})" if self.o.mode == ImportMode.DELTA
                        else f"Puuttui kokonaisaineistosta (tuonti {label})")
        for sr in retracted:
            sr.retracted_at, sr.run = now, run
        changed = acts["changed"]
        self._supersede(model, [sr.lineage for _, sr in changed], now, actor, f"Muuttunut lähteessä (tuonti {label})")
        versions: dict[Any, int] = {}
        if name == "plans" and changed:
            for chunk in chunks([sr.lineage for _, sr in changed]):
                for lineage, version in model._default_manager.filter(lineage__in=chunk).values_list("lineage", "version"):
                    versions[lineage] = max(versions.get(lineage, 0), version)
        extra = {"notes": ""} if name == "meetings" else {}
        incoming = acts["new"] + acts["restored"] + changed
        lineages = [sr.lineage if sr is not None else uuid.uuid4() for _, sr in incoming]
        recorded_by = actor.pk if actor is not None else None

        def fact_rows() -> Iterator[dict[str, Any]]:
            # Made as they are written: a whole entity's rows at once would double the import's memory.
            for (record, _sr), lineage in zip(incoming, lineages, strict=True):
                values = table.row_values(record.values)
                if name == "plans":
                    values["agreed_actions"] = ""
                    values["version"] = versions.get(lineage, 0) + 1
                yield {"person_id": record.person_key, "lineage": lineage, "recorded_at": now,
                       "recorded_by_id": recorded_by, "source": "import", "superseded_at": None,
                       "superseded_by_user_id": None, "correction_reason": "", **extra, **values}

        insert_dicts(model, fact_rows())
        self._save_source_rows(
            (self._source_row(record, run, lineage=lineage) for (record, sr), lineage in zip(incoming, lineages, strict=True)
             if sr is None or sr.pk is None),
            [*retracted, *(self._source_row(record, run, lineage=lineage, existing=sr)
                           for (record, sr), lineage in zip(incoming, lineages, strict=True)
                           if sr is not None and sr.pk is not None)])
        self._tick(len(incoming) + len(retracted))

    def _write_assignments(self, run: ExchangeRun, actor: Any, now: datetime) -> None:
        acts = self.actions["assignments"]
        # A replaced or retracted responsibility that is still current ends now (the history stays); one already
        # ended is a correction of history and is replaced.
        gone = [sr.fact_id for sr in acts["retracted"] if sr.fact_id]
        gone += [sr.fact_id for _, sr in acts["changed"] + acts["restored"] if sr.fact_id]
        label = f"{run.created_at:%d.%m.%Y %H.%M}"
        for chunk in chunks(gone):
            CaseAssignment.objects.filter(pk__in=chunk, ended_at__isnull=True).update(
                ended_at=now, reason=f"Päättyi lähteessä (tuonti {label})")
            CaseAssignment.objects.filter(pk__in=chunk, ended_at__lt=now).delete()
        for sr in acts["retracted"]:
            sr.retracted_at, sr.run = now, run
        incoming = acts["new"] + acts["restored"] + acts["changed"]
        # The register says who is responsible now: a current assignment it brings ends the one recorded by hand.
        current_persons = [r.person_key for r, _ in incoming if r.values.get("ended_on") is None]
        for chunk in chunks(current_persons):
            CaseAssignment.objects.filter(person_id__in=chunk, ended_at__isnull=True).update(ended_at=now)
        source_new: list[Any] = []
        source_changed: list[Any] = list(acts["retracted"])
        tz = timezone.get_current_timezone()
        created = CaseAssignment.objects.bulk_create([
            CaseAssignment(
                person_id=record.person_key, counsellor_id=record.extra.get("counsellor_id"),
                team_id=record.extra.get("team_id"), phase=v.get("phase") or "initial_service", valid_from=v["valid_from"],
                started_at=datetime.combine(v["valid_from"], day_time(), tzinfo=tz),
                ended_at=datetime.combine(v["ended_on"], day_time(), tzinfo=tz) if v.get("ended_on") else None,
                assigned_by=actor, reason="Tuotu rekisteristä")
            for record, _sr in incoming for v in (record.values,)], batch_size=CHUNK)
        for (record, sr), assignment in zip(incoming, created, strict=True):
            if sr is None:
                source_new.append(self._source_row(record, run, fact_id=assignment.pk))
            else:
                source_changed.append(self._source_row(record, run, fact_id=assignment.pk, existing=sr))
        self._save_source_rows(source_new, source_changed)
        self._tick(len(incoming) + len(gone))


    def _write_decisions(self, run: ExchangeRun, actor: Any) -> None:
        """Decisions are rows without versions: a changed one is replaced, a retracted one removed; employers the
        register names but Polku lacks are registered on the way (by business ID)."""
        acts = self.actions["decisions"]
        now = timezone.now()
        gone = [sr.fact_id for _, sr in acts["changed"] + acts["restored"] if sr.fact_id]
        gone += [sr.fact_id for sr in acts["retracted"] if sr.fact_id]
        Decision.objects.filter(pk__in=gone).delete()
        for sr in acts["retracted"]:
            sr.retracted_at, sr.run = now, run
        incoming = acts["new"] + acts["restored"] + acts["changed"]
        ids = {r.values.get("employer_business_id") for r, _ in incoming} - {"", None}
        employers = Employer.objects.in_bulk(list(ids), field_name="business_id")
        for record, _sr in incoming:
            v = record.values
            business_id = v.get("employer_business_id") or ""
            if business_id and business_id not in employers:
                employers[business_id] = Employer.objects.create(
                    name=v["employer_name"], business_id=business_id, kind=v.get("employer_kind") or EmployerKind.COMPANY)
        created = Decision.objects.bulk_create([
            Decision(person_id=r.person_key, kind=r.values["kind"],
                     employer=employers.get(r.values.get("employer_business_id") or ""), percent=r.values.get("percent"),
                     monthly_amount=r.values["monthly_amount"], months=r.values["months"],
                     start_date=r.values["start_date"], decided_on=r.values["decided_on"],
                     municipality_id=r.values["municipality"].zfill(3) if r.values.get("municipality") else None,
                     decided_by=actor)
            for r, _sr in incoming], batch_size=CHUNK)
        source_new: list[Any] = []
        source_changed: list[Any] = list(acts["retracted"])
        for (record, sr), decision in zip(incoming, created, strict=True):
            if sr is None:
                source_new.append(self._source_row(record, run, fact_id=decision.pk))
            else:
                source_changed.append(self._source_row(record, run, fact_id=decision.pk, existing=sr))
        self._save_source_rows(source_new, source_changed)
        self._tick(len(incoming) + len(gone))


def written_models(entity_names: Iterable[str]) -> list[type[Model]]:
    """The tables an import of these entities writes to (the source records, persons and each entity's facts)."""
    names = set(entity_names)
    models: list[type[Model]] = [SourceRecord, Person]
    models += [FACT_TABLES[name].model for name in FACT_TABLES if name in names]
    models += [model for name, model in (("assignments", CaseAssignment), ("decisions", Decision)) if name in names]
    return models


def in_scope(shared: Shared, entity: str) -> Any:
    """The current source records of ``entity`` that a full snapshot replaces (see :meth:`Importer._in_scope`)."""
    query = SourceRecord.objects.filter(system__in=shared.systems, entity=entity, retracted_at__isnull=True)
    if shared.options.scope_municipalities is not None:
        query = query.filter(person_id__in=living_in(shared.options.scope_municipalities).values("person_id"))
    if shared.options.period is not None:
        query = query.filter(fact_date__gte=shared.options.period[0], fact_date__lte=shared.options.period[1])
    return query


class ConcurrentFirstLoadError(RuntimeError):
    """A first load found its tables written by another import once it held them (see :func:`_begin`)."""


class _Undo(Exception):  # noqa: N818 - an instruction, not an error
    """Raised inside the import's transaction to roll back what earlier partitions wrote."""


@dataclass
class Outcome:
    plan: ImportPlan
    written: int = 0
    entities_written: frozenset[str] = frozenset()
    seconds: dict[str, float] = field(default_factory=dict)  # by phase: see :mod:`polku.exchange.phases`


def carry_out(files: list[tuple[Path, str, str, int]], options: ImportOptions, run: ExchangeRun | None) -> Outcome:
    """Read, plan, check and — given a ``run`` and no problem anywhere — write an import, a partition at a time.

    ``run`` ``None`` is a dry run. Every partition is checked even after a problem, so that the refusal lists every
    bad row; the writes of all partitions are one transaction, rolled back when any partition has a problem.
    """
    with bulk_session():
        return _carry_out(files, options, run)


def _carry_out(files: list[tuple[Path, str, str, int]], options: ImportOptions, run: ExchangeRun | None) -> Outcome:
    throttle = Throttle(options.progress)
    watch = Stopwatch()
    set_based = SetBased.for_import(options.profile, options.mode, options.allowed_municipalities, watch)
    try:
        return _carry_out_staged(files, options, run, throttle, set_based=set_based, watch=watch)
    finally:
        if set_based is not None:
            set_based.close()


def _carry_out_staged(files: list[tuple[Path, str, str, int]], options: ImportOptions, run: ExchangeRun | None,
                      throttle: Throttle, *, set_based: SetBased | None, watch: Stopwatch) -> Outcome:
    staged: StagedImport = Stager(options.profile, throttle, set_based).stage(files)
    plan = staged.plan
    shared = Shared(options=options, plan=plan, systems=staged.systems,
                    municipalities={m.code: m for m in Municipality.objects.all()},
                    total=staged.rows, partitioned=staged.partitions.n > 1,
                    rows_before={name: table.highest_id() for name, table in ROW_TABLES.items()},
                    sourced=frozenset(name for name in entities() if SourceRecord.objects.filter(
                        system__in=staged.systems, entity=name).exists()),
                    held=frozenset(name for name in entities() if holds_rows(name)))
    outcome = Outcome(plan)
    watch.lap("read")
    first_load = staged.rows >= FIRST_LOAD_ROWS and not any(
        model._default_manager.exists() for model in written_models(staged.entities_named))
    written_entities: set[str] = set()
    try:
        with ExitStack() as stack:
            in_transaction = False
            for importer in _partitions(shared, staged):  # a partition's reading is its load, the generator's step
                watch.lap("read")
                importer.check_partition(staged.entities_named)
                shared.done += sum(len(rs) for rs in importer.records.values())
                watch.lap("check")
                if run is not None and not plan.refused:
                    if not in_transaction:
                        _begin(stack, staged, first_load)
                        in_transaction = True
                    outcome.written += importer.write(run)
                    written_entities |= set(importer.actions)
                    watch.lap("write")
                throttle("write" if run is not None else "check", shared.done, shared.total)
            watch.lap("read")
            if set_based is not None and set_based.taken and run is not None and not plan.refused:
                # The files the set-based path took, after the partitions (their persons are written by now).
                if not in_transaction:
                    _begin(stack, staged, first_load)
                    in_transaction = True
                actor = options.actor if options.actor is not None and options.actor.is_authenticated else None
                outcome.written += set_based.write(run, actor)
                written_entities |= {taken.entity for taken in set_based.taken}
                shared.done += sum(t.rows for t in set_based.taken)
                watch.lap("write")
            if in_transaction and plan.refused:
                raise _Undo
    except _Undo:
        outcome.written, written_entities = 0, set()
    finally:
        watch.lap("finish")  # the transaction's end: the indexes built again and the commit (or the rollback)
        staged.close()
        watch.lap("read")  # the staged files let go of: reading's own
    outcome.seconds = watch.rounded()
    throttle("write" if run is not None else "check", shared.total, shared.total, force=True)
    outcome.entities_written = frozenset(written_entities)
    return outcome


def _partitions(shared: Shared, staged: StagedImport) -> Iterator[Importer]:
    """An importer per partition of the staged rows; after the last, for a full snapshot in partitions, importers of
    the persons in its scope whom no partition named (all of theirs is retracted)."""
    seen_persons: set[Any] = set()
    for i in range(staged.partitions.n):
        importer = Importer(shared, staged.partitions.load(i))
        seen_persons.update(importer.persons)
        yield importer
    if shared.partitioned and shared.options.mode == ImportMode.FULL:
        for persons in _vanished(shared, staged.entities_named, seen_persons):
            yield Importer(shared, {}, persons)


def _begin(stack: ExitStack, staged: StagedImport, first_load: bool) -> None:
    """Open the import's one transaction; a first load sets the written tables' indexes aside in it (see
    :func:`polku.core.bulk.indexes_set_aside`), to be built again before the commit.

    Only where every written table was empty when the import began: then the import looks nothing up in them (see
    :class:`Shared`), so their indexes serve no one until the commit."""
    stack.enter_context(transaction.atomic())
    if first_load:
        # Not the case workers' assignments: each partition ends the current ones of its persons by person (none in
        # a first load, but the look-up would read the whole table without its index).
        models = [model for model in written_models(staged.entities_named) if model is not CaseAssignment]
        stack.enter_context(indexes_set_aside(models, checks=overlap_checks()))
        # The tables are this transaction's now: another import that wrote them since this one looked finds this
        # one failed (nothing written) rather than its rows unchecked against what it planned.
        if any(model._default_manager.exists() for model in models):
            raise ConcurrentFirstLoadError("another import wrote into the tables of this first load; run it again")


def _vanished(shared: Shared, named: set[str], seen: set[Any]) -> Iterator[set[Any]]:
    """Persons with records in a full snapshot's scope that no row of the snapshot names, in groups of a partition:
    the snapshot no longer has anything of theirs, so all of it is retracted."""
    gone: set[Any] = set()
    for name in (named - {"persons"}) & shared.sourced:  # an entity new to the systems: every record is this import's
        persons = in_scope(shared, name).values_list("person_id", flat=True).distinct()
        gone.update(p for p in persons.iterator(chunk_size=CHUNK) if p not in seen)
    listed = sorted(gone, key=str)
    for start in range(0, len(listed), CHUNK * 10):
        yield set(listed[start:start + CHUNK * 10])
