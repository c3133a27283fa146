"""Benchmark: the first load of the open data after a data change, built in the request (old) against served from the
worker's stored build (new), the build's time in the worker and peak memory.

A scratch SQLite database in a temporary directory is migrated and filled with the demo's simulations
(``sotkamo-2021`` and ``kuopio-area-2023``; ``--persons`` makes them smaller for a quick check), the cache in the
same directory. Then:

- **build**: the worker's job (``builds.build_now``: every table computed, suppressed, and its cube and default
  answers stored) in a child process of its own, for its wall time and peak RSS;
- **old**: the first requests after a data change as they were before, the tables computed in the request: the page
  ``/avoin-data/`` (it needs two tables) and each table's metadata through the PxWeb API (one table each), with a
  fresh cache and process, exactly the old path (``cube.build`` then the rendering) behind the same views;
- **new**: new facts are recorded (a new data version; a build is queued), and the same requests are answered from
  the stored build (the first after the change, with nothing decoded in the process yet), plus a PxWeb query cut from
  the stored cube; the page says an update is being built. Peak memory of serving is traced separately.

Output: one JSON line. Usage: python benchmarks/open_data_serving.py [--persons N] [--profiles a,b]
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
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ("sotkamo-2021", "kuopio-area-2023")
TABLES = ("polku_tyonhakijat.px", "polku_tyonhaut.px", "polku_kuntaosuus.px")
QUERY = {"query": [{"code": "Alue", "selection": {"filter": "all", "values": ["KU*"]}},
                   {"code": "Kuukausi", "selection": {"filter": "top", "values": ["12"]}}],
         "response": {"format": "json-stat2"}}


def setup(var_dir: Path) -> None:
    os.environ["POLKU_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_build(var_dir: Path) -> None:
    """In a process of its own, as the worker: build every table; print its time and peak RSS."""
    setup(var_dir)
    from polku.open_data import builds

    started = time.perf_counter()
    build = builds.build_now()
    seconds = time.perf_counter() - started
    print(json.dumps({"build_s": round(seconds, 2), "state": build.state,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


def build_in_child(var_dir: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child-build", str(var_dir)], check=True, capture_output=True,
                          text=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["state"] != "done":
        raise RuntimeError(f"build ended {result['state']}")
    return result


def timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = call()
    return value, round((time.perf_counter() - started) * 1000, 1)


def first_loads(client: Any, *, query: bool) -> dict[str, Any]:
    """The page, then each table's metadata (and a query), each request timed (ms) and its status."""
    from django.core.cache import cache

    from polku.open_data import publish

    cache.clear()
    publish._CUBES.clear()  # a fresh process: nothing decoded yet
    out: dict[str, Any] = {}
    page, out["page_ms"] = timed(lambda: client.get("/avoin-data/"))
    out["page_status"] = page.status_code
    out["page_says_updating"] = "päivitystä rakennetaan" in page.content.decode()
    for table in TABLES:
        response, out[f"metadata_{table}_ms"] = timed(lambda t=table: client.get(f"/api/v1/fi/Polku/{t}"))
        assert response.status_code == 200, response.status_code
        if query:
            response, out[f"query_{table}_ms"] = timed(lambda t=table: client.post(
                f"/api/v1/fi/Polku/{t}", json.dumps(QUERY), content_type="application/json"))
            assert response.status_code == 200, response.status_code
    return out


def old_first_loads(client: Any) -> dict[str, Any]:
    """The old path behind the same views: a served build without stored files, every cube computed in the request."""
    from django.utils import timezone

    from polku.open_data import cube, publish
    from polku.open_data.models import BuildState, OpenTableBuild

    fake = OpenTableBuild.objects.create(data_version="old-path", state=BuildState.DONE, queued_at=timezone.now(),
                                         finished_at=timezone.now())
    original = publish.stored_cube
    computed: dict[str, cube.Cube] = {}  # the old cache: a table computed once per data version

    def in_request(build: Any, table: Any) -> cube.Cube:
        if table.id not in computed:
            computed[table.id] = cube.build(table)
        return computed[table.id]

    publish.stored_cube = in_request
    try:
        return first_loads(client, query=False)
    finally:
        publish.stored_cube = original
        fake.delete()


def change_data() -> None:
    """New facts: one more unemployed person in Sotkamo (a new data version)."""
    from datetime import date

    from polku.people.artificial import artificial_personal_id
    from polku.timeline import services

    person = services.person_create(personal_id_code=artificial_personal_id(date(1990, 5, 5), 987),
                                    first_names="Vertailu", last_name="Henkilö")
    services.home_municipality_record(person=person, municipality_code="765", start_date=date(2020, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 1, 2))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=None, help="smaller simulated populations (quick check)")
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--child-build", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        child_build(Path(args.child_build))
        return 0
    with tempfile.TemporaryDirectory(prefix="polku-bench-open-data-serving-") as tmp:
        var_dir = Path(tmp)
        setup(var_dir)
        from django.core.management import call_command
        from django.test import Client

        from polku.open_data import builds
        from polku.simulator.writers import simulate_into_database

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        profiles = [p for p in args.profiles.split(",") if p]
        for n, profile in enumerate(profiles, 1):
            simulate_into_database(profile, seed=n, progress=False, persons=args.persons)
        load_s = round(time.perf_counter() - started, 1)
        client = Client()

        first = build_in_child(var_dir)  # the worker's first build
        change_data()
        old = old_first_loads(client)  # the first load after the change, as it was: computed in the request
        queued = builds.queue_build()  # the minute hook's (or the import's) work: a new build is queued
        new = first_loads(client, query=True)  # the first load after the change, now: the last build, stored
        tracemalloc.start()
        first_loads(client, query=False)
        serve_peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
        rebuilt = build_in_child(var_dir)  # the worker builds the new version; the next loads serve it
        after = first_loads(client, query=False)

        old_page, new_page = old["page_ms"], new["page_ms"]
        print(json.dumps({
            "benchmark": "open_data_serving", "engine": "sqlite", "profiles": profiles, "persons": args.persons,
            "first_load_after_change_ms": {"old_in_request": old, "new_from_storage": new,
                                            "new_after_rebuild": after},
            "page_speedup": round(old_page / new_page, 1) if new_page else None,
            "old_first_load_total_ms": round(sum(v for k, v in old.items() if k.endswith("_ms")), 1),
            "new_first_load_total_ms": round(sum(v for k, v in new.items() if k.endswith("_ms") and
                                                 not k.startswith("query_")), 1),
            "build_in_worker": {"first": first, "after_change": rebuilt},
            "build_queued_after_change": queued is not None,
            "serve_first_load_peak_alloc_mb": serve_peak_mb,
            "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load_s": load_s,
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
