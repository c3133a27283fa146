"""One dialect layer: every derived relation's SQL is written once, in DuckDB's SQL, and transpiled with ``sqlglot``.

Engines hand :func:`render` a query written once; it comes back in SQLite's, PostgreSQL's or DuckDB's SQL. sqlglot
does the translation; the few constructs it renders wrongly or slowly for our use are rewritten on the syntax tree
first (each rule below says why), so no engine keeps a dialect class of its own or hand-written SQL per database.

Conventions of the written-once SQL (what the rewrites rely on):

* dates are ``DATE 'YYYY-MM-DD'`` (:func:`date_literal`), instants ``TIMESTAMPTZ '…'`` (:func:`timestamp_literal`);
* the day before: ``CAST(x - INTERVAL 1 DAY AS DATE)``; days between: ``DATE_DIFF('day', earlier, later)``;
* a month's first day ``CAST(DATE_TRUNC('month', x) AS DATE)``, its last ``LAST_DAY(x)``;
* floor division of non-negative integers ``a // b``;
* a fact view read twice is ``name AS NOT MATERIALIZED (…)``: SQLite would otherwise materialise it and lose the
  tables' indexes; PostgreSQL and DuckDB plan it better themselves, so the hint is kept for SQLite only.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache

import sqlglot
from sqlglot import exp

SOURCE = "duckdb"
ENGINES = {"sqlite": "sqlite", "postgresql": "postgres", "duckdb": "duckdb"}


def date_literal(value: date) -> str:
    return f"DATE '{value.isoformat()}'"


def timestamp_literal(value: datetime) -> str:
    return f"TIMESTAMPTZ '{value.astimezone(UTC).isoformat()}'"


def in_list(values: tuple[str, ...] | list[str] | frozenset[str]) -> str:
    """``(…)`` of string literals for ``IN``; ``(NULL)`` (nothing matches) when empty."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")" if values else "(NULL)"


def _interval_days(node: exp.Expression) -> int | None:
    if isinstance(node, exp.Interval) and str(node.unit or "").upper() in ("DAY", "DAYS"):
        return int(node.this.name)
    return None


def _sqlite_date(node: exp.Cast) -> exp.Expression:
    """``CAST(… AS DATE)`` of a literal, of a day shift or of a month's start, in SQLite's date text."""
    inner = node.this
    if isinstance(inner, exp.Literal) and inner.is_string:
        return exp.Literal.string(inner.this)
    if isinstance(inner, exp.Sub | exp.Add) and (days := _interval_days(inner.expression)) is not None:
        sign = -1 if isinstance(inner, exp.Sub) else 1
        return exp.Anonymous(this="date", expressions=[inner.this, exp.Literal.string(f"{sign * days:+d} day")])
    if isinstance(inner, exp.TimestampTrunc | exp.DateTrunc) and str(inner.unit or "").upper() == "MONTH":
        return exp.Anonymous(this="date", expressions=[inner.this, exp.Literal.string("start of month")])
    return node


def _sqlite(node: exp.Expression) -> exp.Expression:
    """SQLite keeps dates as ISO text: date arithmetic by ``date()`` modifiers, literals as plain text (as Django
    stores them, so comparisons stay text comparisons on indexed columns)."""
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.DATE:
        return _sqlite_date(node)
    if isinstance(node, exp.Cast) and node.to.this in (exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMP) \
            and isinstance(node.this, exp.Literal):
        instant = datetime.fromisoformat(node.this.this).astimezone(UTC)
        return exp.Literal.string(instant.strftime("%Y-%m-%d %H:%M:%S.%f"))  # how Django stores aware datetimes
    if isinstance(node, exp.LastDay):
        return exp.Anonymous(this="date", expressions=[node.this, exp.Literal.string("start of month"),
                                                       exp.Literal.string("+1 month"), exp.Literal.string("-1 day")])
    if isinstance(node, exp.DateDiff) and str(node.unit or "DAY").upper() in ("DAY", "'DAY'"):
        return exp.Cast(this=exp.Sub(this=exp.Anonymous(this="julianday", expressions=[node.this]),
                                     expression=exp.Anonymous(this="julianday", expressions=[node.expression])),
                        to=exp.DataType.build("INTEGER"))
    if isinstance(node, exp.Least | exp.Greatest):  # SQLite's scalar min()/max(): NULL if any argument is
        return exp.Anonymous(this="min" if isinstance(node, exp.Least) else "max",
                             expressions=[node.this, *node.expressions])
    return node


def _postgres(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.IntDiv):
        # Integer division of BIGINTs truncates, the floor for the non-negative values divided here; DIV() would
        # convert to NUMERIC first, several times slower over millions of rows.
        return exp.Paren(this=exp.Div(this=exp.Paren(this=node.this), expression=exp.Paren(this=node.expression),
                                      typed=True))
    return node


def _whole_table(query: exp.Expression) -> bool:
    """``SELECT * FROM table``: nothing but the table itself."""
    source = query.args.get("from_") if isinstance(query, exp.Select) else None
    return (isinstance(query, exp.Select) and [type(e) for e in query.expressions] == [exp.Star]
            and isinstance(source, exp.From) and isinstance(source.this, exp.Table)
            and not any(query.args.get(part) for part in ("where", "joins", "group", "having", "order", "limit")))


def _strip_materialized(node: exp.Expression, *, keep_whole_tables: bool = False) -> exp.Expression:
    """The materialisation hint is for SQLite; PostgreSQL keeps it only on a CTE that is a whole table (a computed
    table such as the KPI's spells): inlined, the planner reads the table's statistics, where a materialised copy
    read twice has none and its row counts are guessed (a thousand times too few, and the plan built on that)."""
    if isinstance(node, exp.CTE) and not (keep_whole_tables and node.args.get("materialized") is False
                                          and _whole_table(node.this)):
        node.set("materialized", None)
    return node


# Literals are taken out before transpiling and put back after: a query's shape (which a page asks again and again
# with other dates, scopes and codes) is transpiled once and cached, since parsing costs a tenth of a second.
_LITERAL = re.compile(r"\b(DATE|TIMESTAMPTZ)\s+'([^']*)'|'((?:[^']|'')*)'")
_HELD = re.compile(r"__polku_literal_(\d+)__")
_UNITS = frozenset({"day", "month", "year"})  # arguments of DATE_DIFF / DATE_TRUNC: part of the shape


def _literal(kind: str | None, text: str, engine: str) -> str:
    if kind == "DATE":
        return f"'{text}'" if engine == "sqlite" else f"CAST('{text}' AS DATE)"
    if kind == "TIMESTAMPTZ":
        if engine == "sqlite":  # how Django stores aware datetimes
            return "'" + datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "'"
        return f"CAST('{text}' AS TIMESTAMPTZ)"
    return f"'{text}'"


def render(sql: str, engine: str) -> str:
    """``sql`` (written once, DuckDB's SQL) in the SQL of ``engine``: ``sqlite``, ``postgresql`` or ``duckdb``."""
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        kind, typed, plain = match.group(1), match.group(2), match.group(3)
        if kind is None and plain.lower() in _UNITS:
            return match.group(0)
        held.append(_literal(kind, typed if kind else plain, engine))
        return f"__polku_literal_{len(held) - 1}__"

    shape = _render_shape(_LITERAL.sub(hold, sql), engine)
    return _HELD.sub(lambda m: held[int(m.group(1))], shape)


@lru_cache(maxsize=512)
def _render_shape(sql: str, engine: str) -> str:
    statements = sqlglot.parse(sql, read=SOURCE)
    out = []
    for parsed in statements:
        assert parsed is not None
        if engine == "sqlite":
            tree = parsed.transform(_sqlite)
        else:
            tree = parsed.transform(_strip_materialized, keep_whole_tables=engine == "postgresql")
            if engine == "postgresql":
                tree = tree.transform(_postgres)
        out.append(tree.sql(dialect=ENGINES[engine]))
    return ";\n".join(out)
