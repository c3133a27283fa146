"""The municipal share broken down by any of: municipality, area, team, age group, benefit, month, rule set.

For an employment area or any set of municipalities and a period, under the rule in force each month or
one rule set applied to all months. Aggregate figures only; the SQL engine computes the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q

from polku.core import suppression
from polku.municipal_share import aggregates, selectors
from polku.municipal_share.aggregates import age_group_of
from polku.municipal_share.engine import ShareRow
from polku.municipal_share.rules import IN_FORCE, RuleBook, forced_book
from polku.municipal_share.sql_engine import duckdb_share_rows
from polku.people.models import Person
from polku.reference.models import EmploymentAreaMembership

DIMENSIONS = ("municipality", "area", "team", "age_group", "benefit_type", "month", "year", "rule_set")
NO_TEAM = "—"


@dataclass(frozen=True)
class BreakdownRow:
    keys: dict[str, Any]
    billed_persons: int
    paid_days: int
    counted_days: int
    paid_eur: str
    municipal_eur: str
    state_eur: str


def _areas_of(codes: Sequence[str], on: date) -> dict[str, str]:
    memberships = EmploymentAreaMembership.objects.filter(municipality_id__in=codes, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
    ).values_list("municipality_id", "area__code")
    return dict(memberships)


def share_breakdown(book: RuleBook, *, municipality_codes: Sequence[str], first_month: date, last_month: date,
                    by: Sequence[str], rule: str = IN_FORCE) -> list[BreakdownRow]:
    """Totals for the municipalities and period, grouped by the dimensions in ``by``."""
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimensions {unknown}")
    codes = list(dict.fromkeys(municipality_codes))
    people = selectors.persons_billed_to(codes, first_month, last_month)
    facts = list(selectors.person_facts(people))
    rules = [rule] if rule != IN_FORCE else sorted({r.code for r in book.rule_sets})
    rows: list[ShareRow] = []
    for code in rules:
        forced = forced_book(book, code) if rule != IN_FORCE else book
        rows += [r for r in duckdb_share_rows(facts, forced, through=last_month, since=first_month)
                 if r.municipality in codes and (rule != IN_FORCE or r.rule_set == code)]
    attributes = {pid: (birth, team) for pid, birth, team in
                  Person.objects.filter(pk__in=people).values_list("id", "birth_date", "team__name")}
    areas = _areas_of(codes, last_month)
    extra = {
        "area": lambda r: areas.get(r.municipality or "", "—"),
        "team": lambda r: attributes.get(r.person_id, (None, None))[1] or NO_TEAM,
        "age_group": lambda r: age_group_of(attributes.get(r.person_id, (None, None))[0], r.month),
    }
    out = []
    for key, total in aggregates.totals(rows, by=list(by), extra=extra).items():
        out.append(BreakdownRow(
            keys={name: (value.isoformat() if isinstance(value, date) else value) for name, value in zip(by, key, strict=True)},
            billed_persons=total.billed_persons, paid_days=total.paid_days, counted_days=total.counted_days,
            paid_eur=f"{total.paid_eur:.2f}", municipal_eur=f"{total.municipal_eur:.2f}", state_eur=f"{total.state_eur:.2f}",
        ))
    return out


def dimension_groups(keys: Sequence[tuple[Any, ...]], by: Sequence[str]) -> list[suppression.Group]:
    """Per dimension, the rows that differ only in it: they add up to a figure another query shows (the same query
    without that dimension), so each such set is a group for complementary suppression."""
    groups: list[suppression.Group] = []
    for position in range(len(by)):
        rest: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for key in keys:
            rest.setdefault(key[:position] + key[position + 1:], []).append(key)
        groups += [suppression.group(members) for members in rest.values()]
    return groups


def shown_rows(rows: Sequence[BreakdownRow], by: Sequence[str], k: int) -> list[BreakdownRow]:
    """The rows an aggregate-only reader may see: groups of fewer than ``k`` billed persons are left out, and so is
    the next smallest group wherever one left out alone could be recovered by subtracting the rest from a total."""
    keyed = {tuple(r.keys[d] for d in by): r for r in rows}
    values = {key: r.billed_persons for key, r in keyed.items()}
    primary = suppression.primary_small(values, k)
    hidden = suppression.complement(values, primary, dimension_groups(list(keyed), by))
    return [r for key, r in keyed.items() if key not in hidden]
