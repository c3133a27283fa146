"""Reads and checks of one person whose SQL the ORM writes once per connection, then runs again with another person.

The client record reads a dozen short lists of one person (status spells, plans, meetings, …). Each is a few rows,
yet each costs about a millisecond of processor time, and most of that is Django turning the query into SQL: it
resolves the filters, the joins of ``select_related`` and the ordering again on every request, for SQL that differs
only in the person. A :class:`PersonRead` keeps what the ORM made the first time — the SQL, its parameters, and how a
row becomes a model instance with its related objects — and afterwards only runs it.

The queryset is still written with the ORM, so its filters, joins and ordering are the ORM's, and the rows become
instances through the ORM's own field converters and related-object populators. So that the kept SQL is right for
every person, the query is made twice, from two stand-in keys, and must differ only in the key's parameters: a value
that changes from one build to the next (the clock) or a key written into the SQL's text is refused, as are the
queryset features a plain list does not have (values, annotations, prefetches, locking, another database). A value
that is the same in both builds (today's date, the current user) cannot be told from a constant: a read must not
depend on one (a check keeps its SQL per shape for that).

A :class:`PersonCheck` does the same for a yes-or-no question about a person whose query also depends on something
else, its *shape* — the access policy's "is this person in the user's reach today": the SQL is kept per shape.

What is kept, per database connection (its converters belong to it; a server thread has its own), leans on the
ORM's internals as Django 5.2 has them: the compiler's ``select`` and ``klass_info`` and the populators that
``ModelIterable`` uses. ``tests/core/test_prepared.py`` compares every read of the product with its queryset, value
and type, for every person of a simulated area; after a Django upgrade, check this module against ``ModelIterable``.
"""

from __future__ import annotations

import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, UUIDField
from django.db.models.query import ModelIterable, get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)
S = TypeVar("S")  # a check's shape: what its query is built from besides the person


@dataclass(frozen=True)
class _Plan:
    """What the ORM made of the query on one connection: the SQL, where the person goes in its parameters, and how a
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
    else that changes between calls: the SQL is made once, from stand-in keys, and reused."""

    every: ClassVar[list[PersonRead[Any]]] = []  # each read made, for the test that compares it with its queryset

    def __init__(self, build: Callable[[uuid.UUID], QuerySet[M]]) -> None:
        self._build = build
        self._plans: weakref.WeakKeyDictionary[Any, _Plan] = weakref.WeakKeyDictionary()  # per connection
        PersonRead.every.append(self)

    def queryset(self, person_id: uuid.UUID) -> QuerySet[M]:
        """The read as the ORM's queryset (what :meth:`read` must equal)."""
        return self._build(person_id)

    def read(self, person_id: uuid.UUID, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        if person_id is None:
            raise ValueError("no person: SQL's '= NULL' would find no row, where the ORM asks 'IS NULL'")
        connection = connections[using]
        plan = self._plans.get(connection)
        if plan is None:
            plan = self._plans[connection] = self._plan(using)
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, _with_key(plan.params, plan.slots, person_id, connection))
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
        compiled: list[Any] = []

        def sql_for(stand_in: uuid.UUID) -> tuple[str, list[Any]]:
            compiler, sql, params = self._compiled(stand_in, using)
            compiled.append(compiler)
            return sql, params

        sql, params, slots = _kept_sql(sql_for, connections[using])
        compiler = compiled[0]
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            sql=sql, params=params, slots=slots, model=klass_info["model"], start=start, end=end,
            init_list=tuple(column[0].target.attname for column in compiler.select[start:end]),
            converters=tuple(compiler.get_converters([column[0] for column in compiler.select]).items()),
            populators=tuple(get_related_populators(klass_info, compiler.select, using)),
        )

    def _compiled(self, stand_in: uuid.UUID, using: str) -> tuple[Any, str, list[Any]]:
        queryset: Any = self._build(stand_in)  # the ORM's internals below are not in its type stubs
        query = queryset.query
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups \
                or queryset._known_related_objects or query.annotation_select or query.extra_select \
                or query.combinator or query.select_for_update:
            raise TypeError("a person read is a plain list of instances (with select_related at most)")
        if queryset._db not in (None, using):
            raise TypeError(f"the query is for database {queryset._db!r}, the read for {using!r}")
        compiler = query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            raise TypeError("the query finds nothing whoever the person is") from None
        if compiler.has_extra_select:
            raise TypeError("a person read selects only its models' columns")
        return compiler, sql, list(params)


class PersonCheck(Generic[S]):
    """``build(shape, person_id)`` is a queryset; ``exists(shape, person_id)`` is its ``exists()``, with the SQL the
    ORM wrote for that shape kept per connection (for the :data:`KEEP` shapes used last).

    The shape is what the query is built from besides the person — for the access policy's "may this user read this
    person", whom the user's scope reaches and the day — and must be hashable and hold everything ``build`` reads:
    the SQL is made from two stand-in keys and reused for every person of the same shape. The two builds catch a
    value that changes from one build to the next, not one that is the same in both (today's date, a setting): that
    the shape holds those is the caller's to keep. A query that finds no one whoever the person is (the ORM's empty
    result) answers no, as its ``exists()`` does."""

    KEEP: ClassVar[int] = 1024  # a plan is a few kilobytes; an area has a few hundred staff, each a shape a day

    def __init__(self, build: Callable[[S, uuid.UUID], QuerySet[Any]]) -> None:
        self._build = build
        self._plans: weakref.WeakKeyDictionary[Any, OrderedDict[S, _Kept | None]] = weakref.WeakKeyDictionary()

    def queryset(self, shape: S, person_id: uuid.UUID) -> QuerySet[Any]:
        """The check as the ORM's queryset (:meth:`exists` must equal its ``exists()``)."""
        return self._build(shape, person_id)

    def exists(self, shape: S, person_id: uuid.UUID, using: str = DEFAULT_DB_ALIAS) -> bool:
        if person_id is None:
            raise ValueError("no person: SQL's '= NULL' would find no row, where the ORM asks 'IS NULL'")
        connection = connections[using]
        plans = self._plans.get(connection)
        if plans is None:
            plans = self._plans[connection] = OrderedDict()  # one connection is one thread's: no lock
        if shape in plans:
            plans.move_to_end(shape)
            kept = plans[shape]
        else:
            kept = plans[shape] = self._kept(shape, using)
            if len(plans) > self.KEEP:
                plans.popitem(last=False)
        if kept is None:
            return False
        sql, params, slots = kept
        with connection.cursor() as cursor:
            cursor.execute(sql, _with_key(params, slots, person_id, connection))
            return cursor.fetchone() is not None

    def _kept(self, shape: S, using: str) -> _Kept | None:
        """The shape's SQL, or None where its query finds no one whoever the person is."""
        try:
            return _kept_sql(lambda stand_in: self._compiled(shape, stand_in, using), connections[using])
        except EmptyResultSet:
            return None

    def _compiled(self, shape: S, stand_in: uuid.UUID, using: str) -> tuple[str, list[Any]]:
        queryset: Any = self._build(shape, stand_in)
        if queryset._db not in (None, using):
            raise TypeError(f"the query is for database {queryset._db!r}, the check for {using!r}")
        sql, params = queryset.query.exists(limit=True).get_compiler(using=using).as_sql()  # EmptyResultSet: no one
        return sql, list(params)


_Kept = tuple[str, tuple[Any, ...], tuple[int, ...]]  # the SQL, its parameters, the positions of the person's key


def _kept_sql(sql_for: Callable[[uuid.UUID], tuple[str, list[Any]]], connection: Any) -> _Kept:
    """The SQL that ``sql_for`` makes for two stand-in keys, checked to differ only in the key's parameters, and the
    positions of the key among them."""
    first, second = uuid.uuid4(), uuid.uuid4()
    sql, params = sql_for(first)
    sql_again, params_again = sql_for(second)
    keys = (_prepared_key(first, connection), _prepared_key(second, connection))
    slots = tuple(i for i, param in enumerate(params) if param == keys[0])
    if not slots:
        raise TypeError("the query does not filter on the person's key it was built with")
    unchanged = [i for i in range(len(params)) if i not in slots]
    if (sql_again != sql or len(params_again) != len(params) or any(params_again[i] != keys[1] for i in slots)
            or any(params_again[i] != params[i] for i in unchanged)
            or any(form in sql for key in (first, second) for form in (str(key), key.hex))):
        raise TypeError("the query changes with more than the person's key (a value that changes from one build to "
                        "the next, or the key in the SQL's text): its SQL cannot be kept")
    return sql, tuple(params), slots


def _with_key(params: tuple[Any, ...], slots: tuple[int, ...], person_id: uuid.UUID, connection: Any) -> list[Any]:
    """The kept parameters with the person's key in its slots."""
    values = list(params)
    key = _prepared_key(person_id, connection)
    for slot in slots:
        values[slot] = key
    return values


_KEY: UUIDField[uuid.UUID, uuid.UUID] = UUIDField()  # a person's key is a UUID: prepared as the ORM prepares one


def _prepared_key(person_id: uuid.UUID, connection: Any) -> Any:
    """The key as the ORM hands it to the database (a UUID on PostgreSQL, its hex digits on SQLite)."""
    return _KEY.get_db_prep_value(person_id, connection, prepared=False)
