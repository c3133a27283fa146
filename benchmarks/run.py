"""``make bench``: run every benchmark in this directory; each prints one JSON object per line (and some a table)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name in {"run.py", "__init__.py"}:
            continue
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
