"""The early-warning list as a background computation: projecting every benefit receiver a reader sees takes tens of
seconds for an area, so the page shows the result computed by the worker (``polku.core.precomputed``) instead of
waiting for it.

The result depends on who reads (the persons their role, area and team let them see), the day, the window, the rule
book and the facts: all of these are in its inputs key, so a new import or a confirmed rule set computes it anew.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, QuerySet

from polku.access.policy import Capability, Scope, persons_visible_to, scope_of, staff_profile
from polku.core import precomputed
from polku.core.calendar import add_months, month_start
from polku.municipal_share import early_warning, selectors
from polku.municipal_share.rules import RuleBook
from polku.municipal_share.services import current_rule_book
from polku.people.models import Person
from polku.timeline.models import BenefitMonth, EmploymentConditionMet, HomeMunicipalitySpell

WARNINGS = "share-warnings"


def facts_fingerprint() -> str:
    """Changes whenever a fact the engine reads is recorded, corrected or retracted (new rows get new ids;
    corrections and retractions stamp ``superseded_at``). Cheap: a count and two maxima per table."""
    parts = []
    for model in (BenefitMonth, HomeMunicipalitySpell, EmploymentConditionMet):
        values = model.objects.aggregate(n=Count("id"), last=Max("id"), superseded=Max("superseded_at"))
        parts.append(f"{values['n']}:{values['last']}:{values['superseded']}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def last_full_month(reference_date: date) -> date:
    return add_months(month_start(reference_date), -1)


def step_warnings(book: RuleBook, visible: QuerySet[Person], reference_date: date,
                  days: int) -> list[early_warning.StepWarning]:
    """The next step of every person of ``visible`` paid a benefit in the last full month (only they can have a
    projection), if it starts within ``days`` of ``reference_date``."""
    receiving = list(BenefitMonth.objects.current().filter(
        month=last_full_month(reference_date), days__gt=0,
        person_id__in=visible.values("pk"),
    ).values_list("person_id", flat=True).distinct())
    found = []
    for facts in selectors.person_facts(receiving):
        warning = early_warning.next_step(facts, book, reference_date=reference_date)
        if warning is not None and warning.within(reference_date, days):
            found.append(warning)
    return found


def visibility_scope(user: Any) -> str:
    """Who sees which persons, for caching: an area's (or the register's) readers with the same role see the same;
    a team-scope reader sees their own clients too, so their list is theirs alone."""
    profile = staff_profile(user)
    if profile is None:
        return ""
    scope = scope_of(user, Capability.VIEW_PERSONS)
    reader = f":{user.pk}" if scope == Scope.TEAM else ""
    return f"{profile.role}:{profile.area_id}:{profile.team_id}:{scope}{reader}"


def _asked_again(arguments: dict[str, Any]) -> dict[str, Any] | None:
    """After a data change: the same reader, day and window, keyed by the facts and rules as they are now."""
    user = get_user_model().objects.filter(pk=arguments["user_id"], is_active=True).first()
    if user is None:
        return None
    return warnings_request(user, current_rule_book(), date.fromisoformat(arguments["reference_date"]), arguments["days"])


@precomputed.computation(WARNINGS, request=_asked_again)
def warnings_for_reader(user_id: int, reference_date: str, days: int) -> list[early_warning.StepWarning]:
    """The job's body: the warnings of the persons ``user_id`` sees, under the rule book in force now."""
    user = get_user_model().objects.get(pk=user_id)
    return step_warnings(current_rule_book(), persons_visible_to(user), date.fromisoformat(reference_date), days)


def warnings_request(user: Any, book: RuleBook, reference_date: date, days: int) -> dict[str, Any]:
    """The keys and arguments of the warnings ``user`` sees (for :func:`polku.core.precomputed.fetch`)."""
    scope = visibility_scope(user)
    return {"inputs": f"{scope}|{reference_date}|{days}|{book.fingerprint()}|{facts_fingerprint()}",
            "scope": f"{scope}|{days}",
            "arguments": {"user_id": user.pk, "reference_date": reference_date.isoformat(), "days": days}}
