"""Reads of one person's rows that the ORM writes once per process, then runs again with another person.

The client record reads a dozen short lists of one person (status spells, plans, meetings, …). Each is a few rows,
yet each costs about a millisecond of processor time, and most of that is Django turning the query into SQL: it
resolves the filters, the joins of ``select_related`` and the ordering again on every request, for SQL that differs
only in the person. A :class:`PersonRead` keeps what the ORM made the first time — the SQL, its parameters, and how a
row becomes a model instance with its related objects — and afterwards only runs it.

The queryset is still written with the ORM, once, so its filters, joins and ordering are the ORM's; the rows are
turned into instances by the ORM's own field converters and related-object populators. What is left out is only the
work that gives the same answer every time. That is why a read takes exactly one value, the person's key: anything
else in the query (a date, a user) would be frozen at its first value, so a query that needs it is not a
``PersonRead``. ``tests/core/test_prepared.py`` checks that a read gives the same instances as its queryset.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, UUIDField
from django.db.models.query import ModelIterable, get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Plan:
    """What the ORM made of the query on one database: the SQL, where the person goes in its parameters, and how a
    row becomes an instance."""

    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # the positions of the person's key among ``params``
    model: type[Model]
    start: int  # the model's own columns are row[start:end]
    end: int
    init_list: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Any, Any]], ...]  # (column, (converter functions, expression))
    populators: tuple[Any, ...]  # the ORM's related-object populators (select_related)


class PersonRead(Generic[M]):
    """``build(person_id)`` is the queryset; ``read(person_id)`` its rows, as ``list(build(person_id))`` would give.

    ``build`` must use its argument only as the value of a filter on the person's key (``person_id=…``), and nothing
    else that changes between calls: the SQL is made once, from a stand-in key, and reused."""

    every: ClassVar[list[PersonRead[Any]]] = []  # each read made, for the test that compares it with its queryset

    def __init__(self, build: Callable[[uuid.UUID], QuerySet[M]]) -> None:
        self._build = build
        self._plans: dict[str, _Plan] = {}
        PersonRead.every.append(self)

    def queryset(self, person_id: uuid.UUID) -> QuerySet[M]:
        """The read as the ORM's queryset (what :meth:`read` must equal)."""
        return self._build(person_id)

    def read(self, person_id: uuid.UUID, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        connection = connections[using]
        plan = self._plans.get(using)
        if plan is None:
            plan = self._plans[using] = self._plan(using)
        params = list(plan.params)
        value = _prepared_key(person_id, connection)
        for slot in plan.slots:
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        instances: list[M] = []
        for fetched in rows:
            row = list(fetched)
            for position, (functions, expression) in plan.converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
            instance = plan.model.from_db(using, plan.init_list, row[plan.start:plan.end])
            for populator in plan.populators:
                populator.populate(row, instance)
            instances.append(instance)  # type: ignore[arg-type]
        return instances

    def _plan(self, using: str) -> _Plan:
        stand_in = uuid.uuid4()
        queryset: Any = self._build(stand_in)  # the ORM's internals below are not in its type stubs
        query = queryset.query
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups \
                or queryset._known_related_objects or query.annotation_select \
                or query.extra_select or query.combinator:
            raise TypeError("a person read is a plain list of instances (with select_related at most)")
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        connection = connections[using]
        prepared = _prepared_key(stand_in, connection)
        slots = tuple(i for i, param in enumerate(params) if param == prepared)
        if not slots:
            raise TypeError("the query does not filter on the person's key it was built with")
        if compiler.has_extra_select or compiler.col_count != len(compiler.select):
            raise TypeError("a person read selects only its models' columns")
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            sql=sql, params=tuple(params), slots=slots, model=klass_info["model"], start=start, end=end,
            init_list=tuple(column[0].target.attname for column in compiler.select[start:end]),
            converters=tuple(compiler.get_converters([column[0] for column in compiler.select]).items()),
            populators=tuple(get_related_populators(klass_info, compiler.select, using)),
        )


_KEY: UUIDField[uuid.UUID, uuid.UUID] = UUIDField()  # a person's key is a UUID: prepared for the database as the ORM prepares one


def _prepared_key(person_id: uuid.UUID, connection: Any) -> Any:
    """The key as the ORM hands it to the database (a UUID on PostgreSQL, its hex digits on SQLite)."""
    return _KEY.get_db_prep_value(person_id, connection, prepared=False)
