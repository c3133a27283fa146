"""Who may reach which person's data. The only place that decides it.

Scopes: administrators and the data protection officer see everyone; managers and analysts
their employment area; team leads and counsellors their team (or their area if they have no
team); elected officials never see person-level data. A person belongs to an area through
the current home municipality, and to a team through ``Person.team``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from polku.access.models import Role, StaffProfile
from polku.core.errors import AccessDenied
from polku.people.models import Person
from polku.reference.models import EmploymentAreaMembership
from polku.timeline.models import HomeMunicipalitySpell

PERSON_LEVEL_ROLES = frozenset(Role) - {Role.ELECTED_OFFICIAL}
EVERYONE_ROLES = frozenset({Role.ADMIN, Role.DPO})
AREA_ROLES = frozenset({Role.MANAGER, Role.ANALYST})


def staff_profile(user: Any) -> StaffProfile | None:
    if user is None or not user.is_authenticated:
        return None
    return StaffProfile.objects.filter(user=user).select_related("area", "team").first()


def can_see_person_level_data(user: Any) -> bool:
    profile = staff_profile(user)
    return profile is not None and profile.role in PERSON_LEVEL_ROLES


def _in_area(area_id: int) -> Exists:
    today = timezone.localdate()
    area_municipalities = EmploymentAreaMembership.objects.filter(area_id=area_id).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
    ).values("municipality_id")
    return Exists(
        HomeMunicipalitySpell.objects.filter(
            person=OuterRef("pk"), superseded_at__isnull=True, start_date__lte=today,
            municipality_id__in=area_municipalities,
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today)),
    )


def persons_visible_to(user: Any) -> QuerySet[Person]:
    """The persons whose data ``user`` may read (an empty queryset for aggregate-only roles)."""
    profile = staff_profile(user)
    if profile is None or profile.role not in PERSON_LEVEL_ROLES:
        return Person.objects.none()
    if profile.role in EVERYONE_ROLES:
        return Person.objects.all()
    if profile.role in {Role.COUNSELLOR, Role.TEAM_LEAD} and profile.team_id is not None:
        return Person.objects.filter(team_id=profile.team_id)
    if profile.area_id is None:
        return Person.objects.none()
    return Person.objects.filter(_in_area(profile.area_id))


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
