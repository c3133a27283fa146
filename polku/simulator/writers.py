"""Bulk writers: a simulated population into the database or into Parquet files.

Both run the engine batch by batch (``Profile.batch_size`` persons over all months), write
the batch and drop it, so memory stays bounded at national scale. Both are all-or-nothing:

* database — one transaction around everything (SQLite: ``executemany`` of INSERTs;
  PostgreSQL: ``COPY``); an exception or Ctrl-C rolls back, leaving no partial population.
  A ``SimulationRun`` row records the load, and a profile already loaded is refused unless
  ``replace=True``, which removes that profile's simulated persons first in the same transaction;
* Parquet — one file per table, one row group per batch, written into a hidden temporary
  directory next to the target and renamed into place only when complete. The files are for
  analytics: persons carry no identity-code hash or ciphertext, and amounts are exact decimals
  built from integer cents.

The progress bar counts simulated months and, while a batch is written, shows the rows written.

``after_batch`` is a hook called after each batch is written (tests inject failures there).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connections, transaction
from django.utils import timezone
from tqdm import tqdm

from polku.core.bulk import analyze_tables, insert
from polku.simulator import catalogue as c
from polku.simulator import identity
from polku.simulator.dynamics import Engine, Indicators, batch_generators, batch_sizes
from polku.simulator.models import SimulatedPerson, SimulationRun
from polku.simulator.profiles import Profile, get_profile
from polku.simulator.tables import COUNT_NAMES, TABLES, BatchTables, build_tables

AfterBatch = Callable[[int], None]
FACT_COLUMNS = ["lineage", "recorded_at", "recorded_by_id", "source", "superseded_at", "superseded_by_user_id",
                "correction_reason"]
PERSON_COLUMNS = ["id", "personal_id_hash", "personal_id_encrypted", "first_names", "last_name", "birth_date",
                  "gender", "language", "education", "immigrant_background", "team_id", "created_at",
                  "created_by_id"]
TABLE_COLUMNS = {
    "timeline_homemunicipalityspell": ["person_id", "start_date", "end_date", "municipality_id"],
    "timeline_statusspell": ["person_id", "start_date", "end_date", "status_id", "service_type_id"],
    "timeline_jobsearchperiod": ["person_id", "registered_on", "ended_on", "end_reason"],
    "timeline_benefitmonth": ["person_id", "month", "benefit_type", "basis", "days", "amount"],
    "timeline_employmentconditionmet": ["person_id", "met_on"],
}


class AlreadySimulatedError(RuntimeError):
    def __init__(self, profile: str) -> None:
        super().__init__(
            f"Profile {profile!r} has already been simulated into this database. "
            "Use --replace (replace=True) to remove its simulated persons and simulate again."
        )


# -- batches ------------------------------------------------------------------------------------


class Progress:
    """The progress bar: simulated months, and while a batch is written a postfix with the rows written
    (writing a batch takes long at national scale; without it the bar seems to stall)."""

    EVERY = 20_000  # rows between postfix updates

    def __init__(self, profile: Profile, *, enabled: bool) -> None:
        self.bar = tqdm(total=len(batch_sizes(profile)) * profile.months, disable=not enabled, file=sys.stderr,
                        unit="month", desc=f"simulate {profile.name}")
        self.batches = len(batch_sizes(profile))
        self.shows_writing = False

    def month(self) -> None:
        if self.shows_writing:
            self.bar.set_postfix_str("", refresh=False)
            self.shows_writing = False
        self.bar.update(1)

    def writing(self, batch: int, done: int, total: int) -> None:
        self.shows_writing = True
        self.bar.set_postfix_str(f"writing batch {batch + 1}/{self.batches}: {done:,}/{total:,} rows")

    def rows(self, rows: Iterator[tuple], batch: int, done: list[int], total: int) -> Iterator[tuple]:
        """Pass ``rows`` through, counting them into ``done[0]`` and showing the count now and then."""
        for row in rows:
            yield row
            done[0] += 1
            if done[0] % self.EVERY == 0:
                self.writing(batch, done[0], total)

    def close(self) -> None:
        self.bar.close()


def iterate_batches(profile: Profile, seed: int, *, progress: bool | Progress,
                    indicators: Indicators | None = None) -> Iterator[BatchTables]:
    """Simulate batch after batch; each batch's tables are yielded and may then be dropped."""
    sizes = batch_sizes(profile)
    generators = batch_generators(seed, 2 * len(sizes))  # per batch: dynamics, identities
    allocator = identity.IdentityAllocator(profile.identity_slots)
    bar = progress if isinstance(progress, Progress) else Progress(profile, enabled=progress)
    try:
        for i, size in enumerate(sizes):
            events = Engine(profile, generators[2 * i]).run(size, on_month=bar.month)
            if indicators is not None:
                indicators.add(events.indicators)
            tables = build_tables(events, generators[2 * i + 1], allocator)
            bar.writing(i, 0, _rows(tables))
            yield tables
    finally:
        if bar is not progress:
            bar.close()


def _rows(tables: BatchTables) -> int:
    """Rows a batch writes (its tables, plus one simulated-person row per person in the database)."""
    return sum(tables.counts().values())


def _add_counts(totals: dict[str, int], tables: BatchTables) -> None:
    for name, value in tables.counts().items():
        totals[name] = totals.get(name, 0) + value


# -- value formatting ---------------------------------------------------------------------------


def _dates(values: np.ndarray) -> list[str | None]:
    text = np.datetime_as_string(values, unit="D").astype(object)
    text[np.isnat(values)] = None
    return text.tolist()


def _codes(table: tuple[str, ...] | list[str], index: np.ndarray, *, empty: str | None = None) -> list[str | None]:
    lookup = np.array([*table, empty], dtype=object)  # index -1 picks ``empty``
    return lookup[index].tolist()


def _amounts(cents: np.ndarray) -> list[str]:
    return [f"{value // 100}.{value % 100:02d}" for value in cents.tolist()]


def _person_texts(tables: BatchTables) -> tuple[list[str], list[str], list[str]]:
    person = tables.columns["people_person"]
    codes = identity.identity_codes(person["birth_date"], person["serial"])
    hashes, ciphertexts = identity.protect(codes)
    return identity.uuid_hex(person["id"]).astype(str).tolist(), hashes, ciphertexts


def _db_rows(tables: BatchTables, recorded_at: Any, run_id: int) -> Iterator[tuple[str, list[str], Iterator[tuple]]]:
    """(table, columns, rows) for one batch, in foreign-key order."""
    ids, hashes, ciphertexts = _person_texts(tables)
    p = tables.columns["people_person"]
    yield "people_person", PERSON_COLUMNS, zip(
        ids, hashes, ciphertexts, p["first_names"].tolist(), p["last_name"].tolist(), _dates(p["birth_date"]),
        p["gender"].tolist(), p["language"].tolist(), p["education"].tolist(), p["immigrant_background"].tolist(),
        _none(len(ids)), _same(recorded_at, len(ids)), _none(len(ids)), strict=True,
    )
    yield "simulator_simulatedperson", ["person_id", "run_id"], zip(ids, _same(run_id, len(ids)), strict=True)
    id_array = np.array(ids, dtype=object)
    municipality_codes = [m.code for m in c.municipalities()]
    for table in TABLES[1:]:
        col = tables.columns[table]
        n = len(col["person"])
        fact = [identity.uuid_hex(col["lineage"]).astype(str).tolist(), _same(recorded_at, n), _none(n),
                _same("simulator", n), _none(n), _none(n), _same("", n)]
        person_ids = id_array[col["person"]].tolist()
        if table == "timeline_homemunicipalityspell":
            own = [person_ids, _dates(col["start_date"]), _dates(col["end_date"]),
                   _codes(municipality_codes, col["municipality"])]
        elif table == "timeline_statusspell":
            own = [person_ids, _dates(col["start_date"]), _dates(col["end_date"]), _codes(c.STATUS_CODES, col["status"]),
                   _codes([s.code for s in c.service_types()], col["service_type"])]
        elif table == "timeline_jobsearchperiod":
            own = [person_ids, _dates(col["registered_on"]), _dates(col["ended_on"]),
                   _codes(c.END_REASONS, col["end_reason"], empty="")]
        elif table == "timeline_employmentconditionmet":
            own = [person_ids, _dates(col["met_on"])]
        else:
            own = [person_ids, _dates(col["month"]), _codes(c.BENEFIT_TYPES, col["benefit_type"]),
                   _codes(c.BENEFIT_BASES, col["basis"]), col["days"].tolist(), _amounts(col["amount_cents"])]
        yield table, FACT_COLUMNS + TABLE_COLUMNS[table], zip(*fact, *own, strict=True)


def _none(n: int) -> list[None]:
    return [None] * n


def _same(value: Any, n: int) -> list[Any]:
    return [value] * n


# -- database -----------------------------------------------------------------------------------


def _remove_profile(profile: str, using: str) -> None:
    """Delete the persons (and their facts) that earlier runs of ``profile`` created."""
    connection = connections[using]
    runs = list(SimulationRun.objects.using(using).filter(profile=profile).values_list("id", flat=True))
    placeholders = ", ".join(["%s"] * len(runs))
    simulated = f"SELECT person_id FROM simulator_simulatedperson WHERE run_id IN ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        # Facts first with set-based deletes (the ORM would fetch every row's key).
        for table in TABLES[1:]:
            cursor.execute(f"DELETE FROM {table} WHERE person_id IN ({simulated})", runs)  # noqa: S608 - constants
    # Persons through the ORM, so that any other table referring to them is handled by its on_delete rule.
    from polku.people.models import Person

    Person.objects.using(using).filter(simulation__run__in=runs).delete()
    SimulationRun.objects.using(using).filter(id__in=runs).delete()


def _recorded_at_value(now: datetime, vendor: str) -> str:
    utc = now.astimezone(UTC)
    # Django stores aware datetimes in UTC: naive text on SQLite, with offset for PostgreSQL.
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f") + ("+00:00" if vendor == "postgresql" else "")


def profile_loaded(profile_name: str, *, using: str = "default") -> bool:
    """Whether a completed run of ``profile_name`` is in the database (the load is all-or-nothing)."""
    return SimulationRun.objects.using(using).filter(profile=profile_name).exists()


def simulate_into_database(profile_name: str, *, seed: int = 1, replace: bool = False, progress: bool = True,
                           persons: int | None = None, batch_size: int | None = None,
                           after_batch: AfterBatch | None = None, using: str = "default",
                           indicators: Indicators | None = None) -> dict[str, int]:
    """Simulate ``profile_name`` into the database in one transaction; returns rows written per table."""
    profile = get_profile(profile_name, persons=persons, batch_size=batch_size)
    connection = connections[using]
    started = timezone.now()
    recorded_at = _recorded_at_value(started, connection.vendor)
    totals: dict[str, int] = dict.fromkeys(COUNT_NAMES.values(), 0)
    written: list[str] = []
    with transaction.atomic(using=using):
        if profile_loaded(profile.name, using=using):
            if not replace:
                raise AlreadySimulatedError(profile.name)
            _remove_profile(profile.name, using)
        run = SimulationRun.objects.using(using).create(profile=profile.name, seed=seed, started_at=started)
        bar = Progress(profile, enabled=progress)
        for i, tables in enumerate(iterate_batches(profile, seed, progress=bar, indicators=indicators)):
            done, total = [0], _rows(tables) + tables.count("people_person")
            for table, columns, rows in _db_rows(tables, recorded_at, run.id):
                insert(connection, table, columns, bar.rows(rows, i, done, total))
                written.append(table)
            bar.writing(i, done[0], total)
            _add_counts(totals, tables)
            del tables
            if after_batch is not None:
                after_batch(i)
        bar.close()
        run.persons = totals["persons"]
        run.counts = totals
        run.finished_at = timezone.now()
        run.save(update_fields=["persons", "counts", "finished_at"])
    assert SimulatedPerson.objects.using(using).filter(run=run).count() == totals["persons"]
    # A simulated area is hundreds of thousands of rows: without fresh statistics PostgreSQL planned the pages'
    # queries on the empty tables' (nested loops over every benefit row) and a programme page took minutes.
    analyze_tables(written, using=using)
    return totals


# -- Parquet ------------------------------------------------------------------------------------


def _arrow_tables(tables: BatchTables, recorded_at: datetime) -> dict[str, Any]:
    import pyarrow as pa

    p = tables.columns["people_person"]
    ids = identity.uuid_canonical(p["id"])
    n = len(ids)
    stamp = pa.array(np.full(n, np.datetime64(recorded_at.replace(tzinfo=None), "us")), pa.timestamp("us", tz="UTC"))
    # No identity-code hash or ciphertext: the files are for analytics, and a keyed hash would still link
    # rows to persons in the database (or, with the key, to identity codes).
    out = {"people_person": pa.table({
        "id": pa.array(ids).cast(pa.string()),
        "first_names": pa.array(p["first_names"], pa.string()), "last_name": pa.array(p["last_name"], pa.string()),
        "birth_date": pa.array(p["birth_date"], pa.date32()), "gender": pa.array(p["gender"], pa.string()),
        "language": pa.array(p["language"], pa.string()), "education": pa.array(p["education"], pa.string()),
        "immigrant_background": pa.array(p["immigrant_background"]), "created_at": stamp,
    })}
    municipality_codes = np.array([m.code for m in c.municipalities()])

    def codes(names: tuple[str, ...] | list[str], index: np.ndarray, empty: str | None = None) -> Any:
        return pa.array(_codes(list(names), index, empty=empty), pa.string())

    for table in TABLES[1:]:
        col = tables.columns[table]
        m = len(col["person"])
        data: dict[str, Any] = {
            "lineage": pa.array(identity.uuid_canonical(col["lineage"])).cast(pa.string()),
            "recorded_at": pa.array(np.full(m, np.datetime64(recorded_at.replace(tzinfo=None), "us")),
                                    pa.timestamp("us", tz="UTC")),
            "source": pa.array(np.full(m, "simulator")),
            "person_id": pa.array(ids[col["person"]]).cast(pa.string()),
        }
        if table in ("timeline_homemunicipalityspell", "timeline_statusspell"):
            data["start_date"] = pa.array(col["start_date"], pa.date32())
            data["end_date"] = pa.array(col["end_date"], pa.date32())
        if table == "timeline_homemunicipalityspell":
            data["municipality_id"] = pa.array(municipality_codes[col["municipality"]])
        elif table == "timeline_statusspell":
            data["status_id"] = codes(c.STATUS_CODES, col["status"])
            data["service_type_id"] = codes([s.code for s in c.service_types()], col["service_type"])
        elif table == "timeline_jobsearchperiod":
            data["registered_on"] = pa.array(col["registered_on"], pa.date32())
            data["ended_on"] = pa.array(col["ended_on"], pa.date32())
            data["end_reason"] = codes(c.END_REASONS, col["end_reason"], empty="")
        elif table == "timeline_benefitmonth":
            data["month"] = pa.array(col["month"], pa.date32())
            data["benefit_type"] = codes(c.BENEFIT_TYPES, col["benefit_type"])
            data["basis"] = codes(c.BENEFIT_BASES, col["basis"])
            data["days"] = pa.array(col["days"], pa.int16())
            data["amount"] = _decimal_cents(col["amount_cents"])
        elif table == "timeline_employmentconditionmet":
            data["met_on"] = pa.array(col["met_on"], pa.date32())
        out[table] = pa.table(data)
    return out


def _decimal_cents(cents: np.ndarray) -> Any:
    """decimal128(10, 2) from integer cents, exactly (no float): the 128-bit unscaled values are the cents."""
    import pyarrow as pa

    if len(cents) and np.abs(cents).max() >= 10**10:
        raise ValueError("amount does not fit decimal(10, 2)")
    words = np.empty((len(cents), 2), dtype=np.int64)  # little-endian 128-bit two's complement
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(10, 2), len(cents), [None, pa.py_buffer(words.tobytes())])


def simulate_to_parquet(profile_name: str, out_dir: str | os.PathLike[str], *, seed: int = 1, progress: bool = True,
                        persons: int | None = None, batch_size: int | None = None, replace: bool = False,
                        after_batch: AfterBatch | None = None, indicators: Indicators | None = None,
                        ) -> dict[str, int]:
    """Simulate ``profile_name`` into ``out_dir`` (one ``<table>.parquet`` per table plus ``run.json``)."""
    import pyarrow.parquet as pq

    profile = get_profile(profile_name, persons=persons, batch_size=batch_size)
    target = Path(out_dir)
    if target.exists() and not replace:
        raise FileExistsError(f"{target} already exists; use --replace to overwrite it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    started = timezone.now()
    clock = time.perf_counter()
    totals: dict[str, int] = dict.fromkeys(COUNT_NAMES.values(), 0)
    writers: dict[str, Any] = {}
    try:
        partial.mkdir()
        bar = Progress(profile, enabled=progress)
        for i, tables in enumerate(iterate_batches(profile, seed, progress=bar, indicators=indicators)):
            done, total = 0, _rows(tables)
            for name, arrow in _arrow_tables(tables, started).items():
                if name not in writers:
                    writers[name] = pq.ParquetWriter(partial / f"{name}.parquet", arrow.schema, compression="zstd")
                writers[name].write_table(arrow, row_group_size=max(arrow.num_rows, 1))
                done += arrow.num_rows
                bar.writing(i, done, total)
            _add_counts(totals, tables)
            del tables
            if after_batch is not None:
                after_batch(i)
        bar.close()
        for writer in writers.values():
            writer.close()
        writers.clear()
        run = {"profile": profile.name, "seed": seed, "persons": profile.persons, "counts": totals,
               "started_at": started.isoformat(), "finished_at": timezone.now().isoformat(),
               "seconds": round(time.perf_counter() - clock, 3)}
        (partial / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
        if target.exists():  # replace: move the old one aside only now that the new one is complete
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            partial.rename(target)
            shutil.rmtree(old)
        else:
            partial.rename(target)
    except BaseException:
        for writer in writers.values():
            writer.close()
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return totals
