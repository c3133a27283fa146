"""Where an import's time goes: the phases of a run and the stopwatch that times them.

An import reads its files (decoding, converting, each row's form, staging them), checks them (against each other and
against the database: the row path's partitions, the set-based path's plan and outcome), writes the rows, and
finishes (the indexes set aside for a first load built again, the constraints checked, planner statistics, the
commit). The run keeps the seconds of each (``ExchangeRun.phase_seconds``); the refresh of what pages read comes after
the run and is kept beside them as ``refresh``.
"""

from __future__ import annotations

import time

PHASES = ("read", "check", "write", "finish")  # in the order they run
REFRESH = "refresh"  # after the run (its duration does not hold it)

clock = time.perf_counter  # module-level so that a test can drive the stopwatch without sleeping


class Stopwatch:
    """Seconds by phase, added up over files and partitions: each ``lap`` gives the time since the last one to a
    phase."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self._mark = clock()

    def lap(self, phase: str) -> None:
        now = clock()
        self.seconds[phase] += now - self._mark
        self._mark = now

    def rounded(self) -> dict[str, float]:
        return {phase: round(seconds, 3) for phase, seconds in self.seconds.items()}
