"""The import: files of the exchange format → checked plan → one transaction, or nothing.

The steps, each of which may only add problems:

1. **read** every file through its profile into records (:mod:`polku.exchange.rows`), one row at a time;
2. **resolve** the person each record belongs to: by the source system's person id (in the same import or
   imported earlier) or by identity code (through its keyed hash only);
3. **plan** each record against what earlier imports left (:class:`SourceRecord`): new, changed (its content hash
   differs), unchanged, restored, deleted (a delta's explicit deletion) — and, in a full snapshot, retract the
   records of the scope and period that the snapshot no longer has;
4. **check the invariants** on the state the plan would leave: a person's current spells never overlap, benefit
   days of a month over every benefit at most its weekdays, one row per person and month and benefit, one plan,
   facts not before the person's birth, municipalities valid for the spell, persons inside the importer's area;
5. if any problem was found, **refuse** the whole import (nothing is written, every problem is listed); on a dry
   run, **report** the plan; otherwise **write** it in one transaction: corrections supersede the earlier version
   with who, when and why (so "what did we know on D" still answers), retractions supersede without a successor.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
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
from polku.core.bulk import chunks, insert_dicts, update_rows
from polku.core.calendar import max_benefit_days_in_month
from polku.exchange.adopt import OWN_SYSTEM, own_keyed
from polku.exchange.facts import FACT_TABLES, NON_OVERLAPPING, UNIQUE_PER_PERSON, living_in
from polku.exchange.models import ExchangeRun, ImportMode, SourceRecord
from polku.exchange.profiles import Profile
from polku.exchange.readers import UnreadableFile, open_file
from polku.exchange.rows import Problem, Record, RowReader, digest
from polku.exchange.schema import entities
from polku.people import personal_id
from polku.people.models import Gender, Person
from polku.provision.models import Decision, Employer, EmployerKind
from polku.provision.services import check_decision_terms
from polku.reference.models import Municipality
from polku.timeline.models import HomeMunicipalitySpell

CHUNK = 2000
Progress = Callable[[str, int, int], None]


@dataclass
class FileInfo:
    name: str
    entity: str
    sha256: str
    bytes: int
    rows: int = 0


@dataclass
class ImportPlan:
    """What the import would do, per entity, and every problem found."""

    files: list[FileInfo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    records: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    actions: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    refused_rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def counts(self) -> dict[str, dict[str, int]]:
        out = {}
        for name in entities():
            acts = self.actions.get(name, {})
            if not acts and not self.refused_rows.get(name) and name not in {f.entity for f in self.files}:
                continue
            out[name] = {
                "new": len(acts.get("new", [])) + len(acts.get("restored", [])),
                "changed": len(acts.get("changed", [])),
                "unchanged": len(acts.get("unchanged", [])),
                "retracted": len(acts.get("retracted", [])),
                "refused": self.refused_rows.get(name, 0),
            }
        return out

    @property
    def refused(self) -> bool:
        return bool(self.problems)


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


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            count += block.count(b"\n")
    return max(count - 1, 0)


class Importer:
    """Builds the plan for one set of files and, when asked, writes it."""

    def __init__(self, options: ImportOptions) -> None:
        self.o = options
        self.plan = ImportPlan()
        self.birth: dict[Any, date] = {}
        self.municipalities = {m.code: m for m in Municipality.objects.all()}
        self.rows_done = 0
        self.new_persons: set[Any] = set()
        self.refused_rows_seen: set[tuple[str, int]] = set()
        self.deleting: list[tuple[Record, SourceRecord]] = []
        self.rows_total = 0
        self.last_report = 0.0
        self.written = 0

    # -- progress --------------------------------------------------------------------------------------------

    def _progress(self, phase: str, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.o.progress is not None and (force or now - self.last_report > 0.5):
            self.last_report = now
            self.o.progress(phase, done, total)

    # -- 1. read ---------------------------------------------------------------------------------------------

    def read(self, files: Iterable[tuple[Path, str, str, int]]) -> None:
        """``files``: (path, name shown to users, sha256, size in bytes)."""
        listed = list(files)
        self.rows_total = sum(_count_lines(path) for path, *_ in listed if path.suffix.lower() in {".csv", ".jsonl",
                                                                                                   ".txt", ".ndjson"})
        order = entities()
        found: list[tuple[int, Path, str, str, int, str]] = []
        for path, name, sha, size in listed:
            entity = self.o.profile.entity_for_file(name)
            if entity is None:
                known = ", ".join(self.o.profile.mappings)
                self.plan.problems.append(Problem(name, None, "", "unknown",
                                                  f"Tiedoston nimestä ei selviä tietolaji; profiilin tietolajit: {known}."))
                continue
            found.append((order[entity].order, path, name, sha, size, entity))
        for _, path, name, sha, size, entity in sorted(found, key=lambda f: f[0]):
            info = FileInfo(name=name, entity=entity, sha256=sha, bytes=size)
            self.plan.files.append(info)
            try:
                opened = open_file(path, name)
            except UnreadableFile as error:
                self.plan.problems.append(Problem(name, None, "", "invalid", f"Tiedostoa ei voi lukea: {error}."))
                continue
            reader = RowReader(self.o.profile, order[entity], opened)
            seen: dict[tuple[str, str], int] = {}
            for record in reader.records(self.plan.problems):
                info.rows += 1
                self.rows_done += 1
                if record.key in seen:
                    self._refuse(record, "source_id", "duplicate",
                                 f"Sama tunniste on jo rivillä {seen[record.key]}.")
                    continue
                seen[record.key] = record.row
                self.plan.records[entity].append(record)
                self._progress(f"read:{entity}", self.rows_done, self.rows_total)
            self.plan.refused_rows[entity] += reader.refused
            info.rows += reader.refused
            self.rows_done += reader.refused
        self._progress("read", self.rows_done, self.rows_total, force=True)

    def _refuse(self, record: Record, column: str, code: str, message: str) -> None:
        self.plan.problems.append(Problem(record.file, record.row, column, code, message))
        if (record.file, record.row) not in self.refused_rows_seen:
            self.refused_rows_seen.add((record.file, record.row))
            self.plan.refused_rows[record.entity] += 1

    # -- 2. persons ------------------------------------------------------------------------------------------

    def resolve_persons(self) -> None:
        by_key, by_hash = self._resolve_person_records()
        self._resolve_fact_persons(by_key, by_hash)

    def _resolve_person_records(self) -> tuple[dict[tuple[str, str], Record], dict[str, Record]]:
        """Each person record's Polku person: imported earlier under this key, registered by identity code, or new."""
        persons = self.plan.records.get("persons", [])
        by_key: dict[tuple[str, str], Record] = {}
        by_hash: dict[str, Record] = {}
        for record in persons:
            h = record.values["personal_id_hash"]
            if h in by_hash:
                self._refuse(record, "personal_id", "duplicate",
                             f"Sama henkilötunnus on jo rivillä {by_hash[h].row}.")
                continue
            by_hash[h] = record
            by_key[record.key] = record
        known = self._source_records("persons", list(by_key))
        hashes = self._persons_by_hash([r.values["personal_id_hash"] for r in by_key.values()])
        for key, record in by_key.items():
            existing = known.get(key)
            pid_hash = record.values["personal_id_hash"]
            holder = hashes.get(pid_hash)
            if existing is not None:
                record.person_key = existing.person_id
                if holder is None or holder[0] != existing.person_id:
                    # A source that reuses its ids would otherwise hand one person's history to another.
                    self._refuse(record, "personal_id", "conflict",
                                 "Tunnisteella on Polussa toisen henkilötunnuksen henkilö; korjaa lähteessä tai tuo "
                                 "henkilö uudella tunnisteella.")
            elif holder is not None:
                record.person_key = holder[0]
            else:
                record.person_key = uuid.uuid4()
                self.new_persons.add(record.person_key)
            self.birth[record.person_key] = record.values["birth_date"]
        return by_key, by_hash

    def _resolve_fact_persons(self, by_key: dict[tuple[str, str], Record], by_hash: dict[str, Record]) -> None:
        # Facts: find each record's person — by the person's id in the record's own system, else in the one system
        # that has a person of that id (an export keeps each record's own key, and a person may come from another).
        in_import: dict[str, list[Record]] = defaultdict(list)
        for record in by_key.values():
            in_import[record.source_id].append(record)
        wanted_ids: set[str] = set()
        wanted_hashes: set[str] = set()
        for name, records in self.plan.records.items():
            if name == "persons":
                continue
            for record in records:
                kind, value = record.person_ref or ("", "")
                if kind == "id" and (record.person_system or record.system, value) not in by_key:
                    wanted_ids.add(value)
                elif kind == "hash" and value not in by_hash:
                    wanted_hashes.add(value)
        earlier: dict[str, list[SourceRecord]] = defaultdict(list)
        for chunk in chunks(sorted(wanted_ids)):
            for sr in SourceRecord.objects.filter(entity="persons", source_id__in=chunk):
                earlier[sr.source_id].append(sr)
        registered = self._persons_by_hash(list(wanted_hashes))
        missing_birth = {sr.person_id for srs in earlier.values() for sr in srs} | {v[0] for v in registered.values()}
        for pk, born in Person.objects.filter(pk__in=list(missing_birth - set(self.birth))).values_list("pk", "birth_date"):
            self.birth[pk] = born
        def lookup(record: Record, value: str) -> Any:
            return self._person_by_id(record, value, by_key, in_import, earlier)

        for name, records in self.plan.records.items():
            if name != "persons":
                self.plan.records[name] = [r for r in records if self._attach_person(r, by_hash, registered, lookup)]

    def _attach_person(self, record: Record, by_hash: dict[str, Record], registered: dict[str, tuple[Any, date]],
                       lookup: Callable[[Record, str], Any]) -> bool:
        """Set the record's person; False (and a problem naming the row) when there is none."""
        kind, value = record.person_ref or ("", "")
        if kind == "id":
            record.person_key = lookup(record, value)
            if record.person_key is None:
                self._refuse(record, "person_id", "unknown", f"Henkilöä {value} ei ole tässä tuonnissa eikä Polussa.")
                return False
            return True
        here = by_hash.get(value)
        holder = registered.get(value)
        record.person_key = here.person_key if here is not None else holder[0] if holder else None
        if record.person_key is None:
            self._refuse(record, "personal_id", "unknown", "Henkilötunnuksella ei ole henkilöä tässä tuonnissa eikä Polussa.")
            return False
        return True

    @staticmethod
    def _person_by_id(record: Record, value: str, by_key: dict[tuple[str, str], Record],
                      in_import: dict[str, list[Record]], earlier: dict[str, list[SourceRecord]]) -> Any:
        """The person a row names by id: in the system the row names (``person_system``, else the row's own) — in
        this import, then imported earlier. Without a named system, an id that exactly one system has is taken
        from it (this import first)."""
        system = record.person_system or record.system
        here = by_key.get((system, value))
        if here is not None:
            return here.person_key
        known = earlier.get(value, [])
        same = [sr for sr in known if sr.system == system]
        if same:
            return same[0].person_id
        if record.person_system:
            return None
        if len(in_import.get(value, [])) == 1:
            return in_import[value][0].person_key
        return known[0].person_id if len(known) == 1 else None

    def _source_records(self, entity: str, keys: list[tuple[str, str]]) -> dict[tuple[str, str], SourceRecord]:
        found: dict[tuple[str, str], SourceRecord] = {}
        by_system: dict[str, list[str]] = defaultdict(list)
        for system, source_id in keys:
            by_system[system].append(source_id)
        for system, ids in by_system.items():
            for chunk in chunks(ids):
                for sr in SourceRecord.objects.filter(system=system, entity=entity, source_id__in=chunk):
                    found[(sr.system, sr.source_id)] = sr
        return found

    @staticmethod
    def _persons_by_hash(hashes: list[str]) -> dict[str, tuple[Any, date]]:
        found = {}
        for chunk in chunks(hashes):
            for pk, h, born in Person.objects.filter(personal_id_hash__in=chunk).values_list(
                    "pk", "personal_id_hash", "birth_date"):
                found[h] = (pk, born)
        return found

    def fill_paying_municipalities(self) -> None:
        """A decision without a paying municipality is paid by the person's home municipality on the decision day
        (as the service catalogue records it): filled in before the content hash, so that its export, which names
        the municipality, imports back unchanged."""
        open_rows = [r for r in self.plan.records.get("decisions", []) if not r.values.get("municipality")]
        if not open_rows:
            return
        homes: dict[Any, list[tuple[date, date | None, str]]] = defaultdict(list)
        for record in self.plan.records.get("homes", []):
            if not record.deleted:
                v = record.values
                homes[record.person_key].append((v["start_date"], v["end_date"], v["municipality"]))
        existing = [p for p in {r.person_key for r in open_rows} if p not in self.new_persons and p not in homes]
        for chunk in chunks(existing):
            for person, start, end, code in HomeMunicipalitySpell.objects.filter(
                    person_id__in=chunk, superseded_at__isnull=True).values_list(
                    "person_id", "start_date", "end_date", "municipality_id"):
                homes[person].append((start, end, code))
        schema = entities()["decisions"]
        for record in open_rows:
            day = record.values["decided_on"]
            record.values["municipality"] = next((code for start, end, code in homes.get(record.person_key, [])
                                                  if start <= day and (end is None or day <= end)), "")
            record.digest = digest(schema, record.values)

    # -- 3. plan ---------------------------------------------------------------------------------------------

    def plan_actions(self) -> None:
        systems = {r.system for records in self.plan.records.values() for r in records} or {self.o.profile.system}
        for name in entities():
            records = self.plan.records.get(name, [])
            if not records and name not in {f.entity for f in self.plan.files}:
                continue
            acts: dict[str, list[Any]] = {k: [] for k in ("new", "restored", "changed", "unchanged", "retracted")}
            known = self._source_records(name, [r.key for r in records])
            known.update(own_keyed(name, [r for r in records if r.key not in known and r.system == OWN_SYSTEM]))
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
                acts["retracted"].extend(sr for sr in self._in_scope(name, systems) if (sr.system, sr.source_id) not in seen)
            self.plan.actions[name] = acts

    def _in_scope(self, entity: str, systems: set[str]) -> Iterator[SourceRecord]:
        """The current source records a full snapshot of ``entity`` replaces: its systems and period, of the persons
        who live in the scope today (as the access policy places a person in an area)."""
        query = SourceRecord.objects.filter(system__in=systems, entity=entity, retracted_at__isnull=True)
        if self.o.scope_municipalities is not None:
            query = query.filter(person_id__in=living_in(self.o.scope_municipalities).values("person_id"))
        if self.o.period is not None:
            query = query.filter(fact_date__gte=self.o.period[0], fact_date__lte=self.o.period[1])
        return query.iterator(chunk_size=CHUNK)

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
        acts = self.plan.actions.get(name, {})
        return [r for r, _ in acts.get("new", []) + acts.get("restored", []) + acts.get("changed", [])]

    def _leaving(self, name: str) -> set[Any]:
        """Lineages whose current version this import supersedes or retracts."""
        acts = self.plan.actions.get(name, {})
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
            for row in table.model._default_manager.filter(person_id__in=chunk, superseded_at__isnull=True).values_list(
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
        acts = self.plan.actions.get("assignments")
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
        query = Team.objects.filter(name=name)
        if self.o.area_id is not None:
            query = query.filter(area_id=self.o.area_id)
        teams = list(query.values_list("pk", flat=True))
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
        for records in self.plan.records.values():
            for record in records:
                persons.setdefault(record.person_key, record)
        # Full snapshots retract only within their scope, which the steward's area contains; deletions and changes
        # name a record that must be the steward's to touch.
        touched = {sr.person_id: record for acts in self.plan.actions.values()
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

    @transaction.atomic
    def write(self, run: ExchangeRun) -> None:
        now = timezone.now()
        actor = self.o.actor if self.o.actor is not None and self.o.actor.is_authenticated else None
        total = sum(len(v) for acts in self.plan.actions.values() for k, v in acts.items() if k != "unchanged")
        self.written = 0
        self.write_total = total
        self._write_persons(run, actor, now)
        for name, table in FACT_TABLES.items():
            if name in self.plan.actions:
                self._write_facts(name, table.model, run, actor, now)
        if "assignments" in self.plan.actions:
            self._write_assignments(run, actor, now)
        if "decisions" in self.plan.actions:
            self._write_decisions(run, actor)
        self._progress("write", total, total, force=True)

    def written_models(self) -> list[type[Model]]:
        """The tables this import wrote to (the source records, persons and each entity's facts)."""
        models: list[type[Model]] = [SourceRecord, Person]
        models += [FACT_TABLES[name].model for name in self.plan.actions if name in FACT_TABLES]
        models += [model for name, model in (("assignments", CaseAssignment), ("decisions", Decision))
                   if name in self.plan.actions]
        return models

    def _tick(self, n: int) -> None:
        self.written += n
        self._progress("write", self.written, self.write_total)

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
        acts = self.plan.actions.get("persons")
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
            if person is None:
                code = v["personal_id"]
                creating.append(Person(id=record.person_key, personal_id_hash=v["personal_id_hash"],
                                       personal_id_encrypted=personal_id.encrypt(code), birth_date=v["birth_date"],
                                       gender=Gender.FEMALE if personal_id.is_female(code) else Gender.MALE,
                                       created_by=actor, created_at=now, **fields))
            else:
                for key, value in fields.items():
                    setattr(person, key, value)
                if person.personal_id_hash != v["personal_id_hash"]:
                    person.personal_id_hash = v["personal_id_hash"]
                    person.personal_id_encrypted = personal_id.encrypt(v["personal_id"])
                    person.birth_date = v["birth_date"]
                updating.append(person)
            if sr is None:
                source_new.append(self._source_row(record, run))
            else:
                source_changed.append(self._source_row(record, run, existing=sr))
        person_fields = [f.attname for f in Person._meta.concrete_fields]
        insert_dicts(Person, [{name: getattr(p, name) for name in person_fields} for p in creating])
        Person.objects.bulk_update(updating, ["first_names", "last_name", "language", "education", "immigrant_background",
                                              "team_id", "personal_id_hash", "personal_id_encrypted", "birth_date"],
                                   batch_size=CHUNK)
        self._save_source_rows(source_new, source_changed)
        self._tick(len(creating) + len(updating))

    def _supersede(self, model: Any, lineages: list[Any], now: datetime, actor: Any, reason: str) -> None:
        for chunk in chunks(lineages):
            model._default_manager.filter(lineage__in=chunk, superseded_at__isnull=True).update(
                superseded_at=now, superseded_by_user=actor, correction_reason=reason[:500])

    def _write_facts(self, name: str, model: Any, run: ExchangeRun, actor: Any, now: datetime) -> None:
        acts = self.plan.actions[name]
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
        acts = self.plan.actions["assignments"]
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
        for record, sr in incoming:
            v = record.values
            tz = timezone.get_current_timezone()
            assignment = CaseAssignment.objects.create(
                person_id=record.person_key, counsellor_id=record.extra.get("counsellor_id"),
                team_id=record.extra.get("team_id"), phase=v.get("phase") or "initial_service", valid_from=v["valid_from"],
                started_at=datetime.combine(v["valid_from"], day_time(), tzinfo=tz),
                ended_at=datetime.combine(v["ended_on"], day_time(), tzinfo=tz) if v.get("ended_on") else None,
                assigned_by=actor, reason="Tuotu rekisteristä")
            if sr is None:
                source_new.append(self._source_row(record, run, fact_id=assignment.pk))
            else:
                source_changed.append(self._source_row(record, run, fact_id=assignment.pk, existing=sr))
        self._save_source_rows(source_new, source_changed)
        self._tick(len(incoming) + len(gone))


    def _write_decisions(self, run: ExchangeRun, actor: Any) -> None:
        """Decisions are rows without versions: a changed one is replaced, a retracted one removed; employers the
        register names but Polku lacks are registered on the way (by business ID)."""
        acts = self.plan.actions["decisions"]
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


def build_plan(files: list[tuple[Path, str, str, int]], options: ImportOptions) -> Importer:
    """Read, resolve, plan and check: everything but the write."""
    importer = Importer(options)
    importer.read(files)
    importer._progress("check", 0, 1, force=True)
    importer.resolve_persons()
    importer.fill_paying_municipalities()
    importer.plan_actions()
    importer.check()
    importer._progress("check", 1, 1, force=True)
    return importer


