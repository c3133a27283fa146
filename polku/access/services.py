"""Writes of the access log. Every read of a person's data calls :func:`log_person_reads`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from polku.access.models import AccessChannel, AccessLog, Role, StaffProfile, Team


def log_person_reads(
    *, user: Any, person_ids: Iterable[Any], action: str, purpose: str, channel: str = AccessChannel.WEB,
    actor: str | None = None,
) -> int:
    """Append one access-log row per person read; returns how many were written."""
    authenticated = user is not None and user.is_authenticated
    name = actor or (user.get_username() if authenticated else "anonymous")
    rows = [
        AccessLog(user=user if authenticated else None, actor=name, person_id=pid, action=action,
                  purpose=purpose[:200], channel=channel)
        for pid in dict.fromkeys(person_ids)
    ]
    AccessLog.objects.bulk_create(rows)
    return len(rows)


def person_access(*, user: Any, person: Any, write: bool, action: str, purpose: str, channel: str,
                  actor: str | None = None) -> None:
    """The one gate to a person's data: check the role and scope, then log the read or write.

    Raises ``AccessDenied`` (nothing logged) when the user may not; every interface calls this.
    """
    from polku.access import policy

    if write:
        policy.require_write_access(user, person)
    else:
        policy.require_person_access(user, person)
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
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=password, first_name=first_name,
                                          last_name=last_name, is_staff=role == Role.ADMIN,
                                          is_superuser=role == Role.ADMIN)
    return StaffProfile.objects.create(user=user, role=role, area=area, team=team)
