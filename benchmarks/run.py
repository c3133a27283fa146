"""``make bench``: run every benchmark in this directory; each prints one JSON object per line (and some a table).

A benchmark is a script of this directory that runs as one (``if __name__ == "__main__":``). The others are modules
the benchmarks import — the signed-in floors' pages and settings, the loader of a scratch database — and are not run:
run as a script, a module that needs Django set up fails, and that made ``make bench`` fail with every figure printed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


MAIN_GUARD = re.compile(r"""^if __name__ == ["']__main__["']:""", re.MULTILINE)


def benchmarks() -> list[Path]:
    """The scripts ``make bench`` runs, in name order."""
    return [script for script in sorted(HERE.glob("*.py"))
            if script.name != Path(__file__).name and MAIN_GUARD.search(script.read_text(encoding="utf-8"))]


def main() -> int:
    failed = 0
    for script in benchmarks():
        done = subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False, capture_output=True, text=True)
        if done.returncode:
            failed += 1
            print(done.stderr, file=sys.stderr)
            continue
        for line in done.stdout.splitlines():
            if line.startswith(("{", "|", "(")):  # JSON, and the tables some benchmarks print for people
                print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
