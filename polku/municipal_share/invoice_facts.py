"""Kela's invoice lines as benefit-day facts (``BenefitMonth`` with ``source=kela``).

Kela's list says, per person, benefit month and benefit, how many days and euros were paid. When the
user chooses so, those become Polku's facts: per (person, benefit month, benefit, basis) the lines of
the invoice are summed and

* a current fact with the same days and euros is left as it is (loading the same lines again changes
  nothing),
* a current fact with other days or euros is superseded by a new version (recorded by the user,
  ``correction_reason`` naming the invoice: "Kelan lasku 2025-03 …"),
* a missing one is created (a line of 0 days and 0 € for which Polku has nothing writes nothing).

A line whose benefit month is earlier than the invoice month is Kela's late correction or catch-up of
that month and corrects it the same way. The line gives the month's days and euros in full (the list
has no credit lines), so the later invoice's figures replace the earlier ones.

All or nothing: persons not in Polku are refused by line number (the identity code is never echoed)
unless the user chose to skip them, in which case they are reported; every line is checked against the
timeline's rules (money needs days, months already paid, at most the month's weekdays of benefit days
per person over all benefits, counting Polku's other current rows) before anything is written. The
caller runs this inside the transaction that stores the invoice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from polku.core.calendar import max_benefit_days_in_month
from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.municipal_share.reconcile import InvoiceLine
from polku.people.models import Person
from polku.timeline import services as timeline
from polku.timeline import validators
from polku.timeline.models import BenefitMonth, FactSource

CREATED = "created"
SUPERSEDED = "superseded"
UNCHANGED = "unchanged"

# Timeline field -> the invoice column an error about it names.
_COLUMN_OF_FIELD = {"days": "maksetut päivät", "amount": "maksettu €", "month": "etuuskuukausi",
                    "benefit_type": "etuus", "basis": "peruste"}


@dataclass(frozen=True)
class FactChange:
    """What loading one (person, month, benefit, basis) did; ``previous_*`` are the superseded version's."""

    lines: tuple[int, ...]
    person_id: Any
    month: date
    benefit_type: str
    basis: str
    action: str
    days: int
    amount: Decimal
    previous_days: int | None = None
    previous_amount: Decimal | None = None


@dataclass(frozen=True)
class FactLoad:
    changes: tuple[FactChange, ...]
    skipped_lines: tuple[int, ...]  # lines of persons not in Polku, skipped because the user chose so

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def changed_person_ids(self) -> list[Any]:
        return list(dict.fromkeys(c.person_id for c in self.changes if c.action != UNCHANGED))


def correction_reason(invoice_month: date, invoice_id: Any, lines: Sequence[int], month: date) -> str:
    late = ", jälkilaskutus" if month < invoice_month else ""
    return (f"Kelan lasku {invoice_month:%Y-%m} (tuonti {invoice_id}, rivi {', '.join(map(str, lines))}{late})")[:500]


@dataclass
class _Group:
    lines: list[int]
    days: int = 0
    amount: Decimal = Decimal(0)


Key = tuple[Any, date, str, str]  # person, month, benefit, basis


def _field(line: int, column: str) -> str:
    return f"rivi {line}: {column}"


UNKNOWN_PERSON_REASON = "henkilöä ei ole Polussa: lisää henkilö tai valitse tuntemattomien ohitus"


def _group(lines: Sequence[InvoiceLine], persons: Mapping[str, Any], *, skip_unknown_persons: bool,
           errors: list[FieldError], unknown_reason: str) -> tuple[dict[Key, _Group], list[int]]:
    """Lines summed per (person, month, benefit, basis), and the lines of unknown persons skipped."""
    skipped: list[int] = []
    groups: dict[Key, _Group] = {}
    for line in sorted(lines, key=lambda item: item.line):
        person_id = persons.get(line.personal_id_hash)
        if person_id is None:
            if skip_unknown_persons:
                skipped.append(line.line)
            else:
                errors.append(FieldError(_field(line.line, "henkilötunnus"), ErrorCode.UNKNOWN, unknown_reason))
            continue
        group = groups.setdefault((person_id, line.month, line.benefit_type, line.basis), _Group([]))
        group.lines.append(line.line)
        group.days += line.paid_days
        group.amount += line.paid_eur
    return groups, skipped


def _check_groups(groups: dict[Key, _Group], people: Mapping[Any, Person], other_days: Mapping[tuple[Any, date], int],
                  errors: list[FieldError]) -> None:
    """The timeline's rules for each group, and the weekday limit for each person-month."""
    person_month: dict[tuple[Any, date], list[Key]] = defaultdict(list)
    for key, group in groups.items():
        person_id, month = key[0], key[1]
        person_month[(person_id, month)].append(key)
        for error in validators.check_amount(group.amount, group.days) + validators.check_benefit_month(
                people[person_id], month):
            errors.append(FieldError(_field(group.lines[0], _COLUMN_OF_FIELD.get(error.field, error.field)),
                                     error.code, error.message))
    for (person_id, month), keys in person_month.items():
        others = other_days.get((person_id, month), 0)
        total = sum(groups[k].days for k in keys) + others
        limit = max_benefit_days_in_month(month)
        if total > limit:
            rows = sorted(n for k in keys for n in groups[k].lines)
            errors.append(FieldError(
                _field(rows[0], "maksetut päivät"), ErrorCode.TOO_MANY_DAYS,
                f"henkilön etuuspäiviä kuukaudelle {month:%Y-%m} olisi yhteensä {total} (rivit "
                f"{', '.join(map(str, rows))}" + (f" ja Polun muut etuusrivit {others} päivää" if others else "")
                + f"), enintään {limit} (kuukauden arkipäivät)",
            ))


def load_invoice_facts(
    lines: Sequence[InvoiceLine], persons: Mapping[str, Any], *, invoice_month: date, invoice_id: Any, user: Any,
    skip_unknown_persons: bool = False, unknown_reason: str | None = None,
) -> FactLoad:
    """Validate every line as a fact, then write: ``ValidationFailed`` (nothing written) or what was done."""
    errors: list[FieldError] = []
    groups, skipped = _group(lines, persons, skip_unknown_persons=skip_unknown_persons, errors=errors,
                             unknown_reason=unknown_reason or UNKNOWN_PERSON_REASON)
    people = Person.objects.in_bulk(list({key[0] for key in groups}))
    current: dict[Key, BenefitMonth] = {}
    other_days: dict[tuple[Any, date], int] = defaultdict(int)
    for fact in BenefitMonth.objects.current().filter(person_id__in=list(people), month__in=list({key[1] for key in groups})):
        key = (fact.person_id, fact.month, fact.benefit_type, fact.basis)
        if key in groups:
            current[key] = fact
        else:
            other_days[(fact.person_id, fact.month)] += fact.days
    _check_groups(groups, people, other_days, errors)
    if errors:
        errors.sort(key=lambda e: int(e.field.split(":")[0].removeprefix("rivi ")))
        raise ValidationFailed(errors)

    changes: list[FactChange] = []
    writes: list[tuple[Key, _Group, BenefitMonth | None]] = []
    for key, group in groups.items():
        existing = current.get(key)
        if (existing is not None and (existing.days, existing.amount) == (group.days, group.amount)) or (
                existing is None and group.days == 0 and group.amount == 0):
            changes.append(FactChange(tuple(group.lines), *key, UNCHANGED, group.days, group.amount))
        else:
            writes.append((key, group, existing))
    # Lowered rows first, so that no intermediate state breaks the weekday limit the final one keeps.
    writes.sort(key=lambda item: (item[2] is None or item[1].days >= item[2].days, item[1].lines[0]))
    for key, group, existing in writes:
        person_id, month, benefit, basis = key
        try:
            timeline.benefit_month_record(
                person=people[person_id], month=month, benefit_type=benefit, basis=basis, days=group.days,
                amount=group.amount, actor=user, source=FactSource.KELA, corrects=existing,
                reason=correction_reason(invoice_month, invoice_id, group.lines, month) if existing else "",
            )
        except ValidationFailed as failure:  # a concurrent writer; name the line as everywhere else
            raise ValidationFailed([FieldError(_field(group.lines[0], _COLUMN_OF_FIELD.get(e.field, e.field)), e.code,
                                               e.message) for e in failure.errors]) from None
        changes.append(FactChange(
            tuple(group.lines), *key, SUPERSEDED if existing else CREATED, group.days, group.amount,
            existing.days if existing else None, existing.amount if existing else None,
        ))
    changes.sort(key=lambda c: c.lines[0])
    return FactLoad(tuple(changes), tuple(skipped))
