"""Loading Parquet into a scratch PostgreSQL database for the benchmarks (DuckDB writes CSV, COPY reads it)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def copy_query_into(connection: Any, source: Any, table: str, columns: str, query: str) -> None:
    """COPY the rows of a DuckDB ``query`` into the PostgreSQL ``table`` (``columns`` in query order)."""
    with tempfile.TemporaryDirectory(prefix="polku-bench-pg-") as tmp:
        csv_path = Path(tmp) / f"{table}.csv"
        source.execute(f"COPY ({query}) TO '{csv_path}' (FORMAT CSV, HEADER false)")
        with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT CSV)") as copy, \
                csv_path.open("rb") as handle:
            while chunk := handle.read(8 << 20):
                copy.write(chunk)
