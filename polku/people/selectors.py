"""Reads of persons shared by the pages, the API and the commands."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from polku.people.models import Person


def persons_matching_name(persons: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Narrow ``persons`` to those whose names contain every word of ``query``; ordered by name."""
    for word in query.split():
        persons = persons.filter(Q(first_names__icontains=word) | Q(last_name__icontains=word))
    return persons.order_by("last_name", "first_names", "id")
