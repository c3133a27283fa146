"""Who may reach which person's data. The only place that decides it.

Scopes: administrators and the data protection officer see everyone; managers and analysts
their employment area; team leads and counsellors their team's clients who still live in the
area (or, without a team, the area); elected officials never see person-level data. A person
belongs to an area through the current home municipality (membership valid today), and to a
team through ``Person.team``: when a client moves out of the area, the team loses access.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from polku.access.models import Role, StaffProfile
from polku.core.errors import AccessDenied
from polku.people.models import Person
from polku.reference.models import EmploymentAreaMembership, Municipality
from polku.timeline.selectors import homes_in

# The data steward (tietopalvelu) moves registers in and out in bulk (logged as one event per import or
# export) but has no case-work reason to open a client's record.
PERSON_LEVEL_ROLES = frozenset(Role) - {Role.ELECTED_OFFICIAL, Role.DATA_STEWARD}
EVERYONE_ROLES = frozenset({Role.ADMIN, Role.DPO})
AREA_ROLES = frozenset({Role.MANAGER, Role.ANALYST})


_PROFILE_ATTRIBUTE = "_polku_staff_profile"
_MISSING = object()


def staff_profile(user: Any) -> StaffProfile | None:
    """The user's role and scope. Kept on the user object, which lives for one request (or one command): a page
    asks several times (menu, scope, access check), and a changed role takes effect on the next request."""
    if user is None or not user.is_authenticated:
        return None
    profile = getattr(user, _PROFILE_ATTRIBUTE, _MISSING)
    if profile is _MISSING:
        profile = StaffProfile.objects.filter(user=user).select_related("area", "team").first()
        setattr(user, _PROFILE_ATTRIBUTE, profile)
    return cast(StaffProfile | None, profile)


def can_see_person_level_data(user: Any) -> bool:
    profile = staff_profile(user)
    return profile is not None and profile.role in PERSON_LEVEL_ROLES


def area_municipality_codes(area_id: int) -> Any:
    """Codes of the municipalities that belong to the area today (a subquery)."""
    today = timezone.localdate()
    return EmploymentAreaMembership.objects.filter(area_id=area_id, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
    ).values("municipality_id")


def _in_area(area_id: int) -> Exists:
    return Exists(homes_in(area_municipality_codes(area_id), timezone.localdate()).filter(person=OuterRef("pk")))


def persons_visible_to(user: Any) -> QuerySet[Person]:
    """The persons whose data ``user`` may read (an empty queryset for aggregate-only roles)."""
    profile = staff_profile(user)
    if profile is None or profile.role not in PERSON_LEVEL_ROLES:
        return Person.objects.none()
    if profile.role in EVERYONE_ROLES:
        return Person.objects.all()
    if profile.area_id is None:
        return Person.objects.none()
    in_area = Person.objects.filter(_in_area(profile.area_id))
    if profile.role in {Role.COUNSELLOR, Role.TEAM_LEAD} and profile.team_id is not None:
        return in_area.filter(team_id=profile.team_id)
    return in_area


def sees_everyone(user: Any) -> bool:
    """True for the roles whose scope is the whole register (administrators, the data protection officer)."""
    profile = staff_profile(user)
    return profile is not None and profile.role in EVERYONE_ROLES


def visible_person_ids(user: Any, person_ids: Iterable[Any]) -> set[Any]:
    """Which of ``person_ids`` ``user`` may read (the rest are outside their scope)."""
    wanted = set(person_ids)
    if not wanted:
        return set()
    return set(persons_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


def require_person_access(user: Any, person: Person) -> None:
    """Raise ``AccessDenied`` unless ``user`` may read ``person``."""
    if not persons_visible_to(user).filter(pk=person.pk).exists():
        raise AccessDenied("Ei oikeutta tämän henkilön tietoihin.")


WRITE_ROLES = frozenset({Role.COUNSELLOR, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})


def can_write_person_data(user: Any) -> bool:
    profile = staff_profile(user)
    return profile is not None and profile.role in WRITE_ROLES


def require_write_access(user: Any, person: Person | None = None) -> None:
    """Raise ``AccessDenied`` unless ``user`` may record facts (for ``person``, when given)."""
    if not can_write_person_data(user):
        raise AccessDenied("Roolilla ei ole oikeutta kirjata henkilötietoja.")
    if person is not None:
        require_person_access(user, person)


def require_municipality_in_scope(user: Any, municipality_code: str | None, *, field: str = "home_municipality") -> None:
    """Refuse recording a person into a municipality outside the user's area (admins excepted).

    Otherwise a counsellor could create clients they, and their area, cannot see.
    """
    profile = staff_profile(user)
    if profile is not None and profile.role in EVERYONE_ROLES:
        return
    if profile is None or profile.area_id is None or municipality_code is None:
        raise AccessDenied("Roolilla ei ole aluetta, johon henkilön voisi kirjata.")
    if not Municipality.objects.filter(code=municipality_code).exists():
        return  # an unknown code is the input's fault: validation names it

    if not area_municipality_codes(profile.area_id).filter(municipality_id=municipality_code).exists():
        raise AccessDenied(f"{field}: kunta {municipality_code} ei kuulu alueeseesi.")


EXCHANGE_ROLES = frozenset({Role.DATA_STEWARD, Role.ADMIN})


def can_exchange_data(user: Any) -> bool:
    """May ``user`` import registers into Polku and export them (the data steward for their area; admins)."""
    profile = staff_profile(user)
    return profile is not None and profile.role in EXCHANGE_ROLES


def exchange_municipality_codes(user: Any) -> set[str] | None:
    """The municipalities ``user`` may import into or export from: None means every one (admins).

    Raises ``AccessDenied`` for roles that may not exchange data at all.
    """
    profile = staff_profile(user)
    if profile is None or profile.role not in EXCHANGE_ROLES:
        raise AccessDenied("Vain tietopalvelu voi tuoda ja viedä rekisteritietoja.")
    if profile.role in EVERYONE_ROLES:
        return None
    if profile.area_id is None:
        raise AccessDenied("Roolilla ei ole aluetta, jonka tietoja voisi tuoda tai viedä.")
    return area_municipality_set(profile.area_id)


def area_municipality_set(area_id: int) -> set[str]:
    """The codes of the municipalities that belong to the area today."""
    return {str(code) for code in area_municipality_codes(area_id).values_list("municipality_id", flat=True)}


def exchange_area_id(user: Any) -> int | None:
    """The employment area a data steward exchanges for (their counsellors and teams); None for administrators."""
    profile = staff_profile(user)
    if profile is None or profile.role in EVERYONE_ROLES:
        return None
    return profile.area_id


# --- who may run the ``polku`` commands ---------------------------------------------------------------------------


def is_system_account(user: Any) -> bool:
    """A named system account (``settings.POLKU_SYSTEM_ACCOUNTS``): an existing, active user without a staff role."""
    from django.conf import settings

    return user is not None and user.is_active and user.get_username() in settings.POLKU_SYSTEM_ACCOUNTS


def command_operator_refusal(user: Any) -> str | None:
    """Why ``user`` may not run a command that reads or writes persons, or None when they may.

    The operator is named (``--user``), exists, is active, and is either staff (has a role) or a named system
    account; what they then reach is decided by the rest of this policy, as on the web.
    """
    if user is None:
        return "tuntematon käyttäjä"
    if not user.is_active:
        return "käyttäjätunnus ei ole voimassa"
    if staff_profile(user) is None and not is_system_account(user):
        return "käyttäjällä ei ole henkilöstöroolia, eikä se ole nimetty järjestelmätili"
    return None


def can_use_maintenance_commands(user: Any) -> bool:
    """``dumpdata``, ``shell`` and ``dbshell`` reach every person past this policy: administrators and named system
    accounts only."""
    profile = staff_profile(user)
    return (profile is not None and profile.role == Role.ADMIN) or is_system_account(user)


# --- the data subject's rights (GDPR): subject-access exports, the retention schedule and its runs -------------------

PRIVACY_ROLES = frozenset({Role.DPO, Role.ADMIN})


def can_exercise_subject_rights(user: Any) -> bool:
    """May ``user`` produce a person's subject-access export, see the retention runs and the record of processing
    (the data protection officer and administrators)."""
    profile = staff_profile(user)
    return profile is not None and profile.role in PRIVACY_ROLES


def require_subject_rights(user: Any) -> None:
    if not can_exercise_subject_rights(user):
        raise AccessDenied("Rekisteröidyn oikeuksia käsittelevät vain tietosuojavastaava ja pääkäyttäjä.")


def can_run_retention(user: Any) -> bool:
    """May ``user`` run the retention schedule (erase or pseudonymise): the data protection officer, administrators,
    and a named system account (a scheduled run)."""
    return can_exercise_subject_rights(user) or is_system_account(user)
