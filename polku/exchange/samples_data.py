"""The sample data set of the ``polku-exchange`` format: five job seekers of the Kuopio employment area.

The first row of every entity is the schema's own ``example`` values (so the documented example is a row that
imports); the rest are synthetic rows that make a small coherent history: homes in Kuopio-area municipalities (one
move), job searches, status spells with a labour-market training, a wage subsidy and a coaching spell, paid benefit
months within each month's weekdays, employment conditions, meetings, plans, application reports and responsible
counsellors. Identity codes are artificial (individual numbers 900–999), which no real person is ever given.

Values are Python values of the schema's types (``date``, ``int``, ``Decimal``, ``bool``, ``str`` or ``None``); the
writers in :mod:`polku.exchange.docs` turn them into CSV, Excel, JSON Lines or Parquet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from polku.core import tabular
from polku.exchange.schema import Entity, Field, entities
from polku.people.artificial import artificial_personal_id

# The basic daily amount of the basic allowance and the labour-market subsidy in 2024–2026 (€, frozen indexation).
DAILY = Decimal("37.21")

# (source id, first names, last name, birth date, individual number, language, education, immigrant background);
# individual numbers 990–999, which the demo's simulated areas (900–929) never use, so the samples import into it
PERSONS: tuple[tuple[str, str, str, date, int, str, str, bool], ...] = (
    ("hlo-2", "Bo Erik", "Lindholm", date(1985, 5, 15), 993, "sv", "tertiary_higher", False),
    ("hlo-3", "Sami", "Korhonen", date(1998, 11, 20), 995, "fi", "basic", False),
    ("hlo-4", "Leyla", "Hassan", date(1992, 7, 3), 996, "other", "tertiary_lower", True),
    ("hlo-5", "Eeva", "Mäkinen", date(2003, 3, 15), 998, "fi", "upper_secondary", False),
)

# Per entity: rows after the example row, as (source id, person, {field: value}).
SYNTHETIC: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "homes": [
        ("koti-2", "hlo-2", {"municipality": "749", "start_date": date(2019, 3, 1)}),
        ("koti-3", "hlo-3", {"municipality": "297", "start_date": date(2017, 8, 1), "end_date": date(2024, 5, 31)}),
        ("koti-4", "hlo-3", {"municipality": "686", "start_date": date(2024, 6, 1)}),
        ("koti-5", "hlo-4", {"municipality": "297", "start_date": date(2020, 8, 1)}),
        ("koti-6", "hlo-5", {"municipality": "749", "start_date": date(2021, 1, 1)}),
    ],
    "job_searches": [
        ("tyonhaku-2", "hlo-2", {"registered_on": date(2024, 9, 2), "ended_on": date(2025, 2, 28),
                                 "end_reason": "open_market_job"}),
        ("tyonhaku-3", "hlo-3", {"registered_on": date(2024, 2, 12)}),
        ("tyonhaku-4", "hlo-4", {"registered_on": date(2025, 1, 7)}),
        ("tyonhaku-5", "hlo-5", {"registered_on": date(2025, 6, 2), "ended_on": date(2025, 8, 31),
                                 "end_reason": "studies"}),
    ],
    "status_spells": [
        ("asema-2", "hlo-1", {"status": "in_service", "service_type": "labour_market_training",
                              "start_date": date(2024, 4, 1), "end_date": date(2024, 6, 30)}),
        ("asema-3", "hlo-1", {"status": "unemployed", "start_date": date(2024, 7, 1)}),
        ("asema-4", "hlo-2", {"status": "laid_off_full", "start_date": date(2024, 9, 2), "end_date": date(2024, 11, 30)}),
        ("asema-5", "hlo-2", {"status": "unemployed", "start_date": date(2024, 12, 1), "end_date": date(2025, 2, 28)}),
        ("asema-6", "hlo-2", {"status": "employed", "start_date": date(2025, 3, 1)}),
        ("asema-7", "hlo-3", {"status": "unemployed", "start_date": date(2024, 2, 12), "end_date": date(2024, 8, 31)}),
        ("asema-8", "hlo-3", {"status": "in_service", "service_type": "wage_subsidy", "start_date": date(2024, 9, 1),
                              "end_date": date(2025, 2, 28)}),
        ("asema-9", "hlo-3", {"status": "unemployed", "start_date": date(2025, 3, 1)}),
        ("asema-10", "hlo-4", {"status": "unemployed", "start_date": date(2025, 1, 7), "end_date": date(2025, 3, 31)}),
        ("asema-11", "hlo-4", {"status": "in_service", "service_type": "coaching", "start_date": date(2025, 4, 1),
                               "end_date": date(2025, 5, 31)}),
        ("asema-12", "hlo-4", {"status": "unemployed", "start_date": date(2025, 6, 1)}),
        ("asema-13", "hlo-5", {"status": "unemployed", "start_date": date(2025, 6, 2), "end_date": date(2025, 8, 31)}),
        ("asema-14", "hlo-5", {"status": "studying", "start_date": date(2025, 9, 1)}),
    ],
    # Kela's rows name the person by identity code only (see ``BY_IDENTITY_CODE``); days ≤ the month's weekdays.
    "benefit_months": [
        ("etuus-2", "hlo-1", {"month": date(2024, 3, 1), "benefit_type": "basic_allowance", "days": 21}),
        ("etuus-3", "hlo-1", {"month": date(2024, 4, 1), "benefit_type": "basic_allowance", "basis": "service", "days": 22}),
        ("etuus-4", "hlo-1", {"month": date(2024, 5, 1), "benefit_type": "basic_allowance", "basis": "service", "days": 20}),
        ("etuus-5", "hlo-2", {"month": date(2024, 10, 1), "benefit_type": "earnings_related_allowance", "days": 23,
                              "amount": Decimal("1804.35")}),
        ("etuus-6", "hlo-2", {"month": date(2024, 11, 1), "benefit_type": "earnings_related_allowance", "days": 21,
                              "amount": Decimal("1647.45")}),
        ("etuus-7", "hlo-3", {"month": date(2024, 3, 1), "benefit_type": "labour_market_subsidy", "days": 14}),
        ("etuus-8", "hlo-3", {"month": date(2024, 4, 1), "benefit_type": "labour_market_subsidy", "days": 22}),
        ("etuus-9", "hlo-4", {"month": date(2025, 1, 1), "benefit_type": "labour_market_subsidy", "days": 18}),
        ("etuus-10", "hlo-4", {"month": date(2025, 2, 1), "benefit_type": "labour_market_subsidy", "days": 20}),
        ("etuus-11", "hlo-4", {"month": date(2025, 4, 1), "benefit_type": "labour_market_subsidy", "basis": "service",
                               "days": 22}),
        ("etuus-12", "hlo-5", {"month": date(2025, 6, 1), "benefit_type": "labour_market_subsidy", "days": 21}),
        ("etuus-13", "hlo-5", {"month": date(2025, 7, 1), "benefit_type": "labour_market_subsidy", "days": 23}),
    ],
    "employment_conditions": [
        ("tyossaoloehto-2", "hlo-2", {"met_on": date(2024, 8, 31)}),
    ],
    "meetings": [
        ("tapaaminen-2", "hlo-1", {"held_on": date(2024, 1, 24), "kind": "job_search_conversation", "channel": "phone"}),
        ("tapaaminen-3", "hlo-2", {"held_on": date(2024, 9, 5), "kind": "initial_interview", "channel": "video"}),
        ("tapaaminen-4", "hlo-3", {"held_on": date(2024, 2, 14), "kind": "initial_interview", "channel": "phone"}),
        ("tapaaminen-5", "hlo-3", {"held_on": date(2024, 8, 14), "kind": "supplementary_conversation",
                                   "channel": "face_to_face"}),
        ("tapaaminen-6", "hlo-4", {"held_on": date(2025, 1, 9), "kind": "initial_interview", "channel": "face_to_face"}),
        ("tapaaminen-7", "hlo-4", {"held_on": date(2025, 1, 23), "kind": "job_search_conversation", "channel": "video"}),
        ("tapaaminen-8", "hlo-5", {"held_on": date(2025, 6, 4), "kind": "initial_interview", "channel": "phone"}),
    ],
    "plans": [
        ("suunnitelma-2", "hlo-3", {"drawn_up_on": date(2024, 2, 20), "valid_until": date(2024, 8, 20),
                                    "applications_required": 3, "next_meeting_on": date(2024, 3, 5)}),
        ("suunnitelma-3", "hlo-4", {"drawn_up_on": date(2025, 1, 9), "valid_until": date(2025, 7, 9),
                                    "applications_required": 2, "reporting_period_months": 3}),
    ],
    "application_reports": [
        ("hakemukset-2", "hlo-1", {"period_start": date(2024, 3, 1), "applications": 5, "reported_on": date(2024, 4, 2)}),
        ("hakemukset-3", "hlo-3", {"period_start": date(2024, 3, 1), "applications": 3, "reported_on": date(2024, 4, 3)}),
        ("hakemukset-4", "hlo-4", {"period_start": date(2025, 1, 1), "applications": 2, "reported_on": date(2025, 4, 2)}),
    ],
    "assignments": [
        ("vastuu-2", "hlo-3", {"valid_from": date(2024, 2, 14), "phase": "initial_service", "ended_on": date(2024, 5, 13)}),
        ("vastuu-3", "hlo-3", {"valid_from": date(2024, 5, 14), "phase": "personal_coaching"}),
        ("vastuu-4", "hlo-4", {"valid_from": date(2025, 1, 9), "phase": "initial_service"}),
    ],
    "decisions": [
        ("paatos-2", "hlo-3", {"kind": "municipal_wage_supplement", "decided_on": date(2025, 1, 20),
                               "start_date": date(2025, 2, 1), "months": 6, "monthly_amount": Decimal("300.00"),
                               "employer_business_id": "0737546-2", "employer_name": "Esimerkki Oy",
                               "employer_kind": "company"}),
        ("paatos-3", "hlo-4", {"kind": "start_up_grant", "decided_on": date(2025, 5, 5), "start_date": date(2025, 6, 1),
                               "months": 6, "monthly_amount": Decimal("800.00")}),
    ],
}

# The source id each entity's example row gets (the schema's example id is the same for every entity).
EXAMPLE_IDS = {"persons": "hlo-1", "homes": "koti-1", "job_searches": "tyonhaku-1", "status_spells": "asema-1",
               "benefit_months": "etuus-1", "employment_conditions": "tyossaoloehto-1", "meetings": "tapaaminen-1",
               "plans": "suunnitelma-1", "application_reports": "hakemukset-1", "assignments": "vastuu-1",
               "decisions": "paatos-1"}
# Kela's paid benefit months carry the identity code, not the municipality's person id.
BY_IDENTITY_CODE = frozenset({"benefit_months"})
# Overrides of example values that could not import everywhere: a counsellor is a Polku user name, and a sample must
# import into any installation (the example ``ohjaaja`` exists only in the demo).
# The example status spell ends when the person starts a labour-market training (the next synthetic spell).
EXAMPLE_OVERRIDES: dict[str, dict[str, Any]] = {"assignments": {"counsellor": ""},
                                                "status_spells": {"end_date": date(2024, 3, 31)}}


PARSERS: dict[str, Callable[[Any], Any]] = {
    "date": tabular.parse_date, "yearmonth": tabular.parse_year_month, "integer": tabular.parse_integer,
    "number": tabular.parse_decimal, "boolean": tabular.parse_boolean}


def typed_example(f: Field) -> Any:
    """A field's ``example`` as a value of its type (None for an empty example)."""
    if f.example == "":
        return "" if f.type == "string" else None
    parse = PARSERS.get(f.type)
    return parse(f.example) if parse is not None else f.example


def _blank(f: Field) -> Any:
    if f.type == "boolean":
        return False
    return "" if f.type == "string" else None


def person_codes() -> dict[str, str]:
    """Each sample person's artificial identity code by source id (the first is the schemas' example code)."""
    codes = {"hlo-1": entities()["persons"].field("personal_id").example}
    codes.update({pid: artificial_personal_id(born, serial) for pid, _, _, born, serial, *_ in PERSONS})
    return codes


def _row(entity: Entity, source_id: str, person: str | None, values: dict[str, Any]) -> dict[str, Any]:
    row = {f.name: _blank(f) for f in entity.fields}
    row.update(source_system="polku", source_id=source_id)
    if person is not None:
        if entity.name in BY_IDENTITY_CODE:
            row["personal_id"] = person_codes()[person]
        else:
            row["person_id"] = person
    row.update(values)
    if entity.name == "benefit_months" and "amount" not in values:
        row["amount"] = DAILY * row["days"]
    if entity.name == "benefit_months" and not row["basis"]:
        row["basis"] = "unemployment"
    return row


def sample_rows() -> dict[str, list[dict[str, Any]]]:
    """Every entity's sample rows, in load order; each row has every field of the schema."""
    out: dict[str, list[dict[str, Any]]] = {}
    codes = person_codes()
    for name, entity in entities().items():
        example = {f.name: typed_example(f) for f in entity.fields}
        example.update(EXAMPLE_OVERRIDES.get(name, {}))
        example["source_id"] = EXAMPLE_IDS[name]
        if entity.has_person:
            if name in BY_IDENTITY_CODE:
                example["person_id"] = ""
            else:
                example["personal_id"] = ""
        rows = [_row(entity, EXAMPLE_IDS[name], None, example)]
        if name == "persons":
            for pid, first, last, born, _, language, education, immigrant in PERSONS:
                rows.append(_row(entity, pid, None, {
                    "personal_id": codes[pid], "first_names": first, "last_name": last, "birth_date": born,
                    "language": language, "education": education, "immigrant_background": immigrant}))
        else:
            rows += [_row(entity, source_id, person, values) for source_id, person, values in SYNTHETIC.get(name, [])]
        out[name] = rows
    return out
