"""Reading an import's files into partitions of persons, so that an import of any size runs in bounded memory.

Every check of an import but one is about one person (their spells, benefit months, plan, scope), so the import is
planned, checked and written one group of persons — a *partition* — at a time. The files are read once, here:

1. **person rows** are checked and resolved as they come, a chunk at a time: the Polku person each one is (imported
   earlier under its source key, registered by identity code, or new). A compact index keeps, per person, what a fact
   row may name it by — its source key, its identity code's keyed hash, its id — and nothing else;
2. **fact rows** find their person through that index, or in the database for a person imported earlier, and each
   record goes to the partition of its person;
3. the one check across persons, **a source key used twice**, is kept as a 128-bit digest per row and settled when an
   entity's files have been read (the duplicates are refused, naming the row that came first).

A small import stays in memory as one partition. A large one is spilled to a private directory under ``var/``, one
file per partition, removed when the import ends whatever happens (and by the next import, if a killed process
left it). Identity codes are never
spilled in clear: a person row carries its code encrypted, as the database stores it.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
import tempfile
import uuid
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from polku.core.bulk import chunks
from polku.exchange.models import SourceRecord
from polku.exchange.profiles import Profile
from polku.exchange.readers import UnreadableFile, open_file
from polku.exchange.rows import Problem, Record, RowReader
from polku.exchange.schema import entities
from polku.exchange.setbased import ENTITIES as SET_BASED_ENTITIES
from polku.exchange.setbased import SetBased
from polku.people import personal_id
from polku.people.models import Person

# A partition of about this many rows holds a few hundred MB in memory while it is planned, checked and written;
# an import has at most MAX_PARTITIONS, and at most BUFFERED_ROWS records wait in memory to be spilled.
PARTITION_ROWS = 200_000
MAX_PARTITIONS = 512
BUFFERED_ROWS = 100_000
CHUNK = 2000
AMBIGUOUS = object()  # an id that more than one system of this import gives to a person
ACTIONS = ("new", "changed", "unchanged", "retracted")  # what an import does to a record, as its summary counts
Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class FileInfo:
    name: str
    entity: str
    sha256: str
    bytes: int
    rows: int = 0


@dataclass
class ImportPlan:
    """What the import did or would do, per entity, and every problem found — summed over its partitions."""

    files: list[FileInfo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused_rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tallies: dict[str, dict[str, int]] = field(default_factory=dict)
    refused_seen: set[tuple[str, int]] = field(default_factory=set)

    def refuse(self, record: Record, column: str, code: str, message: str) -> None:
        self.problems.append(Problem(record.file, record.row, column, code, message))
        if (record.file, record.row) not in self.refused_seen:
            self.refused_seen.add((record.file, record.row))
            self.refused_rows[record.entity] += 1

    def tally(self, entity: str, action: str, n: int) -> None:
        counts = self.tallies.setdefault(entity, dict.fromkeys(ACTIONS, 0))
        counts[action] += n

    def counts(self) -> dict[str, dict[str, int]]:
        out = {}
        named = {f.entity for f in self.files}
        for name in entities():
            tallies = self.tallies.get(name)
            if tallies is None and not self.refused_rows.get(name) and name not in named:
                continue
            out[name] = {**(tallies or dict.fromkeys(ACTIONS, 0)),
                         "refused": self.refused_rows.get(name, 0)}
        return out

    @property
    def refused(self) -> bool:
        return bool(self.problems)


def _estimated_rows(path: Path) -> int:
    """Rows of a text file by its line breaks; other formats by size (about 80 bytes a row), for sizing only."""
    if path.suffix.lower() not in {".csv", ".jsonl", ".txt", ".ndjson", ".tsv"}:
        return path.stat().st_size // 80
    count = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            count += block.count(b"\n")
    return max(count - 1, 0)


def _has_rows(path: Path, name: str) -> bool:
    """Whether a file has a row after its header (in any format); one it cannot read counts as having rows."""
    try:
        opened = open_file(path, name)
    except UnreadableFile:
        return True
    try:
        return next(opened.rows, None) is not None
    finally:
        close = getattr(opened.rows, "close", None)
        if close is not None:
            close()


def spill_root() -> Path:
    """Where partitions are spilled: under the installation's ``var/``, beside the uploads, never shared."""
    return Path(settings.VAR_DIR) / "import-partitions"


def remove_stale_spills() -> None:
    """Remove partitions a killed import left behind. Imports run one at a time (they hold the import lock), so at
    the start of one, anything here is stale."""
    root = spill_root()
    if root.exists():
        for directory in root.glob("import-*"):
            shutil.rmtree(directory, ignore_errors=True)


class Partitions:
    """Records grouped by their person into ``n`` partitions: in memory when there is one, otherwise pickled in
    batches into a private directory that :meth:`close` removes. At most ``BUFFERED_ROWS`` records wait in memory
    for their partition's next batch."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.memory: list[Record] = []
        self.directory: Path | None = None
        self.buffers: list[list[Record]] = [[] for _ in range(n)] if n > 1 else []
        self.buffered = 0
        self.skip: set[tuple[str, int]] = set()
        if n > 1:
            parent = spill_root()
            parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.directory = Path(tempfile.mkdtemp(prefix="import-", dir=parent))  # mkdtemp: readable by us only

    def add(self, record: Record) -> None:
        if self.n == 1:
            self.memory.append(record)
            return
        self.buffers[record.person_key.int % self.n].append(record)
        self.buffered += 1
        if self.buffered >= BUFFERED_ROWS:
            self.seal()

    def seal(self) -> None:
        """Write what the buffers hold (every record is in, or the buffers are full)."""
        if self.directory is None:
            return
        for i, buffer in enumerate(self.buffers):
            if buffer:
                with (self.directory / f"{i}.pickle").open("ab") as stream:
                    pickle.dump(buffer, stream, protocol=pickle.HIGHEST_PROTOCOL)
                self.buffers[i] = []
        self.buffered = 0

    def load(self, i: int) -> dict[str, list[Record]]:
        """Partition ``i``'s records by entity, in the order they were read (refused duplicates left out)."""
        by_entity: dict[str, list[Record]] = defaultdict(list)
        for record in self._records(i):
            if (record.file, record.row) not in self.skip:
                by_entity[record.entity].append(record)
        return by_entity

    def _records(self, i: int) -> Iterator[Record]:
        if self.n == 1:
            yield from self.memory
            return
        assert self.directory is not None
        path = self.directory / f"{i}.pickle"
        if not path.exists():
            return
        with path.open("rb") as stream:
            while True:
                try:
                    batch = pickle.load(stream)  # noqa: S301 - our own file, written moments ago, mode 0700
                except EOFError:
                    return
                yield from batch

    def close(self) -> None:
        self.memory = []
        self.buffers = []
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


class KeyDigests:
    """The source keys of one entity's rows as 128-bit digests, to find a key used twice without keeping the keys."""

    def __init__(self) -> None:
        self.high = array("Q")
        self.low = array("Q")
        self.rows = array("q")
        self.files = array("H")
        self.names: list[str] = []

    def add(self, record: Record) -> None:
        if not self.names or self.names[-1] != record.file:
            self.names.append(record.file)
        value = hashlib.blake2b(f"{record.system}\x1f{record.source_id}".encode(), digest_size=16).digest()
        self.high.append(int.from_bytes(value[:8], "little"))
        self.low.append(int.from_bytes(value[8:], "little"))
        self.rows.append(record.row)
        self.files.append(len(self.names) - 1)

    def duplicates(self) -> Iterator[tuple[str, int, str, int]]:
        """(file, row, first file, first row) of every row whose key an earlier row already had."""
        if len(self.rows) < 2:
            return
        high = np.frombuffer(self.high, dtype=np.uint64)
        low = np.frombuffer(self.low, dtype=np.uint64)
        order = np.lexsort((low, high))
        same = (high[order][1:] == high[order][:-1]) & (low[order][1:] == low[order][:-1])
        if not same.any():
            return
        groups: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for at in np.flatnonzero(same):
            for i in (int(order[at]), int(order[at + 1])):
                groups[(int(high[i]), int(low[i]))].append((self.files[i], self.rows[i]))
        for members in groups.values():
            first, *rest = sorted(set(members))
            for file_index, row in rest:
                yield self.names[file_index], row, self.names[first[0]], first[1]


class PersonIndex:
    """The persons of this import, by what a fact row may name them by; each entry is ``[person key, row]``."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], list[Any]] = {}
        self.by_hash: dict[str, list[Any]] = {}
        self.by_id: dict[str, Any] = {}  # source id → person key, or AMBIGUOUS when several systems use it

    def add(self, record: Record, entry: list[Any]) -> None:
        self.by_key[record.key] = entry
        self.by_hash[record.values["personal_id_hash"]] = entry
        self.by_id[record.source_id] = AMBIGUOUS if record.source_id in self.by_id else entry


@dataclass
class StagedImport:
    """An import's files read, its persons resolved, and its records in partitions — ready to be planned."""

    plan: ImportPlan
    partitions: Partitions
    systems: set[str]
    entities_named: set[str]
    rows: int

    def close(self) -> None:
        self.partitions.close()


class Stager:
    """Reads the files (see the module's docstring)."""

    def __init__(self, profile: Profile, progress: Progress, set_based: SetBased | None = None) -> None:
        self.profile = profile
        self.progress = progress
        self.set_based = set_based
        self.plan = ImportPlan()
        self.index = PersonIndex()
        self.systems: set[str] = set()
        self.rows_done = 0
        self.rows_total = 0
        self.staged = 0
        self.partitions = Partitions(1)
        self.decisions = False  # whether the import has a decision row

    def stage(self, files: Iterable[tuple[Path, str, str, int]]) -> StagedImport:
        """``files``: (path, name shown to users, sha256, size in bytes)."""
        listed = list(files)
        self.rows_total = sum(_estimated_rows(path) for path, *_ in listed)
        order = entities()
        found: list[tuple[int, Path, str, str, int, str]] = []
        for path, name, sha, size in listed:
            entity = self.profile.entity_for_file(name)
            if entity is None:
                known = ", ".join(self.profile.mappings)
                self.plan.problems.append(Problem(name, None, "", "unknown",
                                                  f"Tiedoston nimestä ei selviä tietolaji; profiilin tietolajit: {known}."))
                continue
            found.append((order[entity].order, path, name, sha, size, entity))
        remove_stale_spills()
        self.partitions = Partitions(min(MAX_PARTITIONS, max(1, -(-self.rows_total // PARTITION_ROWS))))
        try:
            by_entity: dict[str, list[tuple[Path, str, str, int]]] = defaultdict(list)
            for _, path, name, sha, size, entity in sorted(found, key=lambda f: f[0]):
                by_entity[entity].append((path, name, sha, size))
            self.decisions = any(_has_rows(path, name) for path, name, *_ in by_entity.get("decisions", []))
            for entity, entity_files in by_entity.items():
                self._stage_entity(entity, entity_files)
            self.partitions.seal()
        except BaseException:
            self.partitions.close()
            raise
        self.progress("read", self.rows_done, self.rows_total)
        return StagedImport(self.plan, self.partitions, self.systems or {self.profile.system}, set(by_entity),
                            self.staged)

    def _set_based(self, entity: str, files: list[tuple[Path, str, str, int]]) -> bool:
        """Whether the set-based path took the entity's file (every row certain: planned in SQL, written after the
        partitions); otherwise its rows go through the row path."""
        if self.set_based is None or entity not in SET_BASED_ENTITIES or len(files) != 1:
            return False
        if entity == "homes" and self.decisions:  # the row path fills a decision's payer from the import's homes
            return False
        path, name, sha, size = files[0]
        taken = self.set_based.stage(entity, path, name, sha, size, persons=self.index.by_key)
        if taken is None:
            return False
        self.plan.files.append(FileInfo(name=name, entity=entity, sha256=sha, bytes=size, rows=taken.rows))
        for action, n in taken.counts.items():
            self.plan.tally(entity, action, n)
        self.systems |= taken.systems
        self.rows_done += taken.rows
        self.staged += taken.rows
        return True

    def _stage_entity(self, entity: str, files: list[tuple[Path, str, str, int]]) -> None:
        if self._set_based(entity, files):
            return
        schema = entities()[entity]
        keys = KeyDigests()
        handle = self._person_chunk if entity == "persons" else self._fact_chunk
        for path, name, sha, size in files:
            info = FileInfo(name=name, entity=entity, sha256=sha, bytes=size)
            self.plan.files.append(info)
            try:
                opened = open_file(path, name)
            except UnreadableFile as error:
                self.plan.problems.append(Problem(name, None, "", "invalid", f"Tiedostoa ei voi lukea: {error}."))
                continue
            reader = RowReader(self.profile, schema, opened)
            pending: list[Record] = []
            pending_keys: dict[tuple[str, str], int] = {}
            for record in reader.records(self.plan.problems):
                info.rows += 1
                self.rows_done += 1
                self.systems.add(record.system)
                if entity == "persons":
                    entry = self.index.by_key.get(record.key)
                    first = entry[1] if entry is not None else pending_keys.get(record.key)
                    if first is not None:
                        self.plan.refuse(record, "source_id", "duplicate", f"Sama tunniste on jo rivillä {first}.")
                        continue
                    pending_keys[record.key] = record.row
                else:
                    keys.add(record)
                pending.append(record)
                if len(pending) >= CHUNK:
                    handle(pending)
                    pending, pending_keys = [], {}
                    self.progress(f"read:{entity}", self.rows_done, self.rows_total)
            if pending:
                handle(pending)
            self.plan.refused_rows[entity] += reader.refused
            info.rows += reader.refused
            self.rows_done += reader.refused
        for file, row, first_file, first_row in keys.duplicates():
            where = f"rivillä {first_row}" if first_file == file else f"tiedoston {first_file} rivillä {first_row}"
            self.partitions.skip.add((file, row))
            self.plan.problems.append(Problem(file, row, "source_id", "duplicate", f"Sama tunniste on jo {where}."))
            if (file, row) not in self.plan.refused_seen:
                self.plan.refused_seen.add((file, row))
                self.plan.refused_rows[entity] += 1

    # -- persons ---------------------------------------------------------------------------------------------

    def _person_chunk(self, records: list[Record]) -> None:
        """Resolve a chunk of person rows: imported earlier under this key, registered by identity code, or new."""
        fresh: list[Record] = []
        for record in records:
            h = record.values["personal_id_hash"]
            if h in self.index.by_hash:
                self.plan.refuse(record, "personal_id", "duplicate",
                                 f"Sama henkilötunnus on jo rivillä {self.index.by_hash[h][1]}.")
                continue
            entry = [None, record.row, record.values["birth_date"]]  # [person key, row, birth date]
            self.index.add(record, entry)
            record.extra["entry"] = entry
            fresh.append(record)
        known = source_records("persons", [r.key for r in fresh])
        holders = persons_by_hash([r.values["personal_id_hash"] for r in fresh])
        for record in fresh:
            entry = record.extra.pop("entry")
            existing = known.get(record.key)
            holder = holders.get(record.values["personal_id_hash"])
            if existing is not None:
                record.person_key = existing.person_id
                if holder is None or holder[0] != existing.person_id:
                    # A source that reuses its ids would otherwise hand one person's history to another.
                    self.plan.refuse(record, "personal_id", "conflict",
                                     "Tunnisteella on Polussa toisen henkilötunnuksen henkilö; korjaa lähteessä tai tuo "
                                     "henkilö uudella tunnisteella.")
            elif holder is not None:
                record.person_key = holder[0]
            else:
                record.person_key = uuid.uuid4()
                record.extra["new"] = True
            entry[0] = record.person_key
            # The code itself goes no further in clear: a new person's is stored encrypted (with the sex it tells for
            # the gender); a known person's is already stored, under the same keyed hash.
            code = record.values.pop("personal_id")
            if record.extra.get("new"):
                record.extra["encrypted"] = personal_id.encrypt(code)
                record.extra["female"] = personal_id.is_female(code)
            self._route(record)

    # -- facts -----------------------------------------------------------------------------------------------

    def _fact_chunk(self, records: list[Record]) -> None:
        """Find each fact row's person — in this import or imported earlier — and route it to that person."""
        wanted_ids: set[str] = set()
        wanted_hashes: set[str] = set()
        for record in records:
            kind, value = record.person_ref or ("", "")
            if kind == "id" and (record.person_system or record.system, value) not in self.index.by_key:
                wanted_ids.add(value)
            elif kind == "hash" and value not in self.index.by_hash:
                wanted_hashes.add(value)
        earlier: dict[str, list[SourceRecord]] = defaultdict(list)
        for chunk in chunks(sorted(wanted_ids)):
            for sr in SourceRecord.objects.filter(entity="persons", source_id__in=chunk).only(
                    "system", "source_id", "person_id"):
                earlier[sr.source_id].append(sr)
        registered = persons_by_hash(list(wanted_hashes))
        for record in records:
            kind, value = record.person_ref or ("", "")
            if kind == "id":
                record.person_key = self._person_by_id(record, value, earlier)
                if record.person_key is None:
                    self.plan.refuse(record, "person_id", "unknown",
                                     f"Henkilöä {value} ei ole tässä tuonnissa eikä Polussa.")
                    continue
            else:
                here = self.index.by_hash.get(value)
                holder = registered.get(value)
                record.person_key = here[0] if here is not None else holder[0] if holder else None
                if record.person_key is None:
                    self.plan.refuse(record, "personal_id", "unknown",
                                     "Henkilötunnuksella ei ole henkilöä tässä tuonnissa eikä Polussa.")
                    continue
            self._route(record)

    def _person_by_id(self, record: Record, value: str, earlier: dict[str, list[SourceRecord]]) -> Any:
        """The person a row names by id: in the system the row names (``person_system``, else the row's own) — in
        this import, then imported earlier. Without a named system, an id that exactly one system has is taken
        from it (this import first)."""
        system = record.person_system or record.system
        here = self.index.by_key.get((system, value))
        if here is not None:
            return here[0]
        known = earlier.get(value, [])
        same = [sr for sr in known if sr.system == system]
        if same:
            return same[0].person_id
        if record.person_system:
            return None
        in_import = self.index.by_id.get(value)
        if in_import is not None and in_import is not AMBIGUOUS:
            return in_import[0]
        return known[0].person_id if len(known) == 1 else None

    def _route(self, record: Record) -> None:
        self.partitions.add(record)
        self.staged += 1


def source_records(entity: str, keys: list[tuple[str, str]]) -> dict[tuple[str, str], SourceRecord]:
    """What earlier imports left of these source keys of ``entity``."""
    found: dict[tuple[str, str], SourceRecord] = {}
    by_system: dict[str, list[str]] = defaultdict(list)
    for system, source_id in keys:
        by_system[system].append(source_id)
    for system, ids in by_system.items():
        for chunk in chunks(ids):
            for sr in SourceRecord.objects.filter(system=system, entity=entity, source_id__in=chunk):
                found[(sr.system, sr.source_id)] = sr
    return found


def persons_by_hash(hashes: list[str]) -> dict[str, tuple[Any, Any]]:
    """Registered persons by the keyed hash of their identity code: hash → (person id, birth date)."""
    found = {}
    for chunk in chunks(hashes):
        for pk, h, born in Person.objects.filter(personal_id_hash__in=chunk).values_list(
                "pk", "personal_id_hash", "birth_date"):
            found[h] = (pk, born)
    return found
