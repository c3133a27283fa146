"""Benchmark: every shipped stock/events indicator × 60 months × every municipality, national scale.

Issue 4 asks for wall time and peak memory on DuckDB (over the simulator's Parquet snapshot of the
``finland-national`` profile, ≥ 1 000 000 persons) and on PostgreSQL, and for the time of one
hand-written DuckDB query for the activation-rate series as the floor. Goal: the full DuckDB run under
60 s and within 2× of the floor per indicator; ``ratio`` is the engine's activation-rate time ÷ the floor.
The share indicators are measured by ``municipal_share_national``. The Parquet population is shared with
that benchmark (cached under ``var/bench/``).

The programme's own indicators over recorded case work (decisions, caseloads, the service fill rate) are not in the
national run: the ``finland-national`` profile records no case work, catalogue or referrals, and their relations
grow with offerings and decisions, not with persons. The service fill rate is timed instead on a synthetic national
catalogue (``fill_rate_check``: 45 areas, 20 000 offerings with capacity changes, 400 000 participations, 60 months,
by service type) in a few seconds; ``--fill-check`` runs only that.

PostgreSQL computes the persons in parts side by side (``--parts``, one a core by default; see
``polku.kpi.engine.measure_in_parts``), since it runs each query on one core where DuckDB uses all of them;
the same work is also timed on one connection (``one_connection_seconds``; ``--parts-only`` skips it). The
engines' measure tables are compared whole (a hash of every cell).

Usage: python benchmarks/kpi_national.py [--persons N] [--skip-postgres] [--fill-check] [--parts N] [--parts-only]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.municipal_share_national import BENCH_DB, _django, _population  # noqa: E402
from benchmarks.pg_load import copy_query_into  # noqa: E402

if TYPE_CHECKING:
    from polku.kpi.engine import MeasureTable

GOAL_SECONDS = 60.0
FLOOR_SQL = """
WITH calc(month, d) AS (VALUES {values}),
st AS (SELECT person_id, start_date, end_date, status_id, service_type_id
       FROM read_parquet('{dir}/timeline_statusspell.parquet')),
homes AS (SELECT person_id, start_date, end_date, municipality_id
          FROM read_parquet('{dir}/timeline_homemunicipalityspell.parquet'))
SELECT c.month, h.municipality_id,
       100.0 * SUM(CASE WHEN s.status_id = 'in_service' AND s.service_type_id IN {services} THEN 1 ELSE 0 END)
       / NULLIF(SUM(CASE WHEN s.status_id IN {unemployed} OR (s.status_id = 'in_service' AND s.service_type_id IN {services})
                    THEN 1 ELSE 0 END), 0)
FROM calc c JOIN st s ON s.start_date <= c.d AND (s.end_date IS NULL OR s.end_date >= c.d)
JOIN homes h ON h.person_id = s.person_id AND h.start_date <= c.d AND (h.end_date IS NULL OR h.end_date >= c.d)
GROUP BY c.month, h.municipality_id
"""


def _months(last: date) -> list[date]:
    from polku.core.calendar import add_months

    return [add_months(last, -i) for i in range(59, -1, -1)]


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def worker_duckdb(directory: str) -> dict:
    import duckdb

    _django()
    from polku.kpi.definitions import shipped_definitions
    from polku.kpi.engine import Request
    from polku.kpi.relations import calc_months, shipped_vocabulary
    from polku.kpi.selectors import duckdb_parquet_backend

    vocabulary = shipped_vocabulary()
    # Results are aggregated, so row order need not be kept: DuckDB then streams and spills less.
    connection = duckdb.connect(config={"memory_limit": os.environ.get("POLKU_DUCKDB_MEMORY", "4GB"),
                                        "preserve_insertion_order": False})
    last = connection.execute(f"SELECT MAX(month) FROM read_parquet('{directory}/timeline_benefitmonth.parquet')").fetchone()
    assert last is not None
    months = _months(last[0])
    indicators = tuple(d for d in shipped_definitions().latest() if d.numerator.relation in ("stock", "events"))
    backend = duckdb_parquet_backend(connection, Path(directory), vocabulary)
    horizon = date(last[0].year, last[0].month, 28)
    started = time.perf_counter()
    table = backend.measure_table(Request(indicators, tuple(months), horizon))
    full = time.perf_counter() - started
    activation = next(d for d in indicators if d.code == "activation_rate")
    started = time.perf_counter()
    backend.measure_table(Request((activation,), tuple(months), horizon))
    engine_activation = time.perf_counter() - started
    values = ", ".join(f"(DATE '{c.month}', DATE '{c.day}')" for c in calc_months(months))
    started = time.perf_counter()
    floor_rows = connection.execute(FLOOR_SQL.format(
        values=values, dir=directory, services=_in(vocabulary.activation_services),
        unemployed=_in(vocabulary.unemployed_statuses))).fetchall()
    floor = time.perf_counter() - started
    return {"seconds": full, "indicators": len(indicators), "months": len(months), "cells": len(table),
            "digest": _digest(table),
            "first_month": str(months[0]), "last_month": str(months[-1]),
            "activation_engine_seconds": engine_activation, "activation_floor_seconds": floor,
            "floor_groups": len(floor_rows)}


def worker_postgres(directory: str, url: str, parts_text: str, one_query_text: str) -> dict:
    import duckdb
    import psycopg

    _django()
    from polku.kpi.definitions import shipped_definitions
    from polku.kpi.engine import Request, measure_in_parts, sql_backend

    parts, one_query_too = int(parts_text), one_query_text == "1"
    from polku.kpi.relations import Sources, shipped_vocabulary

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    source = duckdb.connect()
    tables = {
        "people_person": ("id uuid, birth_date date, gender text, language text", "id, birth_date, gender, language"),
        "timeline_statusspell": ("person_id uuid, start_date date, end_date date, status_id text, service_type_id text",
                                 "person_id, start_date, end_date, status_id, service_type_id"),
        "timeline_homemunicipalityspell": ("person_id uuid, start_date date, end_date date, municipality_id text",
                                           "person_id, start_date, end_date, municipality_id"),
        "timeline_jobsearchperiod": ("person_id uuid, registered_on date, ended_on date, end_reason text",
                                     "person_id, registered_on, ended_on, end_reason"),
    }
    load_started = time.perf_counter()
    pg_url = url.rsplit("/", 1)[0] + f"/{BENCH_DB}"
    with psycopg.connect(pg_url) as connection:
        for table, (schema, columns) in tables.items():
            connection.execute(f"CREATE UNLOGGED TABLE {table} ({schema})")
            copy_query_into(connection, source, table, columns,
                            f"SELECT {columns} FROM read_parquet('{directory}/{table}.parquet')")
        connection.execute("CREATE INDEX ON timeline_homemunicipalityspell (person_id, start_date)")
        connection.execute("ANALYZE")
        connection.commit()
        load_seconds = time.perf_counter() - load_started
    last = source.execute(f"SELECT MAX(month) FROM read_parquet('{directory}/timeline_benefitmonth.parquet')").fetchone()
    assert last is not None
    months = _months(last[0])
    indicators = tuple(d for d in shipped_definitions().latest() if d.numerator.relation in ("stock", "events"))
    request = Request(indicators, tuple(months), date(last[0].year, last[0].month, 28))

    def measure(part_request: Request) -> MeasureTable:
        """One part on a connection of its own (as a job's worker would open it)."""
        with psycopg.connect(pg_url) as connection:
            connection.execute("SET work_mem = '512MB'")

            def run(sql: str) -> list[tuple]:
                return connection.execute(sql).fetchall()

            def execute(sql: str) -> None:
                connection.execute(sql)

            backend = sql_backend("postgresql", run, Sources(versioned=False, persons_have_team=False),
                                  shipped_vocabulary(), execute=execute)
            return backend.measure_table(part_request)

    started = time.perf_counter()
    table_out = measure_in_parts(measure, request, parts)
    seconds = time.perf_counter() - started
    one_query = None
    if parts > 1 and one_query_too:  # the same work on one connection, for comparison
        started = time.perf_counter()
        whole = measure(request)
        one_query = time.perf_counter() - started
        assert whole == table_out
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    return {"seconds": seconds, "load_seconds": load_seconds, "cells": len(table_out), "digest": _digest(table_out),
            "one_query_seconds": one_query}


def _digest(table: MeasureTable) -> str:
    """The measure table's content as one hash: the engines' tables must be identical, not only as large."""
    import hashlib

    lines = sorted(f"{key}|{value}|{contributors}" for key, (value, contributors) in table.items())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


FILL_CATALOGUE_SQL = {
    "provision_serviceoffering": """
SELECT i AS id, 'area-' || (i % 45) AS area,
       ['work_trial', 'coaching', 'rehabilitative_work', 'labour_market_training'][1 + i % 4] AS service_type_id,
       CAST(5 + i % 20 AS INTEGER) AS capacity, DATE '{first}' + CAST(i % 400 AS INTEGER) AS available_from,
       CASE WHEN i % 7 = 0 THEN DATE '{first}' + CAST(900 + i % 600 AS INTEGER) END AS available_to,
       TIMESTAMPTZ '2020-01-01 00:00:00+00' AS created_at
FROM range({offerings}) t(i)""",
    "provision_offeringcapacity": """
SELECT i % {offerings} AS offering_id, DATE '{first}' + CAST(500 + i // {offerings} * 300 AS INTEGER) AS valid_from,
       CAST(3 + i % 25 AS INTEGER) AS capacity, TIMESTAMPTZ '2020-01-01 00:00:00+00' AS created_at
FROM range({offerings} * 3) t(i)""",
    "provision_participation": """
SELECT i % {offerings} AS offering_id, CAST(uuid() AS VARCHAR) AS person_id,
       DATE '{first}' + CAST(i * 7919 % 1800 AS INTEGER) AS start_date,
       DATE '{first}' + CAST(i * 7919 % 1800 + 20 + i % 160 AS INTEGER) AS end_date,
       TIMESTAMPTZ '2020-01-01 00:00:00+00' AS recorded_at
FROM range({participations}) t(i)""",
}


def fill_rate_check(offerings: int = 20_000, participations: int = 400_000) -> dict:
    """The service fill rate over a synthetic national catalogue on DuckDB: every area, 60 months, by service type.
    The figures themselves are meaningless (availability is not checked against participations here)."""
    import tempfile

    import duckdb

    _django()
    from polku.kpi.definitions import shipped_definitions
    from polku.kpi.engine import Request
    from polku.kpi.relations import Vocabulary
    from polku.kpi.selectors import duckdb_parquet_backend

    months = _months(date(2025, 12, 1))
    with tempfile.TemporaryDirectory() as directory, duckdb.connect() as connection:
        connection.execute(f"COPY (SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS DATE) AS birth_date, "
                           f"'' AS gender, '' AS language LIMIT 0) TO '{directory}/people_person.parquet'")
        for name, sql in FILL_CATALOGUE_SQL.items():
            query = sql.format(first=months[0], offerings=offerings, participations=participations)
            connection.execute(f"COPY ({query}) TO '{directory}/{name}.parquet'")
        # The catalogue needs no status vocabulary (and so no database): the relation reads only provision facts.
        backend = duckdb_parquet_backend(connection, Path(directory), Vocabulary((), "in_service", ()))
        definition = shipped_definitions().get("service_fill_rate")
        started = time.perf_counter()
        table = backend.measure_table(Request((definition,), tuple(months), date(2025, 12, 31), None, "service_type"))
        seconds = time.perf_counter() - started
    return {"benchmark": "kpi_service_fill_rate", "engine": "duckdb", "offerings": offerings,
            "participations": participations, "months": len(months), "cells": len(table),
            "wall_seconds": round(seconds, 2), "baseline": "none (small-scale check; see the module docstring)"}


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs="+")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--fill-check", action="store_true", help="Only the service fill rate's small-scale check.")
    parser.add_argument("--parts", type=int, default=os.cpu_count() or 1,
                        help="PostgreSQL: persons in this many parts side by side (default: one a core)")
    parser.add_argument("--parts-only", action="store_true",
                        help="PostgreSQL: skip timing the same work on one connection (the comparison printed by default)")
    args = parser.parse_args()
    if args.fill_check:
        print(json.dumps(fill_rate_check()))
        return
    if args.worker:
        kind, *rest = args.worker
        result = worker_duckdb(*rest) if kind == "duckdb" else worker_postgres(*rest)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    print(json.dumps(fill_rate_check()), flush=True)
    directory = _population(args.persons, 1)
    with (directory / "run.json").open(encoding="utf-8") as handle:
        persons = json.load(handle)["counts"]["persons"]
    duck = _child("duckdb", str(directory))
    print(json.dumps({
        "benchmark": "kpi_national", "engine": "duckdb", "persons": persons, "indicators": duck["indicators"],
        "months": f"{duck['first_month']}..{duck['last_month']}", "cells": duck["cells"],
        "wall_seconds": round(duck["seconds"], 2), "peak_rss_mb": round(duck["peak_rss_mb"], 1),
        "goal_ratio": round(duck["seconds"] / GOAL_SECONDS, 3),
        "activation_engine_seconds": round(duck["activation_engine_seconds"], 2),
        "activation_floor_seconds": round(duck["activation_floor_seconds"], 2),
        "baseline": "hand-written DuckDB activation-rate query (floor); goal ≤ 2×",
        "ratio": round(duck["activation_engine_seconds"] / duck["activation_floor_seconds"], 2),
    }), flush=True)
    if args.skip_postgres:
        return
    from polku.core.dbcheck import reachable

    url = os.environ.get("POLKU_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/polku")
    if not reachable(url):
        print(json.dumps({"benchmark": "kpi_national", "engine": "postgresql", "skipped": "unreachable"}))
        return
    pg = _child("postgres", str(directory), url, str(args.parts), "0" if args.parts_only else "1")
    print(json.dumps({
        "benchmark": "kpi_national", "engine": "postgresql", "persons": persons, "indicators": duck["indicators"],
        "wall_seconds": round(pg["seconds"], 2), "load_seconds": round(pg["load_seconds"], 1),
        "client_peak_rss_mb": round(pg["peak_rss_mb"], 1), "same_cells_as_duckdb": pg["digest"] == duck["digest"],
        "parts": args.parts,
        "one_connection_seconds": None if pg["one_query_seconds"] is None else round(pg["one_query_seconds"], 2),
        "baseline": "DuckDB run of the same definitions", "ratio": round(pg["seconds"] / duck["seconds"], 2),
    }))


if __name__ == "__main__":
    main()
