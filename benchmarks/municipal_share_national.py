"""Benchmark: the municipal share under both rule sets for the national synthetic population.

Issue 5 asks for the full computation at national scale (≥ 1 000 000 persons, ≥ 5 years of monthly
benefit rows) on DuckDB and on PostgreSQL, with the goal of under 60 s on this machine: ``ratio`` is
wall time ÷ 60 s (below 1 meets the goal). The population is the simulator's ``finland-national``
profile written to Parquet (cached under ``var/bench/`` by simulator source hash, since generating it
is the simulator's benchmark, not this one). DuckDB reads the Parquet files directly; for PostgreSQL
the rows are first COPYed into a scratch database ``polku_bench`` (load time reported separately).
Each engine runs in a child process that reports its own peak RSS; PostgreSQL's figure is the client's
(which also stages the CSV through DuckDB); the server's memory is bounded by ``POSTGRES_SETTINGS`` (per part: up
to 512 MB a sort, 2 GB a hash step).

PostgreSQL computes the persons in parts side by side (``--parts``, one a core by default; see
``polku.derived.parts``), since it runs a query's window functions on one core where DuckDB uses all of them;
the same work is also timed as a single query (``one_query_seconds``; ``--parts-only`` skips it).

Usage: python benchmarks/municipal_share_national.py [--persons N] [--seed N] [--skip-postgres] [--parts N]
       [--parts-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.pg_load import copy_query_into  # noqa: E402

GOAL_SECONDS = 60.0
BENCH_DB = "polku_bench"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _population(persons: int | None, seed: int) -> Path:
    source = hashlib.sha256()
    for path in sorted((ROOT / "polku" / "simulator").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".csv", ".json"}:
            source.update(path.read_bytes())
    target = ROOT / "var" / "bench" / f"finland-national-{persons or 'full'}-seed{seed}-{source.hexdigest()[:12]}"
    if not target.exists():
        _django()
        from polku.simulator.writers import simulate_to_parquet

        simulate_to_parquet("finland-national", target, seed=seed, persons=persons, progress=False)
    return target


def worker_duckdb(directory: str) -> dict:
    import duckdb

    _django()
    from polku.municipal_share.rules import shipped_rule_book
    from polku.municipal_share.sql_engine import duckdb_attach_parquet, share_totals_sql

    # Bounded memory: DuckDB spills to disk beyond this instead of taking 80 % of the machine.
    connection = duckdb.connect(config={"memory_limit": os.environ.get("POLKU_DUCKDB_MEMORY", "4GB")})
    duckdb_attach_parquet(connection, Path(directory))
    benefit_rows = connection.execute("SELECT COUNT(*), MIN(month), MAX(month) FROM benefits").fetchone()
    assert benefit_rows is not None
    started = time.perf_counter()
    rows = connection.execute(share_totals_sql(shipped_rule_book(), "duckdb")).fetchall()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "groups": len(rows), "benefit_rows": benefit_rows[0],
            "first_month": str(benefit_rows[1]), "last_month": str(benefit_rows[2]), "totals": _by_rule(rows)}


def _by_rule(rows: list[tuple]) -> dict[str, str]:
    totals: dict[str, float] = {}
    for row in rows:
        totals[row[2]] = totals.get(row[2], 0.0) + float(row[8])
    return {rule: f"{value:.2f}" for rule, value in sorted(totals.items())}


def worker_postgres(directory: str, url: str, parts_text: str, one_query_text: str) -> dict:
    import duckdb
    import psycopg

    _django()
    from polku.municipal_share.rules import shipped_rule_book
    from polku.municipal_share.sql_engine import (
        PARQUET_TABLES,
        POSTGRES_SETTINGS,
        duckdb_attach_parquet,
        share_totals_in_parts,
        share_totals_sql,
    )

    parts, one_query_too = int(parts_text), one_query_text == "1"

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    source = duckdb.connect()
    duckdb_attach_parquet(source, Path(directory))
    load_started = time.perf_counter()
    with psycopg.connect(url.rsplit("/", 1)[0] + f"/{BENCH_DB}") as connection:
        connection.execute("CREATE UNLOGGED TABLE benefits (person_id uuid, month date, benefit_type text, basis text, "
                           "days smallint, amount numeric(10,2))")
        connection.execute("CREATE UNLOGGED TABLE homes (person_id uuid, start_date date, end_date date, "
                           "municipality_id text)")
        connection.execute("CREATE UNLOGGED TABLE conditions (person_id uuid, met_on date)")
        for view, (_table, columns) in PARQUET_TABLES.items():
            copy_query_into(connection, source, view, columns, f"SELECT {columns} FROM {view}")
        connection.commit()
        # As a table that has been in use is: vacuumed (hint bits set, visible pages marked) and analysed. Without
        # it the first query after COPY also pays for writing hint bits to every page it reads.
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        load_seconds = time.perf_counter() - load_started

    def run(sql: str) -> list[tuple]:
        with psycopg.connect(url.rsplit("/", 1)[0] + f"/{BENCH_DB}") as connection:
            for setting in POSTGRES_SETTINGS:
                connection.execute(setting)
            return connection.execute(sql).fetchall()

    book = shipped_rule_book()
    started = time.perf_counter()
    rows = share_totals_in_parts(run, book, "postgresql", parts)
    seconds = time.perf_counter() - started
    one_query = None
    if parts > 1 and one_query_too:  # the same work as one query, for comparison
        started = time.perf_counter()
        single = run(share_totals_sql(book, "postgresql"))
        one_query = time.perf_counter() - started
        assert _by_rule(single) == _by_rule(rows)
        assert len(single) == len(rows)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    return {"seconds": seconds, "load_seconds": load_seconds, "groups": len(rows), "totals": _by_rule(rows),
            "one_query_seconds": one_query}


def _child(*args: str) -> tuple[dict, float]:
    done = subprocess.run([sys.executable, __file__, "--worker", *args], check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result, result["peak_rss_mb"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs="+")
    parser.add_argument("--persons", type=int, default=None, help="default: the profile's 1 000 000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--parts", type=int, default=os.cpu_count() or 1,
                        help="PostgreSQL: persons in this many parts side by side (default: one a core)")
    parser.add_argument("--parts-only", action="store_true",
                        help="PostgreSQL: skip timing the whole computation as one query (the comparison printed by default)")
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        result = worker_duckdb(*rest) if kind == "duckdb" else worker_postgres(*rest)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this worker's own peak
        print(json.dumps(result))
        return
    prepared = time.perf_counter()
    directory = _population(args.persons, args.seed)
    prepare_seconds = time.perf_counter() - prepared
    with (directory / "run.json").open(encoding="utf-8") as handle:
        persons = json.load(handle)["counts"]["persons"]
    duck, duck_peak = _child("duckdb", str(directory))
    print(json.dumps({
        "benchmark": "municipal_share_national", "engine": "duckdb", "persons": persons,
        "benefit_rows": duck["benefit_rows"], "months": f"{duck['first_month']}..{duck['last_month']}",
        "rule_sets": 2, "wall_seconds": round(duck["seconds"], 2), "peak_rss_mb": round(duck_peak, 1),
        "groups": duck["groups"], "municipal_eur_by_rule": duck["totals"],
        "baseline": f"goal {GOAL_SECONDS:.0f} s (issue 5)", "ratio": round(duck["seconds"] / GOAL_SECONDS, 3),
        "population_prepare_seconds": round(prepare_seconds, 1),
    }), flush=True)
    if args.skip_postgres:
        return
    from polku.core.dbcheck import reachable

    url = os.environ.get("POLKU_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/polku")
    if not reachable(url):
        print(json.dumps({"benchmark": "municipal_share_national", "engine": "postgresql", "skipped": "unreachable"}))
        return
    pg, pg_peak = _child("postgres", str(directory), url, str(args.parts), "0" if args.parts_only else "1")
    print(json.dumps({
        "benchmark": "municipal_share_national", "engine": "postgresql", "persons": persons,
        "benefit_rows": duck["benefit_rows"], "rule_sets": 2, "wall_seconds": round(pg["seconds"], 2),
        "load_seconds": round(pg["load_seconds"], 1), "client_peak_rss_mb": round(pg_peak, 1),
        "groups": pg["groups"], "municipal_eur_by_rule": pg["totals"],
        "same_totals_as_duckdb": pg["totals"] == duck["totals"], "parts": args.parts,
        "one_query_seconds": None if pg["one_query_seconds"] is None else round(pg["one_query_seconds"], 2),
        "baseline": f"goal {GOAL_SECONDS:.0f} s (issue 5)", "ratio": round(pg["seconds"] / GOAL_SECONDS, 3),
    }))


if __name__ == "__main__":
    main()
