"""Who may do what to whom. The only place that decides it.

Every decision is a named :class:`Capability`; :data:`GRANTS` says, for each role, which capabilities it holds and
in which :class:`Scope`. Pages, the API and the commands ask :func:`allows` (or one of the thin helpers below,
kept for their many callers); ``polku permissions_doc`` writes the table as ``docs/permissions.md``.

Need to know: a counsellor reaches their own clients (a current case assignment names them) and their team's
clients, a team lead their team's; managers reach their employment area, analysts their area too but no named
worklist; administrators and the data protection officer the whole register (the data protection officer no
named worklist); elected officials and the data steward no person at all. A person belongs to an area through
the current home municipality (membership valid today), and to a team through ``Person.team``: when a client
moves out of the area, the team loses access.

Break-glass: a person-level role may open one person outside its scope by stating why (``BreakGlassGrant``);
the grant lasts :data:`BREAK_GLASS_DURATION`, the read is logged as ``break_glass`` and the data protection
officer sees it flagged.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from polku.access.models import BreakGlassGrant, ClientAccount, Role, StaffProfile
from polku.core.errors import AccessDenied
from polku.core.prepared import PersonCheck
from polku.derived.membership import area_municipalities_on
from polku.people.models import Person
from polku.reference.models import Municipality
from polku.timeline.selectors import homes_in


class Capability(enum.StrEnum):
    """What a user may do. Each member is one decision the interfaces ask about."""

    VIEW_PERSONS = "view_persons"
    RECORD_PERSON_DATA = "record_person_data"
    BREAK_GLASS = "break_glass"
    VIEW_WORKLIST = "view_worklist"
    HOLD_CASELOAD = "hold_caseload"
    VIEW_CASELOAD = "view_caseload"
    BALANCE_CASELOAD = "balance_caseload"
    VIEW_AGGREGATES = "view_aggregates"
    PUBLISH_REPORTS = "publish_reports"
    VIEW_SERVICE_CATALOGUE = "view_service_catalogue"
    EDIT_SERVICE_CATALOGUE = "edit_service_catalogue"
    EMPLOYER_SERVICES = "employer_services"
    MATCH_CANDIDATES = "match_candidates"
    REFIT_FORECAST = "refit_forecast"
    CHECK_KELA_INVOICES = "check_kela_invoices"
    EXCHANGE_DATA = "exchange_data"
    READ_ACCESS_LOG = "read_access_log"
    EXERCISE_SUBJECT_RIGHTS = "exercise_subject_rights"
    RUN_RETENTION = "run_retention"
    ADMINISTER = "administer"
    MAINTENANCE_COMMANDS = "maintenance_commands"
    PUBLISH_FREE_TIMES = "publish_free_times"
    READ_CONSENT_RECORDS = "read_consent_records"
    # The client's own portal (``/oma/``): held only by a signed-in client, over their own data (CLIENT_GRANTS)
    USE_PORTAL = "use_portal"

    @property
    def label(self) -> Promise:
        return CAPABILITY_LABELS[self]


CAPABILITY_LABELS: dict[Capability, Promise] = {
    Capability.VIEW_PERSONS: _("Henkilöiden haku ja asiakastietojen katselu"),
    Capability.RECORD_PERSON_DATA: _("Henkilötietojen ja asiakastyön kirjaus"),
    Capability.BREAK_GLASS: _("Poikkeuksellinen pääsy rajauksen ulkopuoliseen henkilöön perustellen"),
    Capability.VIEW_WORKLIST: _("Nimetty työlista"),
    Capability.HOLD_CASELOAD: _("Vastuuohjaajana toimiminen"),
    Capability.VIEW_CASELOAD: _("Ohjaajien asiakasmäärät"),
    Capability.BALANCE_CASELOAD: _("Asiakkaiden siirto ohjaajalta toiselle"),
    Capability.VIEW_AGGREGATES: _("Koostetiedot: mittarit, kuntaosuus, ennusteet, kuukausiraportit"),
    Capability.PUBLISH_REPORTS: _("Kuukausiraportin julkaisu pyynnöstä"),
    Capability.VIEW_SERVICE_CATALOGUE: _("Palveluvalikoima"),
    Capability.EDIT_SERVICE_CATALOGUE: _("Palveluntuottajien, palvelujen ja työnantajien lisäys"),
    Capability.EMPLOYER_SERVICES: _("Työnantajapalvelut: työnantajarekisteri, yhteydenotot, rekrytointitarpeet, "
                                    "avoimet työpaikat ja työtarjoukset"),
    Capability.MATCH_CANDIDATES: _("Osaamisprofiilit ja työpaikkojen ehdokaslistat; työtarjous työnhakijalle"),
    Capability.REFIT_FORECAST: _("Ennustemallin sovittaminen uudelleen"),
    Capability.CHECK_KELA_INVOICES: _("Kelan laskujen tarkistus"),
    Capability.EXCHANGE_DATA: _("Rekisteritietojen tuonti ja vienti"),
    Capability.READ_ACCESS_LOG: _("Lokitietojen ja poikkeuksellisten pääsyjen valvonta"),
    Capability.EXERCISE_SUBJECT_RIGHTS: _("Rekisteröidyn oikeudet: tietojen koonti, seloste"),
    Capability.RUN_RETENTION: _("Säilytysaikojen ajo"),
    Capability.ADMINISTER: _("Ylläpito ja kuntaosuussääntöjen vahvistus"),
    Capability.MAINTENANCE_COMMANDS: _("Ylläpitokomennot (tietokannan vedos, konsoli)"),
    Capability.PUBLISH_FREE_TIMES: _("Vapaiden tapaamisaikojen julkaisu asiakkaiden varattaviksi"),
    Capability.READ_CONSENT_RECORDS: _("Suostumusrekisterin ja tarkastuspyyntöjen valvonta"),
    Capability.USE_PORTAL: _("Oma asiointi: omat tiedot, ilmoitukset, itsearvio, ajanvaraus, suostumukset, viestit"),
}


class Scope(enum.StrEnum):
    """Whose data a capability reaches."""

    TEAM = "team"  # own clients (a current assignment) and the team's clients who live in the area
    AREA = "area"  # the employment area: persons living there today, or its figures
    EVERYONE = "everyone"  # the whole register
    AGGREGATES = "aggregates"  # figures of the area only, small groups hidden; no person named
    ONE_PERSON = "one_person"  # one person at a time, for a limited time, stating why (break-glass)
    SELF = "self"  # the signed-in client's own data, nobody else's

    @property
    def label(self) -> Promise:
        return SCOPE_LABELS[self]


SCOPE_LABELS: dict[Scope, Promise] = {
    Scope.TEAM: _("omat ja tiimin asiakkaat"),
    Scope.AREA: _("työllisyysalue"),
    Scope.EVERYONE: _("koko rekisteri"),
    Scope.AGGREGATES: _("vain koostetiedot"),
    Scope.ONE_PERSON: _("yksi henkilö kerrallaan perustellen"),
    Scope.SELF: _("vain omat tiedot"),
}

C, S = Capability, Scope
GRANTS: dict[Role, dict[Capability, Scope]] = {
    Role.COUNSELLOR: {
        C.VIEW_PERSONS: S.TEAM, C.RECORD_PERSON_DATA: S.TEAM, C.BREAK_GLASS: S.ONE_PERSON, C.VIEW_WORKLIST: S.TEAM,
        C.HOLD_CASELOAD: S.TEAM, C.VIEW_CASELOAD: S.TEAM, C.VIEW_AGGREGATES: S.AREA,
        C.VIEW_SERVICE_CATALOGUE: S.AREA, C.EDIT_SERVICE_CATALOGUE: S.AREA, C.PUBLISH_FREE_TIMES: S.TEAM,
        C.EMPLOYER_SERVICES: S.AREA, C.MATCH_CANDIDATES: S.TEAM,
    },
    Role.TEAM_LEAD: {
        C.VIEW_PERSONS: S.TEAM, C.RECORD_PERSON_DATA: S.TEAM, C.BREAK_GLASS: S.ONE_PERSON, C.VIEW_WORKLIST: S.TEAM,
        C.HOLD_CASELOAD: S.TEAM, C.VIEW_CASELOAD: S.TEAM, C.BALANCE_CASELOAD: S.TEAM, C.VIEW_AGGREGATES: S.AREA,
        C.VIEW_SERVICE_CATALOGUE: S.AREA, C.EDIT_SERVICE_CATALOGUE: S.AREA, C.PUBLISH_FREE_TIMES: S.TEAM,
        C.EMPLOYER_SERVICES: S.AREA, C.MATCH_CANDIDATES: S.TEAM,
    },
    Role.MANAGER: {
        C.VIEW_PERSONS: S.AREA, C.RECORD_PERSON_DATA: S.AREA, C.BREAK_GLASS: S.ONE_PERSON, C.VIEW_WORKLIST: S.AREA,
        C.VIEW_CASELOAD: S.AREA, C.BALANCE_CASELOAD: S.AREA, C.VIEW_AGGREGATES: S.AREA,
        C.VIEW_SERVICE_CATALOGUE: S.AREA, C.EDIT_SERVICE_CATALOGUE: S.AREA, C.REFIT_FORECAST: S.AREA,
        C.CHECK_KELA_INVOICES: S.AREA, C.PUBLISH_REPORTS: S.AREA, C.EMPLOYER_SERVICES: S.AREA,
        C.MATCH_CANDIDATES: S.AREA,
    },
    Role.ANALYST: {
        C.VIEW_PERSONS: S.AREA, C.VIEW_CASELOAD: S.AGGREGATES, C.VIEW_AGGREGATES: S.AREA,
        C.VIEW_SERVICE_CATALOGUE: S.AREA, C.REFIT_FORECAST: S.AREA, C.CHECK_KELA_INVOICES: S.AREA,
        C.PUBLISH_REPORTS: S.AREA,
    },
    Role.ELECTED_OFFICIAL: {
        C.VIEW_AGGREGATES: S.AGGREGATES, C.VIEW_SERVICE_CATALOGUE: S.AREA,
    },
    Role.DPO: {
        C.VIEW_PERSONS: S.EVERYONE, C.VIEW_AGGREGATES: S.EVERYONE, C.VIEW_SERVICE_CATALOGUE: S.EVERYONE,
        C.READ_ACCESS_LOG: S.EVERYONE, C.EXERCISE_SUBJECT_RIGHTS: S.EVERYONE, C.RUN_RETENTION: S.EVERYONE,
        C.READ_CONSENT_RECORDS: S.EVERYONE,
    },
    Role.DATA_STEWARD: {
        C.VIEW_AGGREGATES: S.AGGREGATES, C.VIEW_SERVICE_CATALOGUE: S.AREA, C.EXCHANGE_DATA: S.AREA,
    },
    # Employer services (yrityskoordinaattori, duuniagentti): the area's employers and vacancies, and the competence
    # profiles of the area's job seekers for matching; not the client record itself (no VIEW_PERSONS).
    Role.JOB_AGENT: {
        C.VIEW_AGGREGATES: S.AREA, C.VIEW_SERVICE_CATALOGUE: S.AREA,
        C.EMPLOYER_SERVICES: S.AREA, C.MATCH_CANDIDATES: S.AREA,
    },
    Role.ADMIN: {
        C.VIEW_PERSONS: S.EVERYONE, C.RECORD_PERSON_DATA: S.EVERYONE, C.VIEW_WORKLIST: S.EVERYONE,
        C.VIEW_CASELOAD: S.EVERYONE, C.BALANCE_CASELOAD: S.EVERYONE, C.VIEW_AGGREGATES: S.EVERYONE,
        C.VIEW_SERVICE_CATALOGUE: S.EVERYONE, C.EDIT_SERVICE_CATALOGUE: S.EVERYONE,
        C.REFIT_FORECAST: S.EVERYONE, C.CHECK_KELA_INVOICES: S.EVERYONE, C.PUBLISH_REPORTS: S.EVERYONE,
        C.EXCHANGE_DATA: S.EVERYONE, C.READ_ACCESS_LOG: S.EVERYONE, C.EXERCISE_SUBJECT_RIGHTS: S.EVERYONE,
        C.RUN_RETENTION: S.EVERYONE, C.ADMINISTER: S.EVERYONE, C.MAINTENANCE_COMMANDS: S.EVERYONE,
        C.EMPLOYER_SERVICES: S.EVERYONE, C.MATCH_CANDIDATES: S.EVERYONE,
        C.READ_CONSENT_RECORDS: S.EVERYONE,
    },
}
# A signed-in client (a user with a ``ClientAccount``, no staff role): their own data only, in their own portal.
CLIENT_GRANTS: dict[Capability, Scope] = {C.USE_PORTAL: S.SELF}
del C, S

# How long one break-glass statement opens the person (then the user states a reason again).
BREAK_GLASS_DURATION = timedelta(hours=1)
BREAK_GLASS_REASON_MAX = 300
BREAK_GLASS_REASON_MIN = 10


def roles_with(capability: Capability) -> frozenset[Role]:
    """The roles that hold ``capability`` in any scope."""
    return frozenset(role for role, grants in GRANTS.items() if capability in grants)


@dataclass(frozen=True)
class MatrixRow:
    capability: Capability
    scopes: dict[Role, Scope | None]


def permission_matrix() -> list[MatrixRow]:
    """Role × capability × scope, in the order of the enums (what ``docs/permissions.md`` shows)."""
    return [MatrixRow(capability, {role: GRANTS[role].get(capability) for role in Role}) for capability in Capability]


def client_matrix() -> dict[Capability, Scope | None]:
    """The client's column of the matrix (a signed-in job seeker in their own portal)."""
    return {capability: CLIENT_GRANTS.get(capability) for capability in Capability}


# Kept for their callers: the role sets the registry implies.
PERSON_LEVEL_ROLES = roles_with(Capability.VIEW_PERSONS)
EVERYONE_ROLES = frozenset(role for role, grants in GRANTS.items() if grants.get(Capability.VIEW_PERSONS) == Scope.EVERYONE)
AREA_ROLES = frozenset(role for role, grants in GRANTS.items() if grants.get(Capability.VIEW_PERSONS) == Scope.AREA)
WRITE_ROLES = roles_with(Capability.RECORD_PERSON_DATA)
EXCHANGE_ROLES = roles_with(Capability.EXCHANGE_DATA)
PRIVACY_ROLES = roles_with(Capability.EXERCISE_SUBJECT_RIGHTS)
LOG_READER_ROLES = roles_with(Capability.READ_ACCESS_LOG)


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


_CLIENT_ATTRIBUTE = "_polku_client_person_id"


def client_person_id(user: Any) -> Any:
    """The id of the person a signed-in client is (their ``ClientAccount``), or None for anyone else. Kept on the
    user object for the request, like the staff profile."""
    if user is None or not user.is_authenticated:
        return None
    person_id = getattr(user, _CLIENT_ATTRIBUTE, _MISSING)
    if person_id is _MISSING:
        person_id = ClientAccount.objects.filter(user=user).values_list("person_id", flat=True).first()
        setattr(user, _CLIENT_ATTRIBUTE, person_id)
    return person_id


def is_client(user: Any) -> bool:
    """A signed-in job seeker (their own portal only), not staff."""
    return client_person_id(user) is not None and staff_profile(user) is None


def scope_of(user: Any, capability: Capability) -> Scope | None:
    """The scope in which ``user`` holds ``capability``, or None when they do not hold it."""
    profile = staff_profile(user)
    if profile is None:
        return CLIENT_GRANTS.get(capability) if is_client(user) else None
    return GRANTS.get(cast(Role, profile.role), {}).get(capability)  # Role members hash as their values


def allows(user: Any, capability: Capability, target: Person | None = None) -> bool:
    """May ``user`` do ``capability`` (to ``target``, a person, when given)?

    For a person the scope decides (and, for reading, a live break-glass grant for that one person).
    """
    scope = scope_of(user, capability)
    if scope is None:
        return False
    if target is None:
        return True
    if scope == Scope.AGGREGATES:
        return False
    if scope == Scope.SELF:
        return bool(target.pk == client_person_id(user))
    if _reaches(reach_of(user, scope), target.pk):
        return True
    return capability == Capability.VIEW_PERSONS and has_break_glass(user, target)


def require(user: Any, capability: Capability, target: Person | None = None, *, message: str = "") -> None:
    """Raise ``AccessDenied`` unless :func:`allows`."""
    if not allows(user, capability, target):
        raise AccessDenied(message or "Ei oikeutta.")


def can_see_person_level_data(user: Any) -> bool:
    return allows(user, Capability.VIEW_PERSONS)


def area_municipality_codes(area_id: int) -> Any:
    """Codes of the municipalities that belong to the area today (a subquery; membership is the derived layer's)."""
    return area_municipalities_on(area_id, timezone.localdate())


def _living_in(codes: Iterable[str], day: date) -> Exists:
    # The area's codes as values, not a subquery: PostgreSQL then knows from its statistics how many home spells they
    # match (with a subquery it guessed a few hundred of an area's sixty thousand and chose a plan 4× slower).
    return Exists(homes_in(sorted(codes), day).filter(person=OuterRef("pk")))


def _in_area(area_id: int) -> Exists:
    return _living_in(area_municipality_set(area_id), timezone.localdate())


# Who a user's own clients are is case work's to say (a current assignment); case work sits above this module, so
# it registers the query here when the apps load (``CaseworkConfig.ready``) rather than being imported.
_own_clients_source: list[Callable[[Any], Any]] = []


def register_own_clients(source: Callable[[Any], Any]) -> None:
    """``source(user)`` answers the ids of the persons ``user`` (a user or a user's id) is responsible for now (a
    subquery)."""
    _own_clients_source[:] = [source]


def own_client_ids(user: Any) -> Any:
    """The persons ``user`` is the responsible counsellor of now (a subquery; none before case work registers)."""
    if not _own_clients_source:
        return Person.objects.none().values("pk")
    return _own_clients_source[0](user)


@dataclass(frozen=True)
class Reach:
    """Whom a staff member's person scope reaches, in its parts: everyone, or those living today in the area's
    municipalities — all of them, or only the member's own clients and their team's.

    The one definition of a scope: :func:`persons_in_scope` builds its query of persons from it, and a table that
    keeps a copy of each person's home on today and team (the worklists' due-items table) filters its own rows by the
    same parts with :func:`rows_in_reach`, instead of asking the home spells once for every row."""

    everyone: bool = False
    area_codes: tuple[str, ...] = ()  # homes today in these (empty and not everyone: no one)
    own_clients_of: Any = None  # a user's id: only their own clients, or their team's (``team_id``)
    team_id: int | None = None


NOBODY = Reach()


def _area_codes_of(profile: StaffProfile, area_id: int) -> tuple[str, ...]:
    """The codes of the area's municipalities today, kept on the profile (which lives for one request, like
    :func:`staff_profile`): a page asks for its reach several times."""
    today = timezone.localdate()
    kept = getattr(profile, "_polku_area_codes", None)
    if kept is None or kept[0] != today:
        kept = (today, tuple(sorted(area_municipality_set(area_id))))
        setattr(profile, "_polku_area_codes", kept)  # noqa: B010 - not a model field
    return cast(tuple[str, ...], kept[1])


def reach_of(user: Any, scope: Scope | None) -> Reach:
    """The parts of ``scope`` for staff member ``user`` (no one for aggregates, a client's own scope or break-glass,
    which opens one person to :func:`allows` only)."""
    profile = staff_profile(user)
    if profile is None or scope is None or scope in (Scope.AGGREGATES, Scope.ONE_PERSON, Scope.SELF):
        return NOBODY
    if scope == Scope.EVERYONE:
        return Reach(everyone=True)
    if profile.area_id is None:
        return NOBODY
    codes = _area_codes_of(profile, profile.area_id)
    if scope == Scope.AREA:
        return Reach(area_codes=codes)
    # The user by id: a reach keys kept SQL (_IN_REACH), and a request's user object would keep the request with it.
    return Reach(area_codes=codes, own_clients_of=user.pk, team_id=profile.team_id)


def _own_or_team(reach: Reach, *, person: str, team: str | None = None) -> Q:
    """Own clients (current assignments) or the team's persons: ``team`` names the row's own team column, or, when
    None, the team is asked of the persons as an indexed subquery (a table keyed by person, without joining them)."""
    mine = Q(**{f"{person}__in": own_client_ids(reach.own_clients_of)})
    if reach.team_id is None:
        return mine
    if team is not None:
        return mine | Q(**{team: reach.team_id})
    return mine | Q(**{f"{person}__in": team_members(reach.team_id)})


def rows_in_reach(reach: Reach, *, person: str, home: str) -> Q:
    """The rows of a table keyed by person that ``reach`` lets through, given the names of the table's copies of
    the person's id and home municipality today (e.g. ``person_id``, ``home_municipality``). The copy of the home
    must be for today.

    Own clients are the current assignments and a team's clients the persons of the team, both read live as indexed
    subqueries (never a copy the table keeps, which an import refreshes only after it commits), so that neither joins
    every person of the register to the table. (:func:`team_rows_in_reach` joins the row's person instead, for a
    team's worklist: read live all the same.)"""
    if reach.everyone:
        return Q()
    if not reach.area_codes:
        return Q(pk__in=[])
    rows = Q(**{f"{home}__in": list(reach.area_codes)})
    return rows & _own_or_team(reach, person=person) if reach.own_clients_of is not None else rows


def team_rows_in_reach(reach: Reach, team_id: int, *, person: str, home: str) -> Q:
    """The rows of team ``team_id``'s persons that ``reach`` lets through (as :func:`rows_in_reach`, narrowed to the
    team). For a member of that team, "own clients or the team's" within the team is the team: the filter is then the
    area's homes and the team's persons alone. Said so, the database walks a team's worklist by its due-date index and
    stops at the page's rows; an OR of two subqueries it can only evaluate whole, for every row of the table.

    The team is asked of the row's person through the row's relation to them (``person`` names the relation's column,
    e.g. ``person_id``: the filter reads ``person__team_id``): the person's team read live, never a copy the table
    keeps. Joined rather than asked as a subquery of the team's persons, the team is weighed with the table's other
    conditions (a team of 1 568 clients: its worklist a fifth faster in process, ``benchmarks/casework_latency.py``)."""
    team = Q(**{f"{person.removesuffix('_id')}__team_id": team_id})
    if reach.own_clients_of is not None and reach.team_id == team_id:
        return rows_in_reach(Reach(area_codes=reach.area_codes), person=person, home=home) & team
    return rows_in_reach(reach, person=person, home=home) & team


def team_members(team_id: int) -> Any:
    """The ids of the persons of a team (a subquery)."""
    return Person.objects.filter(team_id=team_id).values("pk")


def persons_in_scope(user: Any, scope: Scope | None) -> QuerySet[Person]:
    """The persons ``scope`` reaches for ``user`` (none for aggregates only)."""
    if scope == Scope.SELF:
        return Person.objects.filter(pk=client_person_id(user))
    return _persons_in_reach(reach_of(user, scope), timezone.localdate())


def _persons_in_reach(reach: Reach, day: date) -> QuerySet[Person]:
    """The persons ``reach`` reaches on ``day`` (the one query of a scope: :func:`persons_in_scope` and
    :func:`_reaches` both read it). It must be built from ``reach`` and ``day`` alone, reading nothing else: its SQL is
    kept for them (``_IN_REACH``); whom the query finds (homes, assignments, teams) is read when it runs."""
    if reach.everyone:
        return Person.objects.all()
    if not reach.area_codes:
        return Person.objects.none()
    in_area = Person.objects.filter(_living_in(reach.area_codes, day))
    if reach.own_clients_of is None:
        return in_area
    return in_area.filter(_own_or_team(reach, person="pk", team="team_id"))


# "Is this person in the reach?" is asked on every read of a person's page. Django takes longer to write its SQL
# (about 1.4 ms) than the database to answer it (0.2 ms), and the SQL is the same for every person of one reach on one
# day: it is kept per reach and day (polku.core.prepared).
_IN_REACH: PersonCheck[tuple[Reach, date]] = PersonCheck(
    lambda shape, person_id: _persons_in_reach(*shape).filter(pk=person_id))


def _reaches(reach: Reach, person_id: Any) -> bool:
    """Does ``reach`` reach the person today? As ``_persons_in_reach(reach, today).filter(pk=…).exists()``."""
    if not reach.everyone and not reach.area_codes:
        return False  # no one: answered without asking the database
    return _IN_REACH.exists((reach, timezone.localdate()), person_id)


def persons_visible_to(user: Any) -> QuerySet[Person]:
    """The persons whose data ``user`` may read in their scope (an empty queryset for aggregate-only roles).

    Lists and worklists start from this; a break-glass grant opens its one person to :func:`allows` only.
    """
    return persons_in_scope(user, scope_of(user, Capability.VIEW_PERSONS))


def within_area(user: Any, person: Person) -> bool:
    """Does ``person`` live in ``user``'s employment area today (everyone does for whole-register roles)?"""
    profile = staff_profile(user)
    if profile is None:
        return False
    if sees_everyone(user):
        return True
    return profile.area_id is not None and Person.objects.filter(_in_area(profile.area_id), pk=person.pk).exists()


def sees_everyone(user: Any) -> bool:
    """True for the roles whose scope is the whole register (administrators, the data protection officer)."""
    return scope_of(user, Capability.VIEW_PERSONS) == Scope.EVERYONE


def visible_person_ids(user: Any, person_ids: Iterable[Any]) -> set[Any]:
    """Which of ``person_ids`` ``user`` may read (the rest are outside their scope)."""
    wanted = set(person_ids)
    if not wanted:
        return set()
    return set(persons_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


def require_person_access(user: Any, person: Person) -> None:
    """Raise ``AccessDenied`` unless ``user`` may read ``person``."""
    if not allows(user, Capability.VIEW_PERSONS, person):
        raise AccessDenied("Ei oikeutta tämän henkilön tietoihin.")


def can_write_person_data(user: Any) -> bool:
    return allows(user, Capability.RECORD_PERSON_DATA)


def require_write_access(user: Any, person: Person | None = None) -> None:
    """Raise ``AccessDenied`` unless ``user`` may record facts (for ``person``, when given)."""
    if not can_write_person_data(user):
        raise AccessDenied("Roolilla ei ole oikeutta kirjata henkilötietoja.")
    if person is not None and not allows(user, Capability.RECORD_PERSON_DATA, person):
        raise AccessDenied("Ei oikeutta tämän henkilön tietoihin.")


def require_competence_profile_write(user: Any, person: Person, *, by_client: bool = False) -> None:
    """A job seeker writes their own competence profile in the portal (``by_client``; HE 108/2025: the job-search
    profile is the client's, filled by the authority only when the client does not); staff write it as any record
    of the person. The portal's way is for a signed-in client over their own profile only, and it is never inferred
    from the user: a member of staff who also has a client account writes as staff everywhere else."""
    if by_client:
        if not (is_client(user) and client_person_id(user) == person.pk):
            raise AccessDenied("Vain asiakas itse voi täyttää oman osaamisprofiilinsa asiointipalvelussa.")
        return
    require_write_access(user, person)


def wrote_as_client(user: Any, person: Any) -> bool:
    """Whether ``user`` is ``person`` themselves signed in as a client (for saying who last changed their data)."""
    return user is not None and is_client(user) and client_person_id(user) == getattr(person, "pk", person)


# --- break-glass -----------------------------------------------------------------------------------------------------


def may_break_glass(user: Any, person: Person) -> bool:
    """May ``user`` open ``person`` by stating a reason: a person-level role, for a person outside its scope."""
    return allows(user, Capability.BREAK_GLASS) and not persons_visible_to(user).filter(pk=person.pk).exists()


def has_break_glass(user: Any, person: Person) -> bool:
    """Has ``user`` a live break-glass grant for ``person``?"""
    if user is None or not user.is_authenticated or scope_of(user, Capability.BREAK_GLASS) is None:
        return False
    return BreakGlassGrant.objects.filter(user=user, person_id=person.pk, expires_at__gt=timezone.now()).exists()


def grant_break_glass(user: Any, person: Person, reason: str) -> BreakGlassGrant:
    """Record a break-glass grant (the caller logs the read). Refused without a reason or for roles without it."""
    from polku.core.logging import mask_personal_ids

    if not allows(user, Capability.BREAK_GLASS):
        raise AccessDenied("Roolilla ei ole poikkeuksellista pääsyä henkilötietoihin.")
    text = " ".join(reason.split())
    if len(text) < BREAK_GLASS_REASON_MIN:
        raise AccessDenied("Poikkeuksellinen pääsy vaatii perustelun.")
    now = timezone.now()
    return BreakGlassGrant.objects.create(user=user, person_id=person.pk, granted_at=now,
                                          expires_at=now + BREAK_GLASS_DURATION,
                                          reason=mask_personal_ids(text)[:BREAK_GLASS_REASON_MAX])


def require_municipality_in_scope(user: Any, municipality_code: str | None, *, field: str = "home_municipality") -> None:
    """Refuse recording a person into a municipality outside the user's area (admins excepted).

    Otherwise a counsellor could create clients they, and their area, cannot see.
    """
    profile = staff_profile(user)
    if sees_everyone(user):
        return
    if profile is None or profile.area_id is None or municipality_code is None:
        raise AccessDenied("Roolilla ei ole aluetta, johon henkilön voisi kirjata.")
    if not Municipality.objects.filter(code=municipality_code).exists():
        return  # an unknown code is the input's fault: validation names it

    if not area_municipality_codes(profile.area_id).filter(municipality_id=municipality_code).exists():
        raise AccessDenied(f"{field}: kunta {municipality_code} ei kuulu alueeseesi.")


def can_exchange_data(user: Any) -> bool:
    """May ``user`` import registers into Polku and export them (the data steward for their area; admins)."""
    return allows(user, Capability.EXCHANGE_DATA)


def exchange_municipality_codes(user: Any) -> set[str] | None:
    """The municipalities ``user`` may import into or export from: None means every one (admins).

    Raises ``AccessDenied`` for roles that may not exchange data at all.
    """
    profile = staff_profile(user)
    scope = scope_of(user, Capability.EXCHANGE_DATA)
    if profile is None or scope is None:
        raise AccessDenied("Vain tietopalvelu voi tuoda ja viedä rekisteritietoja.")
    if scope == Scope.EVERYONE:
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
    if profile is None or scope_of(user, Capability.EXCHANGE_DATA) == Scope.EVERYONE:
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
    return allows(user, Capability.MAINTENANCE_COMMANDS) or is_system_account(user)


# --- the data subject's rights (GDPR): subject-access exports, the retention schedule and its runs -------------------

def can_exercise_subject_rights(user: Any) -> bool:
    """May ``user`` produce a person's subject-access export, see the retention runs and the record of processing
    (the data protection officer and administrators)."""
    return allows(user, Capability.EXERCISE_SUBJECT_RIGHTS)


def require_subject_rights(user: Any) -> None:
    if not can_exercise_subject_rights(user):
        raise AccessDenied("Rekisteröidyn oikeuksia käsittelevät vain tietosuojavastaava ja pääkäyttäjä.")


def can_run_retention(user: Any) -> bool:
    """May ``user`` run the retention schedule (erase or pseudonymise): the data protection officer, administrators,
    and a named system account (a scheduled run)."""
    return allows(user, Capability.RUN_RETENTION) or is_system_account(user)


def can_read_access_log(user: Any) -> bool:
    """The data protection officer and administrators supervise the access log and the break-glass accesses."""
    return allows(user, Capability.READ_ACCESS_LOG)


def is_administrator(user: Any) -> bool:
    return allows(user, Capability.ADMINISTER)


def may_refit_forecast(user: Any) -> bool:
    return allows(user, Capability.REFIT_FORECAST)


def may_balance_caseload(user: Any) -> bool:
    return allows(user, Capability.BALANCE_CASELOAD)


def suppresses_small_cells(user: Any) -> bool:
    """Figures for a role without person-level data hide groups small enough to point at someone."""
    return not can_see_person_level_data(user)


def may_edit_service_catalogue(user: Any) -> bool:
    return allows(user, Capability.EDIT_SERVICE_CATALOGUE)


# --- employer services and matching --------------------------------------------------------------------------------


def may_use_employer_services(user: Any) -> bool:
    """The employer register, vacancies and job offers of the user's area (job agents, counsellors, managers)."""
    return allows(user, Capability.EMPLOYER_SERVICES)


def employer_area_id(user: Any) -> int | None:
    """The employment area whose employers and vacancies ``user`` works with; None means every area (admins).

    Raises ``AccessDenied`` for roles without employer services, or without an area.
    """
    profile = staff_profile(user)
    scope = scope_of(user, Capability.EMPLOYER_SERVICES)
    if profile is None or scope is None:
        raise AccessDenied("Työnantajapalveluihin ei ole oikeutta.")
    if scope == Scope.EVERYONE:
        return None
    if profile.area_id is None:
        raise AccessDenied("Käyttäjätunnukseen ei ole liitetty työllisyysaluetta.")
    return profile.area_id


def aggregate_area_id(user: Any) -> int | None:
    """The employment area whose aggregates ``user`` sees; None means the whole register (administrators and the
    other whole-register roles).

    Raises ``AccessDenied`` for a user without aggregates, or without an area: a staff login with no area sees no
    figures rather than everyone's.
    """
    if not allows(user, Capability.VIEW_AGGREGATES):
        raise AccessDenied("Roolillasi ei ole koostetietoja.")
    if sees_everyone(user) or scope_of(user, Capability.VIEW_AGGREGATES) == Scope.EVERYONE:
        return None
    profile = staff_profile(user)
    if profile is None or profile.area_id is None:
        raise AccessDenied("Käyttäjätunnukseen ei ole liitetty työllisyysaluetta.")
    return profile.area_id


def persons_in_area(area_id: int | None) -> QuerySet[Person]:
    """The persons who live in the area today (everyone for None): the base of an area's aggregates."""
    return Person.objects.all() if area_id is None else Person.objects.filter(_in_area(area_id))


def employer_reach(user: Any) -> Q | None:
    """Which employers ``user``'s employer services keep, as a filter on employers; None means every one (admins).

    An employer registered without an area (for a subsidy decision, say) is kept by the area its municipality belongs
    to today, and by no other: so a job agent of one area can neither open nor take over another area's employer.
    Raises ``AccessDenied`` like :func:`employer_area_id`.
    """
    area_id = employer_area_id(user)
    if area_id is None:
        return None
    return Q(area_id=area_id) | Q(area__isnull=True, municipality_id__in=sorted(area_municipality_set(area_id)))


def employer_within_reach(user: Any, employer: Any) -> bool:
    """Whether ``user``'s employer services keep ``employer`` (see :func:`employer_reach`)."""
    area_id = employer_area_id(user)
    if area_id is None:
        return True
    if employer.area_id is not None:
        return bool(employer.area_id == area_id)
    return employer.municipality_id is not None and str(employer.municipality_id) in area_municipality_set(area_id)


def match_candidates_in_scope(user: Any) -> QuerySet[Person]:
    """The job seekers whose competence profiles ``user`` may match and send job offers to (empty without the
    capability): a counsellor's own and team's clients, a job agent's or manager's whole area."""
    return persons_in_scope(user, scope_of(user, Capability.MATCH_CANDIDATES))


def may_match(user: Any, person: Person) -> bool:
    return allows(user, Capability.MATCH_CANDIDATES, person)
# --- the client's own portal, and what staff do with it -----------------------------------------------------------


def may_use_portal(user: Any) -> bool:
    return allows(user, Capability.USE_PORTAL)


def may_publish_free_times(user: Any) -> bool:
    return allows(user, Capability.PUBLISH_FREE_TIMES)


def can_read_consent_records(user: Any) -> bool:
    return allows(user, Capability.READ_CONSENT_RECORDS)
