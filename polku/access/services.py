"""Writes of the access log. Every read of a person's data calls :func:`log_person_reads`."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from typing import Any, cast

from django.db import connections, router, transaction
from django.db.models import Field
from django.utils import timezone

from polku.access.models import AccessAction, AccessChannel, AccessLog, Role, StaffProfile, Team
from polku.core.logging import mask_personal_ids


def os_user() -> str:
    """The operating-system account running a command."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        return str(os.getuid()) if hasattr(os, "getuid") else "?"


def cli_actor(user: Any) -> str:
    """The access log's actor for a command: the operator (``--user``) and the OS account that ran it."""
    return f"{user.get_username()} (os:{os_user()})"


def _actor_name(user: Any, actor: str | None, channel: str) -> tuple[Any, str]:
    """The user to link and the name to keep; a command's row names the OS account too (``--user`` is a claim)."""
    authenticated = user is not None and user.is_authenticated
    name = actor or (user.get_username() if authenticated else "anonymous")
    if actor is None and channel == AccessChannel.CLI and authenticated:
        name = cli_actor(user)
    return (user if authenticated else None), mask_personal_ids(name)


def _reader_then(user: Any) -> tuple[str, str]:
    """The staff member's role and organisation (area / team) now, kept in the row (the profile is the one the
    policy already read for this request)."""
    from polku.access import policy

    profile = policy.staff_profile(user)
    if profile is None:
        return "", ""
    organisation = " / ".join(name for name in (profile.area.name if profile.area else "",
                                                profile.team.name if profile.team else "") if name)
    return profile.role, organisation[:200]


def log_person_reads(
    *, user: Any, person_ids: Iterable[Any], action: AccessAction, purpose: str,
    channel: str = AccessChannel.WEB, actor: str | None = None,
) -> int:
    """Append one access-log row per person read; returns how many were written.

    ``action`` must be one of :class:`AccessAction` (a free string is refused with ``ValueError``), and the
    purpose, which a user may type, is masked like any log text.
    """
    kind = AccessAction(action)
    logged_user, name = _actor_name(user, actor, channel)
    role, organisation = _reader_then(logged_user)
    as_uuid = AccessLog._meta.get_field("person_id").to_python  # an id as text and as a UUID is one person
    persons = list(dict.fromkeys(as_uuid(pid) for pid in person_ids))
    if persons:
        _insert_reads(persons, {
            "at": timezone.now(), "user": logged_user.pk if logged_user is not None else None, "actor": name[:150],
            "action": kind.value, "purpose": mask_personal_ids(purpose)[:200], "channel": AccessChannel(channel).value,
            "role": role, "organisation": organisation})
    return len(persons)


_LOG_FIELDS = ("at", "user", "actor", "action", "purpose", "channel", "role", "organisation")
_ROWS_PER_STATEMENT = 100  # nine parameters a row: 900, under SQLite's oldest limit of 999


def _insert_reads(person_ids: list[Any], shared: dict[str, Any]) -> None:
    """Rows that differ only in the person, written as multi-row INSERTs with each shared value prepared once.

    A worklist page logs a hundred reads on every load; building a model instance for each row (``bulk_create``)
    was a tenth of the page's time (``benchmarks/casework_latency.py``). The values are prepared by the model's own
    fields, so the rows are exactly those ``bulk_create`` would write."""
    connection = connections[router.db_for_write(AccessLog)]
    meta = AccessLog._meta
    fields = [cast(Field, meta.get_field(name)) for name in _LOG_FIELDS]  # concrete columns, not relations
    values = [field.get_db_prep_save(shared[field.name], connection) for field in fields]
    person = cast(Field, meta.get_field("person_id"))
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in [*fields, person])
    table = connection.ops.quote_name(meta.db_table)
    if connection.vendor == "postgresql":
        # One statement of ten parameters whatever the count: the persons as one array, in the order given. A
        # hundred rows of literals cost the driver more to bind and the server more to parse than the insert.
        placeholders = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {placeholders}, person "  # noqa: S608 - names from the model
                           "FROM unnest(%s::uuid[]) WITH ORDINALITY AS read (person, n) ORDER BY n",
                           [*values, [person.get_db_prep_save(pid, connection) for pid in person_ids]])
        return
    row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for start in range(0, len(person_ids), _ROWS_PER_STATEMENT):
            chunk = person_ids[start:start + _ROWS_PER_STATEMENT]
            params = [p for pid in chunk for p in (*values, person.get_db_prep_save(pid, connection))]
            statement = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
            cursor.execute(statement + ", ".join([row] * len(chunk)), params)  # names from the model, values bound


def log_event(*, user: Any, action: AccessAction, purpose: str, channel: str, actor: str | None = None,
              person_id: Any = None) -> None:
    """One access-log row about no one person, or one that is not a read: a console session, a refused operator."""
    logged_user, name = _actor_name(user, actor, channel)
    role, organisation = _reader_then(logged_user)
    AccessLog.objects.create(user=logged_user, actor=name[:150], person_id=person_id, action=AccessAction(action),
                             purpose=mask_personal_ids(purpose)[:200], channel=AccessChannel(channel), role=role,
                             organisation=organisation)


def log_refused(*, user: Any, person_ids: Iterable[Any], action: AccessAction, purpose: str, channel: str,
                actor: str | None = None) -> int:
    """A refused read or write is an event too: one ``access_refused`` row per person, naming what was tried."""
    tried = AccessAction(action)
    return log_person_reads(user=user, person_ids=person_ids, action=AccessAction.ACCESS_REFUSED,
                            purpose=f"{tried.value}: {purpose}", channel=channel, actor=actor)


def person_access(*, user: Any, person: Any, write: bool, action: AccessAction, purpose: str, channel: str,
                  actor: str | None = None) -> None:
    """The one gate to a person's data: check the role and scope, then log the read or write.

    Raises ``AccessDenied`` when the user may not, after logging the refused attempt; every interface calls this.
    """
    from polku.access import policy
    from polku.core.errors import AccessDenied

    try:
        if write:
            policy.require_write_access(user, person)
        else:
            policy.require_person_access(user, person)
    except AccessDenied:
        log_refused(user=user, person_ids=[person.pk], action=action, purpose=purpose, channel=channel, actor=actor)
        raise
    log_person_reads(user=user, person_ids=[person.pk], action=action, purpose=purpose, channel=channel, actor=actor)


@transaction.atomic
def staff_create(*, username: str, password: str, role: str, area_code: str | None = None,
                 team_name: str | None = None, first_name: str = "", last_name: str = "") -> StaffProfile:
    """Create a login with a role scoped to an area (and team)."""
    from django.contrib.auth import get_user_model

    from polku.reference.models import EmploymentArea

    if role not in Role.values:
        from polku.core.errors import ErrorCode, ValidationFailed

        raise ValidationFailed.single("role", ErrorCode.INVALID, f"Tuntematon rooli: {role}.")
    area = EmploymentArea.objects.get(code=area_code) if area_code else None
    team = Team.objects.get_or_create(area=area, name=team_name)[0] if (team_name and area) else None
    from polku.access.policy import GRANTS, Capability

    administers = Capability.ADMINISTER in GRANTS[Role(role)]  # the admin site: the policy's administrators
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=password, first_name=first_name,
                                          last_name=last_name, is_staff=administers, is_superuser=administers)
    return StaffProfile.objects.create(user=user, role=role, area=area, team=team)
