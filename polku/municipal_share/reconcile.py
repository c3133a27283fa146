"""Reconcile Kela's invoice lines with Polku's own computation, person by person and month by month.

A pure function over data: the invoice's lines (identity codes already replaced by their keyed hash),
the engine's ``ShareRow``s for the months concerned, and which hash is which Polku person. It lists
each difference with the likely reason, so a municipality checks the few lines that differ instead
of the whole list by hand. Results are dataclasses; the API and the command present them.

Lines and rows are compared per (person, month, benefit): several invoice lines of one key are
summed, and so are Polku's rows of both payment bases. Polku's *billed* days are compared with the
invoice's paid days (under the 2015 rule days in services are paid by the state and not on the list).

What is found, roughly from cause to consequence:

* ``unknown_person`` — no Polku person has the line's identity code (said only to users who see the whole
  register: administrators and the data protection officer).
* ``not_in_area`` — for everyone else, a line whose person is not within the user's scope: outside their area
  (or team), or not in Polku at all. The two are told apart in no way — no other difference, no value — so
  the check cannot be used to find out whether someone is in the register.
* ``rule_version`` — the line's period month belongs to another rule set than the invoice's (e.g.
  subsidy for 2024 paid in 2025 goes by the 2015 rule, on a separate invoice).
* ``municipality`` — Polku's home municipality at the month's end is another one: Polku bills
  someone else (a move, or a population-register update one side has not seen).
* ``days`` — paid days differ (Polku has no or other benefit rows for the month).
* ``counter`` — Kela's cumulative day counter differs from Polku's by more than the month's day
  difference explains: earlier days missing on one side, or a reset (TOE) one side has not applied.
* ``step`` — Kela's share percentage (or the step its counter implies) differs from Polku's step.
* ``paid_eur`` — the euros paid for the days differ.
* ``municipal_eur`` — the municipal share differs by more than the tolerance (0.01 €).
* ``missing_from_invoice`` — Polku bills the municipality for a person and month of the invoice
  whom the invoice does not list (only the invoice month, the invoice's rule set, and the benefits
  the invoice covers: Kela invoices earnings-related allowance separately).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from polku.municipal_share.engine import ShareRow
from polku.municipal_share.rules import RuleBook, RuleSet

TOLERANCE = Decimal("0.01")
HUNDRED = Decimal(100)
BENEFIT_FI = {
    "labour_market_subsidy": "työmarkkinatuki",
    "basic_allowance": "peruspäiväraha",
    "earnings_related_allowance": "ansiopäiväraha",
}


class DifferenceKind(StrEnum):
    UNKNOWN_PERSON = "unknown_person"
    NOT_IN_AREA = "not_in_area"
    RULE_VERSION = "rule_version"
    MUNICIPALITY = "municipality"
    DAYS = "days"
    COUNTER = "counter"
    STEP = "step"
    PAID_EUR = "paid_eur"
    MUNICIPAL_EUR = "municipal_eur"
    MISSING_FROM_INVOICE = "missing_from_invoice"


KIND_ORDER = list(DifferenceKind)
NOT_IN_AREA_REASON = "Henkilö ei ole alueellasi."


@dataclass(frozen=True)
class InvoiceLine:
    """One line of Kela's list, as parsed (``line`` is its line number in the file)."""

    line: int
    personal_id_hash: str
    month: date
    benefit_type: str
    paid_days: int
    cumulative_days: int | None
    paid_eur: Decimal
    share_percent: Decimal | None
    municipal_eur: Decimal
    municipality: str
    basis: str = "unemployment"  # the benefit's payment basis (optional column; days in services: "service")


Value = int | Decimal | str | None


@dataclass(frozen=True)
class Difference:
    """One way a key (person, month, benefit) differs; ``invoice``/``polku`` are the two values compared."""

    kind: DifferenceKind
    person_id: Any | None
    month: date
    benefit_type: str
    lines: tuple[int, ...]
    invoice: Value
    polku: Value
    reason: str


@dataclass(frozen=True)
class Summary:
    invoice_municipal_eur: Decimal
    polku_municipal_eur: Decimal
    invoice_lines: int
    invoice_persons: int
    matched_persons: int
    unknown_persons: int
    missing_persons: int
    compared_rows: int
    rows_without_differences: int
    differences_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def difference_eur(self) -> Decimal:
        """Invoice minus Polku: positive when Kela bills more than Polku computes."""
        return self.invoice_municipal_eur - self.polku_municipal_eur


@dataclass(frozen=True)
class Reconciliation:
    summary: Summary
    differences: tuple[Difference, ...]

    @property
    def matches(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class _Invoiced:
    """The invoice lines of one key, summed."""

    lines: tuple[int, ...]
    days: int
    cumulative: int | None
    paid: Decimal
    percent: Decimal | None
    municipal: Decimal

    @classmethod
    def of(cls, group: Sequence[InvoiceLine]) -> _Invoiced:
        cumulative = [g.cumulative_days for g in group if g.cumulative_days is not None]
        percents = [g.share_percent for g in group if g.share_percent is not None]
        return cls(
            lines=tuple(g.line for g in group), days=sum(g.paid_days for g in group),
            cumulative=max(cumulative) if cumulative else None,
            paid=sum((g.paid_eur for g in group), Decimal(0)), percent=percents[-1] if percents else None,
            municipal=sum((g.municipal_eur for g in group), Decimal(0)),
        )


def _percent(share: Decimal) -> Decimal:
    return (share * HUNDRED).quantize(TOLERANCE, rounding=ROUND_HALF_UP)


def _step_share(rule: RuleSet, step: int) -> Decimal:
    return rule.steps[step - 1].share if step else Decimal(0)


def _kela_step(rule: RuleSet, invoiced: _Invoiced) -> int | None:
    """The step Kela's counter implies, the way the engine numbers steps."""
    if invoiced.cumulative is None:
        return None
    if rule.step_boundary == "payment_period":
        return rule.step_index(invoiced.cumulative - invoiced.days + 1)
    return rule.step_index(invoiced.cumulative)


def _step_difference(rule: RuleSet, invoiced: _Invoiced, rows: Sequence[ShareRow], month_end_counter: int | None,
                     *, counter_differs: bool) -> tuple[str, str, str] | None:
    """(Kela's, Polku's, reason) when Kela's percentage, or the step its counter implies, is not Polku's."""
    step = max(r.step for r in rows)
    step_percent = _percent(_step_share(rule, step))
    billable = sum((r.billable_eur for r in rows), Decimal(0))
    municipal = sum((r.municipal_eur for r in rows), Decimal(0))
    effective = _percent(municipal / billable) if billable else Decimal(0)
    if invoiced.percent is not None:
        if abs(invoiced.percent - step_percent) <= TOLERANCE or abs(invoiced.percent - effective) <= TOLERANCE:
            return None
        return (f"{invoiced.percent} %", f"{step_percent} %",
                f"Kuntaosuuden porras eroaa: Kela {invoiced.percent} %, Polku {step_percent} % (porras {step}, "
                f"kertymä {month_end_counter}); "
                + ("kertymä eroaa." if counter_differs else "säännön portaat tai porrasrajan ajoitus eroavat."))
    kela_step = _kela_step(rule, invoiced)
    if kela_step is None or kela_step == step:
        return None
    return (f"porras {kela_step}", f"porras {step}",
            f"Kelan kertymän {invoiced.cumulative} mukaan porras on {kela_step} "
            f"({_percent(_step_share(rule, kela_step))} %), Polun mukaan {step} ({step_percent} %).")


def _municipal_reason(causes: Sequence[DifferenceKind], rows: Sequence[ShareRow], polku_municipal: Decimal) -> str:
    if causes:
        return "todennäköinen syy: " + ", ".join(_CAUSE_FI[c] for c in causes) + "."
    if not rows:
        return "Polulla ei ole etuutta tältä kuukaudelta."
    if polku_municipal == 0:
        return "Polun laskurin mukaan henkilö ei vielä ole laskutettava (kertymä alle portaan)."
    return "päivät ja portaat täsmäävät: päivärahan perusosa, pyöristys tai päiväkohtainen porrasraja eroaa."


def _compare(
    *, person_id: Any, month: date, benefit: str, invoiced: _Invoiced, rows: Sequence[ShareRow],
    rule: RuleSet | None, month_end_counter: int | None, municipality: str,
) -> list[Difference]:
    """The differences of one key whose person Polku knows."""
    found: list[Difference] = []
    label = BENEFIT_FI.get(benefit, benefit)

    def add(kind: DifferenceKind, invoice: Value, polku: Value, reason: str) -> None:
        found.append(Difference(kind, person_id, month, benefit, invoiced.lines, invoice, polku, reason))

    polku_municipality = rows[0].municipality if rows else None
    elsewhere = bool(rows) and polku_municipality != municipality
    if elsewhere:
        billed_there = sum((r.municipal_eur for r in rows), Decimal(0))
        add(DifferenceKind.MUNICIPALITY, municipality, polku_municipality or "",
            f"Polun mukaan kotikunta {month:%m/%Y} lopussa oli {polku_municipality}: Polku laskuttaa siltä "
            f"{billed_there} € (muutto, tai väestötietojen muutos, jota toinen puoli ei ole nähnyt)."
            if polku_municipality else
            f"Polulla ei ole henkilön kotikuntaa {month:%m/%Y} lopussa: Polku ei laskuta kuntaosuutta millekään kunnalle.")

    billed = [r for r in rows if rule is None or rule.bills(r.benefit_type, r.basis)]
    polku_days = sum(r.paid_days for r in billed)
    if invoiced.days != polku_days:
        add(DifferenceKind.DAYS, invoiced.days, polku_days,
            f"Polulla ei ole henkilön {label}päiviä kuukaudelta {month:%m/%Y} (etuustieto puuttuu Polusta, "
            "tai etuuslaji on eri)." if not rows else
            f"Maksetut {label}päivät eroavat: Kela {invoiced.days}, Polku {polku_days} "
            f"(ero {invoiced.days - polku_days:+d}); etuuspäivät on kirjattu Polkuun eri tavalla.")

    if invoiced.cumulative is not None and month_end_counter is not None and invoiced.cumulative != month_end_counter:
        gap = invoiced.cumulative - month_end_counter
        if gap != invoiced.days - polku_days:
            add(DifferenceKind.COUNTER, invoiced.cumulative, month_end_counter,
                f"Päiväkertymä eroaa {gap:+d} päivää: Polusta puuttuu aiempia etuuspäiviä, tai Polku on nollannut "
                "laskurin (työssäoloehto), jota Kela ei ole nollannut." if gap > 0 else
                f"Päiväkertymä eroaa {gap:+d} päivää: Kela on ehkä nollannut laskurin (työssäoloehto), jota Polussa "
                "ei ole, tai Polussa on päiviä, joita Kelalla ei ole.")

    if rows and not elsewhere and rule is not None:
        step = _step_difference(rule, invoiced, rows, month_end_counter,
                                counter_differs=any(d.kind == DifferenceKind.COUNTER for d in found))
        if step is not None:
            add(DifferenceKind.STEP, *step)

    polku_paid = sum((r.paid_eur for r in billed), Decimal(0))
    if rows and abs(invoiced.paid - polku_paid) > TOLERANCE:
        add(DifferenceKind.PAID_EUR, invoiced.paid, polku_paid,
            f"Maksettu summa eroaa {invoiced.paid - polku_paid:+} €: maksu tai sen korjaus on kirjattu Polkuun "
            "eri summalla.")

    if not elsewhere:
        polku_municipal = sum((r.municipal_eur for r in rows), Decimal(0))
        if abs(invoiced.municipal - polku_municipal) > TOLERANCE:
            why = _municipal_reason([d.kind for d in found], rows, polku_municipal)
            add(DifferenceKind.MUNICIPAL_EUR, invoiced.municipal, polku_municipal,
                f"Kuntaosuus eroaa {invoiced.municipal - polku_municipal:+} € (Kela {invoiced.municipal} €, "
                f"Polku {polku_municipal} €); {why}")
    return found


_CAUSE_FI = {
    DifferenceKind.RULE_VERSION: "sääntöversio",
    DifferenceKind.MUNICIPALITY: "kunta",
    DifferenceKind.DAYS: "päivät",
    DifferenceKind.COUNTER: "kertymä",
    DifferenceKind.STEP: "porras",
    DifferenceKind.PAID_EUR: "maksettu summa",
}


def _set_aside_out_of_scope(
    groups: dict[tuple[str, date, str], list[InvoiceLine]], persons: Mapping[str, Any], *, scope_limited: bool,
) -> tuple[dict[tuple[str, date, str], list[InvoiceLine]], list[Difference]]:
    """The groups to reconcile, and one bare ``not_in_area`` difference per group of a person outside the scope."""
    if not scope_limited:
        return groups, []
    outside = [
        Difference(DifferenceKind.NOT_IN_AREA, None, month, benefit, tuple(line.line for line in group), None, None,
                   NOT_IN_AREA_REASON)
        for (hashed, month, benefit), group in groups.items() if hashed not in persons
    ]
    return {key: group for key, group in groups.items() if key[0] in persons}, outside


def reconcile(
    lines: Sequence[InvoiceLine], rows: Sequence[ShareRow], *, municipality: str, invoice_month: date,
    rule_set: str, book: RuleBook, persons: Mapping[str, Any], benefit_scope: Collection[str] | None = None,
    scope_limited: bool = False,
) -> Reconciliation:
    """Every difference between the invoice's lines and Polku's rows, with totals.

    ``rows`` are the engine's rows for the months on the invoice, for the persons on it and for those
    Polku bills to ``municipality`` (any municipality: rows elsewhere reveal a municipality difference).
    ``persons`` maps identity-code hashes to Polku person ids. ``benefit_scope`` limits which of Polku's
    billed persons the invoice should list; by default the benefits that appear on the invoice.

    ``scope_limited``: ``persons`` and ``rows`` hold only the persons within the user's scope, and every other
    line is ``not_in_area`` and nothing else (see the module's documentation).
    """
    scope = set(benefit_scope) if benefit_scope else {line.benefit_type for line in lines}
    groups: dict[tuple[str, date, str], list[InvoiceLine]] = defaultdict(list)
    for line in sorted(lines, key=lambda item: item.line):
        groups[(line.personal_id_hash, line.month, line.benefit_type)].append(line)
    polku: dict[tuple[Any, date, str], list[ShareRow]] = defaultdict(list)
    month_end: dict[tuple[Any, date, str], int] = {}
    for row in rows:
        polku[(row.person_id, row.month, row.benefit_type)].append(row)
        key = (row.person_id, row.month, row.rule_set)
        month_end[key] = max(month_end.get(key, 0), row.counter_after)

    groups, differences = _set_aside_out_of_scope(groups, persons, scope_limited=scope_limited)
    polku_total = Decimal(0)
    compared: set[tuple[Any, date, str]] = set()
    invoiced_person_months: set[tuple[Any, date]] = set()
    clean = 0
    for (hashed, month, benefit), group in groups.items():
        invoiced = _Invoiced.of(group)
        person_id = persons.get(hashed)
        found: list[Difference] = []
        rule = book.for_month(month)
        if rule is None or rule.code != rule_set:
            found.append(Difference(
                DifferenceKind.RULE_VERSION, person_id, month, benefit, invoiced.lines, rule_set,
                rule.code if rule else "", f"Kuukausi {month:%m/%Y} kuuluu sääntöön {rule.code}, lasku säännön "
                f"{rule_set} mukaan: ennen 2025 alkaneiden jaksojen työmarkkinatuki laskutetaan vanhan säännön "
                "mukaan omalla laskullaan." if rule else f"Kuukaudelle {month:%m/%Y} ei ole kuntaosuussääntöä.",
            ))
        if person_id is None:
            found.append(Difference(
                DifferenceKind.UNKNOWN_PERSON, None, month, benefit, invoiced.lines, invoiced.municipal, None,
                "Henkilöä ei ole Polussa: tunnuksella ei löydy asiakasta (ei asiakkaana, tai tunnus puuttuu).",
            ))
        else:
            key = (person_id, month, benefit)
            compared.add(key)
            invoiced_person_months.add((person_id, month))
            person_rows = polku.get(key, [])
            counter_key = (person_id, month, person_rows[0].rule_set if person_rows else rule.code if rule else "")
            found += _compare(person_id=person_id, month=month, benefit=benefit, invoiced=invoiced, rows=person_rows,
                              rule=rule, month_end_counter=month_end.get(counter_key), municipality=municipality)
            polku_total += sum((r.municipal_eur for r in person_rows if r.municipality == municipality), Decimal(0))
        if not found:
            clean += 1
        differences += found

    missing_people: set[Any] = set()
    for (person_id, month, benefit), person_rows in sorted(polku.items(), key=lambda item: (str(item[0][0]), item[0][1:])):
        if (person_id, month, benefit) in compared or month != invoice_month or benefit not in scope:
            continue
        billed_here = [r for r in person_rows if r.municipality == municipality and r.rule_set == rule_set]
        amount = sum((r.municipal_eur for r in billed_here), Decimal(0))
        if amount <= 0:
            continue
        missing_people.add(person_id)
        polku_total += amount
        counter = max(r.counter_after for r in billed_here)
        other = " Henkilö on laskulla samalta kuukaudelta toisella etuudella: etuuslaji eroaa?" if (
            person_id, month) in invoiced_person_months else ""
        differences.append(Difference(
            DifferenceKind.MISSING_FROM_INVOICE, person_id, month, benefit, (), None, amount,
            f"Polku laskee henkilölle kuntaosuuden {amount} € ({BENEFIT_FI.get(benefit, benefit)}, kertymä {counter} "
            f"päivää), mutta häntä ei ole laskulla: Kelan kertymä tai kotikunta voi olla eri.{other}",
        ))

    differences.sort(key=lambda d: (0 if d.lines else 1, d.lines[:1], d.month, str(d.person_id),
                                    KIND_ORDER.index(d.kind)))
    hashes = {line.personal_id_hash for line in lines}
    by_kind = Counter(str(d.kind) for d in differences)
    summary = Summary(
        invoice_municipal_eur=sum((line.municipal_eur for line in lines), Decimal(0)),
        polku_municipal_eur=polku_total,
        invoice_lines=len(lines),
        invoice_persons=len(hashes),
        matched_persons=len({persons[h] for h in hashes if h in persons}),
        unknown_persons=len({h for h in hashes if h not in persons}),
        missing_persons=len(missing_people),
        compared_rows=len({(line.personal_id_hash, line.month, line.benefit_type) for line in lines}),
        rows_without_differences=clean,
        differences_by_kind={str(k): by_kind[str(k)] for k in KIND_ORDER if by_kind[str(k)]},
    )
    return Reconciliation(summary, tuple(differences))


# --- what an invoice bills for its own month and what it catches up ------------------------------------------


@dataclass(frozen=True)
class InvoicePart:
    """Lines of one benefit month of an invoice (or a total over several: ``month`` None), summed."""

    month: date | None
    catch_up: bool
    lines: int
    persons: int
    paid_days: int
    paid_eur: Decimal
    municipal_eur: Decimal


@dataclass(frozen=True)
class InvoiceBreakdown:
    """How much of an invoice is for the invoice month itself and how much catches up earlier months.

    Kela bills corrections and catch-up amounts for earlier benefit months on later invoices (in autumn
    2025 whole months it had not been able to bill). ``catch_up`` has one part per earlier benefit month,
    oldest first; ``catch_up_total`` sums them and ``total`` is the whole invoice.
    """

    invoice_month: date
    current: InvoicePart
    catch_up: tuple[InvoicePart, ...]
    catch_up_total: InvoicePart
    total: InvoicePart

    @property
    def has_catch_up(self) -> bool:
        return bool(self.catch_up)


def _part(month: date | None, catch_up: bool, group: Sequence[InvoiceLine]) -> InvoicePart:
    return InvoicePart(
        month=month, catch_up=catch_up, lines=len(group), persons=len({g.personal_id_hash for g in group}),
        paid_days=sum(g.paid_days for g in group), paid_eur=sum((g.paid_eur for g in group), Decimal(0)),
        municipal_eur=sum((g.municipal_eur for g in group), Decimal(0)),
    )


def invoice_breakdown(lines: Sequence[InvoiceLine], invoice_month: date) -> InvoiceBreakdown:
    """Split an invoice's lines into its own month and the earlier benefit months it bills late.

    A pure function of the lines: municipal €, paid €, paid days, lines and distinct persons per benefit
    month. Lines of the invoice month are ``current`` (zeros when there are none); every other month is a
    catch-up part (the parser refuses months after the invoice month).
    """
    current = [line for line in lines if line.month == invoice_month]
    earlier: dict[date, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        if line.month != invoice_month:
            earlier[line.month].append(line)
    parts = tuple(_part(month, True, earlier[month]) for month in sorted(earlier))
    return InvoiceBreakdown(
        invoice_month=invoice_month,
        current=_part(invoice_month, False, current),
        catch_up=parts,
        catch_up_total=_part(None, True, [line for month in sorted(earlier) for line in earlier[month]]),
        total=_part(None, False, list(lines)),
    )
