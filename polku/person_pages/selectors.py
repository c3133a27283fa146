"""Reads the pages need beyond ``polku.timeline.selectors``: current facts of a page of persons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Q

from polku.people.models import Person
from polku.timeline.models import HomeMunicipalitySpell, StatusSpell


def _on(day: date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def current_home_municipalities(persons: Sequence[Person], day: date) -> dict[object, HomeMunicipalitySpell]:
    """Each person's home-municipality spell covering ``day`` (one query for the whole page)."""
    spells = HomeMunicipalitySpell.objects.current().filter(_on(day), person__in=persons).select_related("municipality")
    return {spell.person_id: spell for spell in spells}


def current_statuses(persons: Sequence[Person], day: date) -> dict[object, StatusSpell]:
    """Each person's labour-market status spell covering ``day`` (one query for the whole page)."""
    spells = StatusSpell.objects.current().filter(_on(day), person__in=persons).select_related("status", "service_type")
    return {spell.person_id: spell for spell in spells}
