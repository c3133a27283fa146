"""Filters moved along a relation: the same ``Q`` of a table, asked from a table that points to it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q


def through(q: Q, relation: str) -> Q:
    """``q`` (a filter of some table) as a filter of a table that reaches it through ``relation`` (a field path such
    as ``client``): every lookup gets the path in front, values (also subqueries) stay as they are. The database then
    sees one query with a join instead of ``relation IN (subquery)``, and may plan the two tables' conditions
    together — e.g. walk an index of the outer table in order and stop at a page's last row."""
    moved = Q(_connector=q.connector, _negated=q.negated)
    for child in q.children:
        moved.children.append(_moved(child, relation))
    return moved


def _moved(child: Any, relation: str) -> Any:
    if isinstance(child, Q):
        return through(child, relation)
    if isinstance(child, tuple) and len(child) == 2 and isinstance(child[0], str):
        lookup, value = child
        return (f"{relation}__{lookup}", value)
    raise TypeError(f"cannot move a filter of this kind along a relation: {child!r}")
