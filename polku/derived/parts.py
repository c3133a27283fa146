"""Persons in parts: a national computation split into independent parts that run side by side.

Every figure the engines compute at national scale is a sum over persons (days, euros, persons counted), and each
person's result depends on that person's facts only. So the persons can be split into parts by their key, each part
computed on a connection of its own, and the parts' figures added up: the result is the same, and PostgreSQL,
which runs a query's sorts and window functions on one core, uses as many cores as there are parts (DuckDB already
does within one query).

A part is a range of the person key (a UUID): part ``k`` of ``n`` holds the keys from ``k/n`` of the key space up
to ``(k+1)/n``. Random keys fill the ranges evenly; any keys are split correctly, if less evenly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
Part = tuple[int, int]  # (part, parts): part k of n, 0 <= k < n
KEY_SPACE = 1 << 128


def bounds(part: Part) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The part's keys: from the first bound (inclusive) to the second (exclusive); ``None`` is open."""
    k, n = part
    if not 0 <= k < n:
        raise ValueError(f"part {k} of {n} does not exist")
    low = uuid.UUID(int=k * KEY_SPACE // n) if k > 0 else None
    high = uuid.UUID(int=(k + 1) * KEY_SPACE // n) if k + 1 < n else None
    return low, high


def in_part_sql(column: str, part: Part | None) -> str:
    """SQL (written once, ``polku.derived.sql``): ``column`` holds a key of the part; ``TRUE`` without a part."""
    if part is None or part[1] == 1:
        return "TRUE"
    low, high = bounds(part)
    terms = ([f"{column} >= CAST('{low}' AS UUID)"] if low else []) + \
        ([f"{column} < CAST('{high}' AS UUID)"] if high else [])
    return "(" + " AND ".join(terms) + ")"


def each_part(parts: int, work: Callable[[Part], T]) -> list[T]:
    """``work`` for each of ``parts`` parts, side by side (each call opens its own connection: threads wait on the
    database, which is where the work is done)."""
    if parts < 1:
        raise ValueError("at least one part")
    if parts == 1:
        return [work((0, 1))]
    with ThreadPoolExecutor(max_workers=parts) as pool:
        return list(pool.map(work, [(k, parts) for k in range(parts)]))


def add_up(results: Iterable[Sequence[tuple[Any, ...]]], keys: int) -> list[tuple[Any, ...]]:
    """The parts' grouped rows as one result: rows with the same first ``keys`` columns have their other columns
    added (exactly: decimals stay decimals). Rows come in the order their groups were first seen."""
    totals: dict[tuple[Any, ...], list[Any]] = {}
    for rows in results:
        for row in rows:
            key, values = tuple(row[:keys]), row[keys:]
            sums = totals.get(key)
            if sums is None:
                totals[key] = list(values)
            else:
                for i, value in enumerate(values):
                    if value is not None:
                        sums[i] = value if sums[i] is None else sums[i] + value
    return [(*key, *sums) for key, sums in totals.items()]


__all__ = ["Part", "add_up", "bounds", "each_part", "in_part_sql"]
