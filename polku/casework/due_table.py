"""The due-items table: the due-item engine's answer for every client, kept in the database so that a worklist of a
whole area is a paginated, indexed query instead of the engine run on thousands of clients on every load.

Filled only by the engine: :func:`refresh_persons` gathers the clients' facts with ``selectors.client_cases`` and
runs ``due.due_items`` on them, exactly as the live worklist does, and stores the items (``ClientDue`` per client,
``DueItemRow`` per item). Kept current by

- the services that write a client's facts: the timeline's (status spells, job searches, homes, retractions;
  through ``polku.core.signals.person_facts_written``) and case work's own (meetings, plans, reports, assignments),
  in the same transaction;
- the import, which refreshes the persons it wrote after it commits (``refresh_persons`` in bulk);
- :func:`rebuild` for everyone: the daily job (the items depend on the day: what is overdue, what falls in the
  look-ahead), ``polku due_items rebuild``, and the demo set-up.

The table holds one day, ``DueTableState.computed_for``. A worklist for that day and the shipped rule book reads it
(:func:`table_worklist`); any other day is computed live (``selectors.live_worklist``), and a worklist asked for
today while the table is for an earlier day queues the rebuild (once) and is computed live meanwhile.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Collate, Concat
from django.utils import timezone

from polku.casework.due import DueItem, DueKind, DueState, due_items, state_on
from polku.casework.models import (
    ApplicationReport,
    CaseAssignment,
    ClientDue,
    DueItemRow,
    DueTableState,
    EmploymentPlan,
    Meeting,
)
from polku.casework.rules import ProcessRuleBook, shipped_rule_book
from polku.core.lookups import through
from polku.people.models import Person
from polku.timeline.models import HomeMunicipalitySpell, JobSearchPeriod, StatusSpell
from polku.timeline.selectors import homes_on

if TYPE_CHECKING:
    from polku.casework.selectors import Persons

STATE_KEY = "due-items"
CHUNK = 2000  # clients computed and written at a time by a rebuild (bounded memory, few round trips)
# Up to how many clients a worklist's queries name them by id. A counsellor's own (some 80) are looked up by key;
# a team's or an area's thousands stay a subquery: PostgreSQL plans a list of 16 000 ids worse than the subquery
# (measured: the area worklist's p50 rose from 6 to 11.6 s under 20 users with the list).
MAX_LISTED_CLIENTS = 500
# The facts a client's row is computed from: a write of any of them refreshes the client (the home: the row keeps
# where the client lives, for an area's worklist).
FACTS_READ = (StatusSpell, JobSearchPeriod, Meeting, EmploymentPlan, ApplicationReport, HomeMunicipalitySpell)


# The kinds in the order of their bits in a client row's kinds by state (``kind_mask``).
KIND_BITS = tuple(DueKind)
# What the table's rows hold and mean: a table written in another form is computed anew, like one of another rule
# book (2: the client rows' kinds by state).
TABLE_FORM = f"2:{','.join(KIND_BITS)}"
STATE_FIELDS = {DueState.OVERDUE: "overdue_kinds", DueState.THIS_WEEK: "this_week_kinds",
                DueState.UPCOMING: "upcoming_kinds"}


def rule_book_key(book: ProcessRuleBook) -> str:
    """Changes with the rule book (a new law version, a confirmed rule) and with the table's form: the table is then
    computed anew (a worklist is computed live until it is)."""
    return hashlib.sha256(f"{TABLE_FORM}\n{book!r}".encode()).hexdigest()[:32]


def kind_mask(kinds: Iterable[str]) -> int:
    """One bit a kind, in :data:`KIND_BITS` order."""
    mask = 0
    for kind in kinds:
        mask |= 1 << KIND_BITS.index(DueKind(kind))
    return mask


def mask_kinds(mask: int) -> list[str]:
    """The kinds whose bits are set (:func:`kind_mask` undone)."""
    return [kind.value for bit, kind in enumerate(KIND_BITS) if mask >> bit & 1]


def _kinds_by_state(found: list[DueItem]) -> dict[str, int]:
    """A client row's kinds by state. The engine gives a client one item of a kind at most; were it ever to give two,
    the counts read from the masks would be short, so that is refused here rather than counted wrong."""
    if len({item.kind for item in found}) != len(found):
        raise ValueError(f"two due items of one kind for a client: {[item.kind for item in found]}")
    return {field: kind_mask(item.kind for item in found if item.state == state) for state, field in STATE_FIELDS.items()}


def table_state() -> DueTableState | None:
    return DueTableState.objects.filter(key=STATE_KEY).first()


def _state_shared() -> DueTableState | None:
    """The table's state, held against a rebuild until the caller's transaction ends.

    A refresh computes its persons' rows for the state's day. Without the hold, a rebuild for a new day could commit
    in between: the refresh would then write rows of yesterday beside today's, or (PostgreSQL) insert a person the
    rebuild had just inserted and fail the counsellor's write on the unique key. On PostgreSQL the row is read ``FOR
    SHARE`` — refreshes do not wait for each other, a rebuild (``FOR UPDATE``) waits for them and they for it, and
    the day read is the one the rebuild committed; SQLite serialises writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = DueTableState._meta.db_table  # our own table name; the key is a parameter
            cursor.execute(f"SELECT key FROM {table} WHERE key = %s FOR SHARE", [STATE_KEY])  # noqa: S608
    return table_state()


def table_day(book: ProcessRuleBook | None = None) -> date | None:
    """The day the table answers for under ``book`` (the shipped one by default), or None."""
    state = table_state()
    if state is None or state.rule_book != rule_book_key(book or shipped_rule_book()):
        return None
    return state.computed_for


def overdue_share(municipality_codes: set[str] | None, day: date) -> tuple[int, int] | None:
    """(clients with some statutory step overdue, clients with an open job search) living in the municipalities on
    ``day`` (everyone: None), read from the table when it answers for that day; else None (the rebuild is queued)."""
    if table_day() != day:
        return None
    rows = ClientDue.objects.filter(computed_for=day)
    if municipality_codes is not None:
        rows = rows.filter(home_municipality__in=sorted(municipality_codes))
    counts = rows.aggregate(clients=Count("pk"), overdue=Count("pk", filter=Q(overdue=True)))
    return int(counts["overdue"]), int(counts["clients"])


# --- writing ----------------------------------------------------------------------------------------------------


def _compute(person_ids: list[Any], day: date, book: ProcessRuleBook) -> tuple[list[ClientDue], list[DueItemRow]]:
    """The engine's items for these persons on ``day``, as unsaved rows (clients without an open job search: none)."""
    from polku.casework.selectors import client_cases  # the same gathering of facts as the live worklist

    cases = client_cases(Person.objects.filter(pk__in=person_ids), day)
    assignments = {row[0]: row[1:] for row in CaseAssignment.objects.filter(
        person_id__in=list(cases), ended_at__isnull=True).values_list("person_id", "counsellor_id", "team_id")}
    homes = dict(homes_on(day).filter(person_id__in=list(cases)).order_by("start_date")
                 .values_list("person_id", "municipality_id"))
    now = timezone.now()
    clients, items = [], []
    for person_id, case in cases.items():
        found = due_items(case, book, day)
        counsellor_id, team_id = assignments.get(person_id, (None, None))
        first = found[0] if found else None
        clients.append(ClientDue(
            person_id=person_id, computed_for=day, computed_at=now, registered_on=case.registered_on, phase=case.phase,
            counsellor_id=counsellor_id, team_id=team_id, home_municipality=homes.get(person_id, ""),
            next_kind=first.kind if first else "",
            next_due_on=first.due_on if first else None, overdue=any(i.due_on < day for i in found), items=len(found),
            **_kinds_by_state(found)))
        items += [DueItemRow(client_id=person_id, position=position, kind=item.kind, due_on=item.due_on, rule=item.rule,
                             rule_set=item.rule_set, verified=item.verified, source=item.source, detail=item.detail)
                  for position, item in enumerate(found)]
    return clients, items


def _write(person_ids: list[Any], day: date, book: ProcessRuleBook) -> int:
    clients, items = _compute(person_ids, day, book)
    DueItemRow.objects.filter(client_id__in=person_ids).delete()
    ClientDue.objects.filter(person_id__in=person_ids).delete()
    ClientDue.objects.bulk_create(clients, batch_size=CHUNK)
    DueItemRow.objects.bulk_create(items, batch_size=5000)
    return len(clients)


def refresh_persons(person_ids: Iterable[Any]) -> None:
    """Recompute these persons' rows for the table's day (inside the caller's transaction: the write and the rows
    it changes commit together). Nothing to do before the table is first built."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return
    with transaction.atomic():
        state = _state_shared()
        if state is None:
            return
        book = shipped_rule_book()
        for start in range(0, len(ids), CHUNK):
            _write(ids[start:start + CHUNK], state.computed_for, book)


def facts_changed(sender: type[Any], person_ids: list[Any], **kwargs: Any) -> None:
    """Receiver of the timeline's ``person_facts_written``: refresh for the facts the due items read."""
    if sender in FACTS_READ:
        refresh_persons(person_ids)


def persons_changed_since(moment: datetime) -> set[Any]:
    """Persons whose facts the due items read were recorded, corrected or retracted at or after ``moment``, or whose
    assignment changed (what a bulk writer such as the import touched)."""
    found: set[Any] = set()
    for model in FACTS_READ:
        found.update(model.objects.filter(Q(recorded_at__gte=moment) | Q(superseded_at__gte=moment))
                     .values_list("person_id", flat=True).distinct())
    found.update(CaseAssignment.objects.filter(Q(started_at__gte=moment) | Q(ended_at__gte=moment))
                 .values_list("person_id", flat=True).distinct())
    return found


def refresh_changed_since(moment: datetime, also: Iterable[Any] = ()) -> int:
    """After a bulk write that began at ``moment`` has committed: refresh the persons it touched (and ``also`` those
    the writer names); their number."""
    if table_state() is None:
        return 0
    changed = sorted(persons_changed_since(moment) | set(also), key=str)
    refresh_persons(changed)
    return len(changed)


def rebuild(day: date | None = None, *, book: ProcessRuleBook | None = None) -> int:
    """Compute the whole table for ``day`` (today by default) in one transaction; the number of clients."""
    from polku.casework.selectors import open_job_seekers

    day = day or timezone.localdate()
    book = book or shipped_rule_book()
    with transaction.atomic():
        DueTableState.objects.select_for_update().filter(key=STATE_KEY).first()  # one rebuild at a time
        DueItemRow.objects.all().delete()
        ClientDue.objects.all().delete()
        ids = sorted(set(open_job_seekers(Person.objects.all(), day).values_list("person_id", flat=True)))
        clients = 0
        for start in range(0, len(ids), CHUNK):
            clients += _write(ids[start:start + CHUNK], day, book)
        DueTableState.objects.update_or_create(key=STATE_KEY, defaults={
            "computed_for": day, "rule_book": rule_book_key(book), "rebuilt_at": timezone.now(), "clients": clients})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh planner statistics for the indexes the worklists use
            cursor.execute(f"ANALYZE {ClientDue._meta.db_table}, {DueItemRow._meta.db_table}")
    return clients


# --- reading ----------------------------------------------------------------------------------------------------


def week_end(day: date) -> date:
    """The Sunday of ``day``'s week: "this week" in ``due.state_on``."""
    return day + timedelta(days=6 - day.weekday())


def state_filter(state: str, day: date) -> Q:
    """The items in ``state`` on ``day`` (``due.state_on`` as a condition on the due day)."""
    if state == DueState.OVERDUE:
        return Q(due_on__lt=day)
    if state == DueState.THIS_WEEK:
        return Q(due_on__gte=day, due_on__lte=week_end(day))
    return Q(due_on__gt=week_end(day))


def _bytewise(expression: Any) -> Any:
    """Order text by code point, as Python sorts the live worklist (PostgreSQL would use the locale's collation)."""
    return Collate(expression, "C") if connection.vendor == "postgresql" else expression


ORDERINGS = {
    "due": ("due_on", "sort_name", "client_id", "position"),
    "name": ("sort_name", "due_on", "client_id", "position"),
    "kind": ("kind", "due_on", "sort_name", "client_id", "position"),
    "counsellor": ("sort_counsellor", "due_on", "sort_name", "client_id", "position"),
}


class WorklistRows:
    """The rows of a worklist read from the table: counted and sliced in the database (Django's paginator asks only
    for the page shown), iterable for the API and the command."""

    def __init__(self, items: QuerySet[Any], day: date, row_type: Any, count: int | None = None) -> None:
        self.items = items
        self.day = day
        self.row_type = row_type
        self._count = count  # known already (the worklist's aggregate), or counted when first asked
        self._all: list[Any] | None = None

    def count(self) -> int:
        if self._all is not None:
            return len(self._all)
        if self._count is None:
            self._count = self.items.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _rows(self, items: Iterable[dict[str, Any]]) -> list[Any]:
        return [self.row_type(
            person_id=row["client_id"], name=row["name"], counsellor=row["counsellor"] or "", team=row["team"] or "",
            phase=row["phase"], position=row["position"],
            item=DueItem(kind=DueKind(row["kind"]), due_on=row["due_on"], state=state_on(row["due_on"], self.day),
                         rule=row["rule"], rule_set=row["rule_set"], verified=row["verified"], source=row["source"],
                         detail=dict(row["detail"] or {})),
        ) for row in items]

    def _values(self) -> Any:
        return self.items.values("client_id", "name", "counsellor", "team", "phase", "position", "kind", "due_on",
                                 "rule", "rule_set", "verified", "source", "detail")

    def __getitem__(self, index: Any) -> Any:
        if self._all is not None:
            return self._all[index]
        if isinstance(index, slice):
            return self._rows(self._values()[index])
        return self._rows(self._values()[index:index + 1])[0]

    def __iter__(self) -> Iterator[Any]:
        if self._all is None:
            self._all = self._rows(self._values())
        return iter(self._all)


def table_worklist(persons: Persons, today: date, *, kinds: Iterable[str] = (), states: Iterable[str] = (),
                   counsellor_id: int | None = None, sort: str = "due", rows: Q | None = None) -> dict[str, Any]:
    """The parts of a ``selectors.Worklist`` for ``today`` read from the table (which must be for ``today``).

    ``rows``, when given, is the same scope as ``persons`` over the table's own columns (``policy.rows_in_reach``):
    used only when the table is for the real today, the day its homes are for and the policy's scope is about."""
    from polku.casework import selectors

    # The scope (the access policy's persons) is checked once per client row of the table, not for every person of
    # the register: by the row's own copy of the client's home and team when the caller gives it (an indexed
    # filter), else as a subquery of persons. The scope's clients are counted first, with their items by kind and
    # state (one grouped query). A small scope (a counsellor's own clients) is then read as ids, and the page's rows
    # look those up by key (repeating the scope on the client row they join, for the index it lets the database
    # use); a large one stays a query, evaluated again by the page's rows (which, sorted by due date, the database
    # reads by the due-date index up to the page's last row).
    table_scope = rows if today == timezone.localdate() else None  # decided once: both queries take the same way
    if table_scope is not None:
        clients = ClientDue.objects.filter(table_scope, computed_for=today)
    else:
        clients = ClientDue.objects.filter(Exists(selectors.persons_of(persons).filter(pk=OuterRef("person_id"))),
                                           computed_for=today)
    if counsellor_id is not None:
        clients = clients.filter(counsellor_id=counsellor_id)
    # How many clients, and their items by kind and state, from the clients' rows (each keeps its items' kinds by
    # state): one pass over the clients in scope, grouped by the few distinct combinations, instead of a count of
    # the scope and every item joined to its client (a team of 10 844 clients: 27 ms of the database's time a load,
    # now 8). The counts are summed from these cells, each count over the other filter, as the live worklist counts.
    cells: dict[tuple[str, str], int] = defaultdict(int)
    client_count = 0
    for row in clients.order_by().values(*STATE_FIELDS.values()).annotate(n=Count("pk")):
        client_count += row["n"]
        for due_state, field in STATE_FIELDS.items():
            for kind in mask_kinds(row[field]):
                cells[(kind, due_state.value)] += row["n"]
    joined_scope = Q()  # the scope again on the client row that the page's rows join (see below)
    if client_count <= MAX_LISTED_CLIENTS:
        items = DueItemRow.objects.filter(client_id__in=list(clients.values_list("person_id", flat=True)))
        if table_scope is not None:
            # The clients are the listed ids either way; said of the joined client row as well, the scope lets the
            # database find those rows by an index instead of reading the whole table for the join (a counsellor's
            # own list: the page's rows in a quarter of the time).
            joined_scope = through(table_scope, "client") & Q(client__computed_for=today)
    elif table_scope is not None:
        # The same scope as conditions of the joined client row (and its person), not as "client in (subquery)":
        # the database plans the scope with the page's order (a team of 1 568 clients: a fifth less time).
        items = DueItemRow.objects.filter(through(table_scope, "client"), client__computed_for=today)
        if counsellor_id is not None:
            items = items.filter(client__counsellor_id=counsellor_id)
    else:
        items = DueItemRow.objects.filter(client__in=clients)
    wanted_kinds, wanted_states = set(kinds), set(states)
    kind_q = Q(kind__in=wanted_kinds) if wanted_kinds else Q()
    state_q = Q()
    for state in wanted_states:
        state_q |= state_filter(state, today)

    def counted(kind: str | None = None, state: str | None = None) -> int:
        return sum(n for (k, s), n in cells.items()
                   if (k == kind if kind is not None else not wanted_kinds or k in wanted_kinds)
                   and (s == state if state is not None else not wanted_states or s in wanted_states))

    shown = items.filter(kind_q & state_q & joined_scope).annotate(
        name=Concat(F("client__person__last_name"), Value(", "), F("client__person__first_names")),
        counsellor=F("client__counsellor__username"), team=F("client__team__name"), phase=F("client__phase"),
        sort_name=_bytewise(Concat(F("client__person__last_name"), Value(", "), F("client__person__first_names"))),
        sort_counsellor=_bytewise(Coalesce(F("client__counsellor__username"), Value(""))),
    ).order_by(*ORDERINGS.get(sort, ORDERINGS["due"]))
    return {
        "rows": WorklistRows(shown, today, selectors.WorklistRow, count=counted()),
        "counts": {k.value: counted(kind=k.value) for k in DueKind},
        "states": {s.value: counted(state=s.value) for s in DueState},
        "clients": client_count,
    }
