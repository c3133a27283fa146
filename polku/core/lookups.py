"""Filters moved along a relation: the same ``Q`` of a table, asked from a table that points to it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet


def through(q: Q, relation: str) -> Q:
    """``q`` (a filter of some table) as a filter of a table that reaches it through ``relation``, for the same rows
    as ``relation__in=<the table filtered by q>``: every lookup gets the path in front. The database then sees one
    query with a join instead of ``relation IN (subquery)``, and may plan the two tables' conditions together — e.g.
    walk an index of the outer table in order and stop at a page's last row.

    Only for what keeps it the same filter: ``relation`` a forward foreign key or one-to-one that is never null, and
    lookups along single-valued relations (a negated or or-ed lookup over a nullable or many-valued one would let
    other rows through, or the same row twice), with plain values or querysets of their own. A value the outer query
    would resolve (``F()``, another expression) would name the outer table's fields: refused."""
    moved = Q(_connector=q.connector, _negated=q.negated)
    for child in q.children:
        moved.children.append(_moved(child, relation))
    return moved


def _moved(child: Any, relation: str) -> Any:
    if isinstance(child, Q):
        return through(child, relation)
    if isinstance(child, tuple) and len(child) == 2 and isinstance(child[0], str):
        lookup, value = child
        if hasattr(value, "resolve_expression") and not isinstance(value, QuerySet):
            raise TypeError(f"cannot move a lookup whose value is an expression along a relation: {lookup}")
        return (f"{relation}__{lookup}", value)
    raise TypeError(f"cannot move a filter of this kind along a relation: {child!r}")
