"""The casework benchmark's processor time per request (``benchmarks/casework_latency.py``): read from the processes
as the kernel counts it, and divided among a phase's requests, failed ones included."""

from __future__ import annotations

import os
import time

from benchmarks.casework_latency import CpuSample, Phase, Plan, Results, _cpu_seconds, _phase_cpu


def test_a_process_time_grows_with_its_work() -> None:
    before = _cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        sum(range(1000))
    assert _cpu_seconds(os.getpid()) - before >= 0.1


def test_each_one_page_phase_divides_its_time_among_its_requests() -> None:
    plan = Plan(clients=1, max_seconds=60, phases=[
        Phase("warmup", ("worklist", "floor"), 1), Phase("mixed", ("worklist", "floor"), 1),
        Phase("isolated", ("worklist",), 1), Phase("isolated", ("floor",), 1)])
    plan.cpu = [CpuSample(0, 0, 0), CpuSample(5, 5, 5), CpuSample(6, 7, 8), CpuSample(7.5, 8.5, 8.25),
                CpuSample(7.6, 8.55, 8.3)]
    results = Results()
    for _ in range(9):
        results.record(("isolated", "worklist"), 0.1, 200, 1000)
    results.record(("isolated", "worklist"), 0.1, 500, 10)  # a failed request cost time too
    for _ in range(5):
        results.record(("isolated", "floor"), 0.01, 200, 2)
    found = _phase_cpu(plan, results)
    assert set(found) == {("isolated", "worklist"), ("isolated", "floor")}  # not the warm-up, not a mixed phase
    assert found[("isolated", "worklist")] == {"server": 150.0, "database": 150.0, "client": 25.0, "all": 325.0}
    assert found[("isolated", "floor")] == {"server": 20.0, "database": 10.0, "client": 10.0, "all": 40.0}
