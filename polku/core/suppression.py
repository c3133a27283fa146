"""Complementary (secondary) suppression of small cells, as Statistics Finland and Jobindsats do it.

Primary suppression hides a figure resting on fewer than k persons. Alone it is not enough: when a table shows a
total and its breakdown with one cell hidden, total − the rest gives the hidden value back. So, for every *group*
of cells that adds up to a total the reader can see (the total shown beside them, or obtainable from another view
or query), one hidden cell is never left alone: the next smallest cell of the group is hidden too (if the group has
no other cell, the total is). Hiding one more cell may leave another group with a single hidden cell, so the rule
is applied until nothing changes. A hidden total protects nothing when all its cells are shown (their sum gives it
back), so the rule counts the total with its cells: what is left satisfies, for every group, that its equation
total = Σ cells has no hidden cell or at least two (``check`` asserts exactly that), so no hidden figure is one
subtraction or addition away from the shown ones.

Cells are any hashable keys; the caller names the groups (per dimension of a table: for each combination of the
other dimensions, the cells along this one and the total they add up to).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SECONDARY_MARK = ".."  # Statistics Finland's mark for a figure withheld for confidentiality
# Primary suppression's k: a figure resting on fewer persons is hidden from aggregate-only readers. An indicator
# definition may set its own (``suppression_threshold``); everything else uses this one.
SMALL_CELL_K = 5


@dataclass(frozen=True)
class Group:
    """Cells that add up to ``total``: a key of a cell shown in the same view, or None for a total shown elsewhere
    (another query or page), which this view cannot hide."""

    members: tuple[Hashable, ...]
    total: Hashable | None = None


def group(members: Iterable[Hashable], total: Hashable | None = None) -> Group:
    return Group(tuple(members), total)


def complement(values: Mapping[Any, float | int], primary: Iterable[Hashable], groups: Sequence[Group]) -> set[Any]:
    """Every cell to hide: the ``primary`` ones and as few more as the rule needs, the smallest first.

    ``values`` gives each cell's size (persons, or another measure of how much hiding it costs); a cell that is
    zero is chosen only when no non-zero cell is left, and ties go to the cell listed first.
    """
    hidden = set(primary)
    order = {key: i for i, key in enumerate(values)}
    # Groups by the cells in their equation: hiding a cell re-checks only the groups it is in (a table of thousands
    # of cells and groups would otherwise be swept again for every cell hidden).
    groups_of: dict[Hashable, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        for cell in (*g.members, *((g.total,) if g.total is not None else ())):
            groups_of[cell].append(i)
    pending = deque(range(len(groups)))
    queued = set(pending)
    while pending:
        i = pending.popleft()
        queued.discard(i)
        g = groups[i]
        if _hidden_in(g, hidden) != 1:
            continue
        # A hidden total is no protection when every member is shown: their sum gives it back.
        candidates = [m for m in g.members if m not in hidden]
        if candidates:
            chosen = min(candidates, key=lambda m: (values.get(m, 0) == 0, values.get(m, 0), order.get(m, 0)))
        elif g.total is not None and g.total not in hidden:
            chosen = g.total
        else:
            continue
        hidden.add(chosen)
        for j in groups_of[chosen]:
            if j not in queued:
                pending.append(j)
                queued.add(j)
    return hidden


def _hidden_in(g: Group, hidden: set[Any]) -> int:
    """Hidden cells of the group's equation, total = Σ members (a total shown elsewhere is known)."""
    return sum(1 for m in g.members if m in hidden) + (1 if g.total is not None and g.total in hidden else 0)


def check(hidden: set[Any], groups: Sequence[Group]) -> list[Group]:
    """The groups from which a hidden cell could be derived by subtraction or addition (none, when the rule holds):
    those whose equation has exactly one hidden cell."""
    return [g for g in groups if _hidden_in(g, hidden) == 1]


def primary_small(values: Mapping[Any, float | int], k: int) -> set[Any]:
    """Cells resting on 1 … k−1 persons."""
    return {key for key, n in values.items() if 0 < n < k}


def mark(key: Hashable, value: int, *, primary: set[Any], hidden: set[Any], k: int,
         show: Callable[[int], Any] = lambda n: n) -> Any:
    """How a cell reads: ``< k`` when it is small itself, ``..`` when hidden to protect another, else the value."""
    if key in primary:
        return f"< {k}"
    if key in hidden:
        return SECONDARY_MARK
    return show(value)
