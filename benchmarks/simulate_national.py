"""Benchmark: the national profile to Parquet, and bulk vs row-by-row ORM writes into SQLite.

Prints one JSON object. The main figure is ``finland-national`` (1 000 000 persons, 2015–2025)
written to Parquet in a child process (wall time, peak RSS of that child). The issue names no
baseline, so the baseline is the naive approach on a small sample: saving the same simulated
rows one by one through the ORM into SQLite, against the bulk writer on the same sample, both
in fresh child processes with their own SQLite files; ``ratio`` is the bulk writer's speed-up.

Usage: python benchmarks/simulate_national.py [--persons N] [--baseline-persons N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _django(database_url: str | None = None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def worker_parquet(out: str, seed: int, persons: int | None) -> dict:
    _django()
    from polku.simulator.writers import simulate_to_parquet

    return simulate_to_parquet("finland-national", out, seed=seed, persons=persons, progress=False)


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def worker_bulk(database: str, seed: int, persons: int | None) -> dict:
    _django(f"sqlite:///{database}")
    _migrate()
    from polku.simulator.writers import simulate_into_database

    started = time.perf_counter()
    counts = simulate_into_database("finland-national", seed=seed, persons=persons, progress=False)
    return {"rows": sum(counts.values()), "seconds": time.perf_counter() - started}


def worker_orm(database: str, seed: int, persons: int | None) -> dict:
    """The baseline: every row saved through ``Model.save()`` (one INSERT each), in one transaction."""
    _django(f"sqlite:///{database}")
    _migrate()
    import numpy as np
    from django.db import transaction

    from polku.people.models import Person
    from polku.simulator import catalogue as c
    from polku.simulator import identity
    from polku.simulator.profiles import get_profile
    from polku.simulator.writers import iterate_batches
    from polku.timeline.models import (
        BenefitMonth,
        EmploymentConditionMet,
        HomeMunicipalitySpell,
        JobSearchPeriod,
        StatusSpell,
    )

    def day(value: np.datetime64):  # NaT -> None
        return None if np.isnat(value) else value.astype(object)

    profile = get_profile("finland-national", persons=persons)
    started = time.perf_counter()
    rows = 0
    services = [s.code for s in c.service_types()]
    municipalities = [m.code for m in c.municipalities()]
    with transaction.atomic():
        for tables in iterate_batches(profile, seed, progress=False):
            p = tables.columns["people_person"]
            codes = identity.identity_codes(p["birth_date"], p["serial"])
            hashes, ciphertexts = identity.protect(codes)
            ids = identity.uuid_hex(p["id"]).astype(str)
            for i in range(len(ids)):
                Person(id=ids[i], personal_id_hash=hashes[i], personal_id_encrypted=ciphertexts[i],
                       first_names=p["first_names"][i], last_name=p["last_name"][i],
                       birth_date=day(p["birth_date"][i]), gender=p["gender"][i], language=p["language"][i],
                       education=p["education"][i], immigrant_background=bool(p["immigrant_background"][i])).save()
                rows += 1
            col = tables.columns["timeline_homemunicipalityspell"]
            for i in range(len(col["person"])):
                HomeMunicipalitySpell(person_id=ids[col["person"][i]], source="simulator",
                                      start_date=day(col["start_date"][i]), end_date=day(col["end_date"][i]),
                                      municipality_id=municipalities[col["municipality"][i]]).save()
                rows += 1
            col = tables.columns["timeline_statusspell"]
            for i in range(len(col["person"])):
                service = int(col["service_type"][i])
                StatusSpell(person_id=ids[col["person"][i]], source="simulator", start_date=day(col["start_date"][i]),
                            end_date=day(col["end_date"][i]), status_id=c.STATUS_CODES[col["status"][i]],
                            service_type_id=services[service] if service >= 0 else None).save()
                rows += 1
            col = tables.columns["timeline_jobsearchperiod"]
            for i in range(len(col["person"])):
                reason = int(col["end_reason"][i])
                JobSearchPeriod(person_id=ids[col["person"][i]], source="simulator",
                                registered_on=day(col["registered_on"][i]), ended_on=day(col["ended_on"][i]),
                                end_reason=c.END_REASONS[reason] if reason >= 0 else "").save()
                rows += 1
            col = tables.columns["timeline_benefitmonth"]
            for i in range(len(col["person"])):
                cents = int(col["amount_cents"][i])
                BenefitMonth(person_id=ids[col["person"][i]], source="simulator", month=day(col["month"][i]),
                             benefit_type=c.BENEFIT_TYPES[col["benefit_type"][i]],
                             basis=c.BENEFIT_BASES[col["basis"][i]], days=int(col["days"][i]),
                             amount=f"{cents // 100}.{cents % 100:02d}").save()
                rows += 1
            col = tables.columns["timeline_employmentconditionmet"]
            for i in range(len(col["person"])):
                EmploymentConditionMet(person_id=ids[col["person"][i]], source="simulator",
                                       met_on=day(col["met_on"][i])).save()
                rows += 1
    return {"rows": rows, "seconds": time.perf_counter() - started}


def _child(*args: str) -> tuple[dict, float, float]:
    """Run a worker in a child process: its JSON result, wall seconds, and peak RSS (MB) of children so far."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--worker", *args], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
    return json.loads(done.stdout.strip().splitlines()[-1]), wall, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs="+")
    parser.add_argument("--persons", type=int, default=None, help="default: the profile's 1 000 000")
    parser.add_argument("--baseline-persons", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.worker:
        kind, target, seed, persons = args.worker
        worker = {"parquet": worker_parquet, "bulk": worker_bulk, "orm": worker_orm}[kind]
        print(json.dumps(worker(target, int(seed), int(persons) if persons != "default" else None)))
        return

    with tempfile.TemporaryDirectory(prefix="polku-bench-") as tmp:
        persons = str(args.persons) if args.persons else "default"
        # First, alone, so that the children's peak RSS is the national run's.
        counts, wall, peak_mb = _child("parquet", str(Path(tmp) / "national"), str(args.seed), persons)
        rows = sum(counts.values())
        bulk, _, _ = _child("bulk", str(Path(tmp) / "bulk.sqlite3"), str(args.seed), str(args.baseline_persons))
        orm, _, _ = _child("orm", str(Path(tmp) / "orm.sqlite3"), str(args.seed), str(args.baseline_persons))
    bulk_rps = bulk["rows"] / bulk["seconds"]
    orm_rps = orm["rows"] / orm["seconds"]
    print(json.dumps({
        "benchmark": "simulate_national",
        "profile": "finland-national",
        "target": "parquet",
        "persons": counts["persons"],
        "status_spells": counts["status_spells"],
        "home_municipality_spells": counts["home_municipality_spells"],
        "job_search_periods": counts["job_search_periods"],
        "benefit_rows": counts["benefit_months"],
        "employment_conditions_met": counts["employment_conditions_met"],
        "rows": rows,
        "wall_seconds": round(wall, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "rows_per_second": round(rows / wall),
        "baseline": {
            "method": "row-by-row ORM Model.save() into SQLite, same profile sample",
            "persons": args.baseline_persons,
            "rows": orm["rows"],
            "rows_per_second": round(orm_rps),
        },
        "bulk_sqlite": {"persons": args.baseline_persons, "rows": bulk["rows"], "rows_per_second": round(bulk_rps)},
        "ratio": round(bulk_rps / orm_rps, 2),
    }))


if __name__ == "__main__":
    main()
