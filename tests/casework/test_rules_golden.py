"""Golden tests of the client-process rules: each rule with hand-computed dates, holiday edge cases included."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polku.casework.due import (
    ClientCase,
    DueKind,
    DueState,
    MeetingFact,
    PlanFact,
    ReportFact,
    due_items,
    initial_interview_deadline,
    milestones,
    next_conversation_on,
)
from polku.casework.rules import DATA_DIR, parse_rule_book, shipped_rule_book
from polku.core.calendar import is_working_day
from polku.core.errors import ValidationFailed

BOOK = shipped_rule_book()


def kinds(items: list) -> dict:
    return {item.kind: item for item in items}


# --- initial interview: 5 working days, Finnish holidays -------------------------------------------------


@pytest.mark.parametrize(("registered", "deadline", "rule_set", "verified"), [
    (date(2025, 4, 17), date(2025, 4, 28), "pohjoismainen-2022", True),   # Thu before Easter: Good Fri, Easter Mon
    (date(2025, 12, 19), date(2025, 12, 31), "pohjoismainen-2022", True),  # Fri before Christmas: 24.-26.12 closed
    (date(2025, 6, 18), date(2025, 6, 26), "pohjoismainen-2022", True),    # Midsummer Eve 20.6 closed
    (date(2026, 1, 2), date(2026, 1, 12), "he-108-2025", False),           # Epiphany 6.1; HE 108/2025 value unconfirmed
    (date(2022, 5, 2), date(2022, 5, 9), "pohjoismainen-2022", True),      # the model's first day
])
def test_initial_interview_deadline(registered: date, deadline: date, rule_set: str, verified: bool) -> None:
    assert initial_interview_deadline(registered, BOOK) == deadline
    item = kinds(due_items(ClientCase(registered_on=registered, status="unemployed"), BOOK, registered))[
        DueKind.INITIAL_INTERVIEW]
    sunday = registered + timedelta(days=6 - registered.weekday())
    expected_state = DueState.UPCOMING if deadline > sunday else DueState.THIS_WEEK
    assert (item.due_on, item.rule_set, item.verified, item.state) == (deadline, rule_set, verified, expected_state)


def test_initial_interview_overdue_then_held() -> None:
    case = ClientCase(registered_on=date(2025, 4, 17), status="unemployed")
    assert kinds(due_items(case, BOOK, date(2025, 4, 29)))[DueKind.INITIAL_INTERVIEW].state == DueState.OVERDUE
    held = ClientCase(registered_on=date(2025, 4, 17), status="unemployed",
                      meetings=(MeetingFact(date(2025, 4, 29), "initial_interview"),))
    assert DueKind.INITIAL_INTERVIEW not in kinds(due_items(held, BOOK, date(2025, 4, 29)))


# --- job-search conversations ------------------------------------------------------------------------------------


def _case(registered: date, *held: tuple[date, str], status: str = "unemployed", since: date | None = None) -> ClientCase:
    return ClientCase(registered_on=registered, status=status, unemployed_since=since or registered,
                      meetings=tuple(MeetingFact(d, k) for d, k in held))


@pytest.mark.parametrize(("last", "expected", "rule"), [
    (date(2025, 3, 19), date(2025, 4, 2), "intensive_period"),        # every 2 weeks in the first 3 months
    (date(2025, 5, 28), date(2025, 8, 28), "regular_conversations"),  # +14 d would leave the period: 3 months
    (date(2025, 7, 1), date(2025, 9, 3), "repeated_intensive"),       # the 6-month repeat starts before +3 months
    (date(2025, 9, 3), date(2025, 9, 17), "repeated_intensive"),      # inside the repeated month: 2 weeks
    (date(2025, 9, 24), date(2025, 12, 24 + 5), "regular_conversations"),  # +3 months = Christmas Eve → Mon 29.12
])
def test_conversation_cadence(last: date, expected: date, rule: str) -> None:
    registered = date(2025, 3, 3)
    case = _case(registered, (date(2025, 3, 5), "initial_interview"), (last, "job_search_conversation"))
    assert next_conversation_on(case, last, BOOK.in_force(last)) == (expected, rule)


def test_conversation_due_on_a_holiday_moves_to_next_working_day() -> None:
    case = _case(date(2025, 11, 3), (date(2025, 11, 5), "initial_interview"), (date(2025, 12, 10), "job_search_conversation"))
    item = kinds(due_items(case, BOOK, date(2025, 12, 15)))[DueKind.CONVERSATION]
    assert item.due_on == date(2025, 12, 29)  # 24.12 + 14 d lands on Christmas Eve; 25.-28.12 closed
    assert item.state == DueState.UPCOMING


def test_part_time_worker_every_three_months() -> None:
    case = _case(date(2025, 3, 3), (date(2025, 3, 5), "initial_interview"), status="part_time_employed")
    item = kinds(due_items(case, BOOK, date(2025, 3, 10)))[DueKind.CONVERSATION]
    assert (item.due_on, item.rule) == (date(2025, 6, 5), "part_time")


def test_no_cadence_while_in_a_service() -> None:
    case = _case(date(2025, 3, 3), (date(2025, 3, 5), "initial_interview"), status="in_service")
    assert DueKind.CONVERSATION not in kinds(due_items(case, BOOK, date(2025, 3, 10)))


def test_conversation_overdue_this_week_upcoming() -> None:
    case = _case(date(2025, 3, 3), (date(2025, 3, 5), "initial_interview"))
    due_on = date(2025, 3, 19)  # Wednesday
    assert kinds(due_items(case, BOOK, date(2025, 3, 17)))[DueKind.CONVERSATION].state == DueState.THIS_WEEK
    assert kinds(due_items(case, BOOK, date(2025, 3, 10)))[DueKind.CONVERSATION].state == DueState.UPCOMING
    assert kinds(due_items(case, BOOK, due_on + timedelta(days=1)))[DueKind.CONVERSATION].state == DueState.OVERDUE


# --- supplementary conversations of the long-term unemployed ------------------------------------------------------


def test_supplementary_conversations_in_force_2025() -> None:
    case = _case(date(2024, 1, 15), (date(2024, 1, 17), "initial_interview"),
                 (date(2025, 1, 16), "supplementary_conversation"), since=date(2024, 1, 15))
    item = kinds(due_items(case, BOOK, date(2025, 1, 20)))[DueKind.SUPPLEMENTARY]
    assert (item.due_on, item.detail["held"], item.detail["required"]) == (date(2025, 2, 14), 1, 2)
    done = _case(date(2024, 1, 15), (date(2024, 1, 17), "initial_interview"), (date(2025, 1, 16), "supplementary_conversation"),
                 (date(2025, 1, 30), "supplementary_conversation"), since=date(2024, 1, 15))
    assert DueKind.SUPPLEMENTARY not in kinds(due_items(done, BOOK, date(2025, 2, 3)))


def test_supplementary_conversations_need_based_from_2026() -> None:
    case = _case(date(2025, 1, 15), (date(2025, 1, 17), "initial_interview"), since=date(2025, 1, 15))
    assert DueKind.SUPPLEMENTARY not in kinds(due_items(case, BOOK, date(2026, 1, 20)))
    assert BOOK.in_force(date(2026, 1, 20)).rule("supplementary_conversations")["need_based"] is True


# --- the plan and the application obligation ------------------------------------------------------------------------


def _planned(plan: PlanFact | None, *reports: ReportFact) -> ClientCase:
    return ClientCase(registered_on=date(2025, 3, 3), status="unemployed", unemployed_since=date(2025, 3, 3),
                      meetings=(MeetingFact(date(2025, 3, 5), "initial_interview"),), plan=plan, reports=reports)


def test_no_plan_is_due_at_the_initial_interview_deadline() -> None:
    item = kinds(due_items(_planned(None), BOOK, date(2025, 3, 12)))[DueKind.NO_PLAN]
    assert (item.due_on, item.state) == (date(2025, 3, 10), DueState.OVERDUE)


def test_plan_expiring_and_expired() -> None:
    plan = PlanFact(date(2025, 3, 5), date(2025, 3, 20), 4, 1)
    assert kinds(due_items(_planned(plan), BOOK, date(2025, 3, 10)))[DueKind.PLAN_EXPIRING].state == DueState.UPCOMING
    assert kinds(due_items(_planned(plan), BOOK, date(2025, 3, 21)))[DueKind.PLAN_EXPIRING].state == DueState.OVERDUE
    long_plan = PlanFact(date(2025, 3, 5), date(2025, 9, 30), 4, 1)
    assert DueKind.PLAN_EXPIRING not in kinds(due_items(_planned(long_plan), BOOK, date(2025, 3, 10)))


def test_monthly_application_reports() -> None:
    plan = PlanFact(date(2025, 3, 5), date(2025, 9, 30), 4, 1)
    missing = kinds(due_items(_planned(plan), BOOK, date(2025, 5, 10)))[DueKind.REPORT_MISSING]
    assert (missing.due_on, missing.detail["period_start"]) == (date(2025, 4, 30), "2025-04-01")
    short = kinds(due_items(_planned(plan, ReportFact(date(2025, 4, 1), 2)), BOOK, date(2025, 5, 10)))
    assert short[DueKind.APPLICATIONS_SHORT].detail["reported"] == 2
    full = kinds(due_items(_planned(plan, ReportFact(date(2025, 4, 1), 4)), BOOK, date(2025, 5, 10)))
    assert DueKind.REPORT_MISSING not in full
    assert DueKind.APPLICATIONS_SHORT not in full
    assert DueKind.REPORT_MISSING not in kinds(due_items(_planned(plan), BOOK, date(2025, 4, 20)))  # March was partial


def test_quarterly_reduced_obligation_and_zero_obligation() -> None:
    quarterly = PlanFact(date(2025, 3, 5), date(2025, 12, 31), 1, 3)
    assert DueKind.REPORT_MISSING not in kinds(due_items(_planned(quarterly), BOOK, date(2025, 6, 20)))
    item = kinds(due_items(_planned(quarterly), BOOK, date(2025, 7, 10)))[DueKind.REPORT_MISSING]
    assert (item.detail["period_start"], item.due_on) == ("2025-04-01", date(2025, 6, 30))
    none = PlanFact(date(2025, 3, 5), date(2025, 12, 31), 0, 1)
    assert DueKind.REPORT_MISSING not in kinds(due_items(_planned(none), BOOK, date(2025, 7, 10)))


# --- three months, handover, binding job offers --------------------------------------------------------------------


def test_reaching_three_months_within_14_days() -> None:
    case = ClientCase(registered_on=date(2025, 2, 20), status="unemployed", unemployed_since=date(2025, 2, 20))
    assert kinds(due_items(case, BOOK, date(2025, 5, 10)))[DueKind.REACHING_THREE_MONTHS].due_on == date(2025, 5, 20)
    assert DueKind.REACHING_THREE_MONTHS not in kinds(due_items(case, BOOK, date(2025, 5, 5)))
    assert DueKind.REACHING_THREE_MONTHS not in kinds(due_items(case, BOOK, date(2025, 5, 21)))


def test_handover_after_three_months_in_initial_service() -> None:
    initial = ClientCase(registered_on=date(2025, 1, 10), status="unemployed", phase="initial_service")
    item = kinds(due_items(initial, BOOK, date(2025, 4, 15)))[DueKind.HANDOVER]
    assert (item.due_on, item.state) == (date(2025, 4, 10), DueState.OVERDUE)
    coached = ClientCase(registered_on=date(2025, 1, 10), status="unemployed", phase="personal_coaching")
    assert DueKind.HANDOVER not in kinds(due_items(coached, BOOK, date(2025, 4, 15)))


def test_binding_job_offers_six_months_from_initial_interview() -> None:
    case = _case(date(2025, 3, 3), (date(2025, 3, 5), "initial_interview"), (date(2025, 8, 20), "job_search_conversation"))
    assert kinds(due_items(case, BOOK, date(2025, 8, 25)))[DueKind.BINDING_OFFERS].due_on == date(2025, 9, 5)
    assert {m.key: m.on for m in milestones(case, BOOK)}["binding_job_offers"] == date(2025, 9, 5)


# --- rule sets as data ------------------------------------------------------------------------------------------------


def _document() -> dict:
    return json.loads((DATA_DIR / "process_rules.json").read_text(encoding="utf-8"))


def test_new_law_version_is_data_only() -> None:
    document = _document()
    newer = copy.deepcopy(document["rule_sets"][1])
    document["rule_sets"][1]["effective_to"] = "2026-12-31"
    newer.update(code="test-2027", effective_from="2027-01-01", effective_to=None)
    newer["rules"]["initial_interview"]["working_days"] = 10
    document["rule_sets"].append(newer)
    book = parse_rule_book(document)
    assert initial_interview_deadline(date(2027, 1, 4), book) == date(2027, 1, 19)  # 10 working days, Epiphany 6.1 closed
    assert initial_interview_deadline(date(2026, 3, 2), book) == date(2026, 3, 9)


def test_every_rule_has_a_source_and_bad_documents_are_refused_naming_the_path() -> None:
    for rule_set in BOOK.rule_sets:
        assert all(rule.source for rule in rule_set.rules.values())
    document = _document()
    del document["rule_sets"][0]["rules"]["initial_interview"]["source"]
    document["rule_sets"][1]["effective_from"] = "2025-06-01"
    with pytest.raises(ValidationFailed) as refused:
        parse_rule_book(document)
    fields = {e.field for e in refused.value.errors}
    assert "rule_sets[0].rules.initial_interview" in fields
    assert "rule_sets.he-108-2025.effective_from" in fields


def test_every_rule_cites_its_source_in_finnish_swedish_and_english() -> None:
    for rule_set in BOOK.rule_sets:
        for rule in rule_set.rules.values():
            assert set(rule.source_translations) == {"sv", "en"}, rule.code
            assert rule.source_in("sv")[1] == "sv"
            assert rule.source_in("en")[1] == "en"
            assert rule.source_in("fi") == (rule.source, "fi")
            # The same citations in every language: a law's number, the sources' numbers.
            for language in ("sv", "en"):
                translated = rule.source_in(language)[0]
                assert re.findall(r"\d+/\d{4}|S\d+", translated) == re.findall(r"\d+/\d{4}|S\d+", rule.source)


def test_a_source_as_finnish_text_alone_or_in_three_languages() -> None:
    document = _document()
    rules = document["rule_sets"][0]["rules"]
    rules["initial_interview"]["source"] = "Vain suomeksi (HE 167/2021)"
    rules["part_time"]["source"] = {"fi": "Osa-aika", "sv": "Deltid"}
    rule_set = parse_rule_book(document).rule_sets[0]
    assert rule_set.rule("initial_interview").source_in("sv") == ("Vain suomeksi (HE 167/2021)", "fi")
    assert rule_set.rule("part_time").source_in("sv") == ("Deltid", "sv")
    assert rule_set.rule("part_time").source_in("en") == ("Osa-aika", "fi")
    rules["part_time"]["source"] = {"sv": "Deltid", "de": "Teilzeit"}
    with pytest.raises(ValidationFailed) as refused:
        parse_rule_book(document)
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("rule_sets[0].rules.part_time.source", "invalid"), ("rule_sets[0].rules.part_time.source.fi", "required")}
    rules["part_time"]["source"] = {"fi": None, "sv": "Deltid"}  # nothing cited, not the text "None"
    with pytest.raises(ValidationFailed) as refused:
        parse_rule_book(document)
    assert {(e.field, e.code) for e in refused.value.errors} == {("rule_sets[0].rules.part_time.source.fi", "required")}


def test_a_translated_source_leaves_the_due_table_current() -> None:
    """The due-items table keeps each item's Finnish citation: a new translation keeps it current, a new citation
    makes it computed anew."""
    from polku.casework.due_table import rule_book_key

    document = _document()
    key = rule_book_key(parse_rule_book(document))
    document["rule_sets"][0]["rules"]["part_time"]["source"]["sv"] = "Deltidsarbetande, omformulerat"
    assert rule_book_key(parse_rule_book(document)) == key
    document["rule_sets"][0]["rules"]["part_time"]["source"]["fi"] = "Osa-aikatyö, uusi lähde"
    assert rule_book_key(parse_rule_book(document)) != key


def test_an_item_shows_the_translation_of_its_own_citation_only() -> None:
    """A due item keeps the citation it was made with; the page translates that one, not a rule book's newer text."""
    from polku.casework.due import DueItem
    from polku.casework.presenters import rule_source

    rule = BOOK.by_code("pohjoismainen-2022").rule("initial_interview")
    item = DueItem(kind=DueKind.INITIAL_INTERVIEW, due_on=date(2025, 3, 7), state=DueState.OVERDUE,
                   rule="initial_interview", rule_set="pohjoismainen-2022", verified=True, source=rule.source)
    assert rule_source(item, "sv") == rule.source_in("sv")
    assert rule_source(item, "fi") == (rule.source, "fi")
    older = dataclasses.replace(item, source="Aiempi lähde (HE 1/2020)")
    assert rule_source(older, "sv") == rule_source(older, "en") == ("Aiempi lähde (HE 1/2020)", "fi")
    gone = dataclasses.replace(item, rule_set="poistunut-2019")
    assert rule_source(gone, "en") == (rule.source, "fi")


def test_he_108_is_marked_unverified() -> None:
    he108 = BOOK.by_code("he-108-2025")
    assert not he108.verified
    assert "initial_interview" in {rule.code for rule in he108.unverified_rules}
    assert BOOK.by_code("pohjoismainen-2022").verified


# --- invariants ----------------------------------------------------------------------------------------------------------


@given(st.dates(min_value=date(2022, 5, 2), max_value=date(2027, 12, 31)))
def test_deadline_is_a_working_day_after_five_working_days(registered: date) -> None:
    deadline = initial_interview_deadline(registered, BOOK)
    between = [registered + timedelta(days=n) for n in range(1, (deadline - registered).days + 1)]
    assert is_working_day(deadline)
    assert sum(1 for day in between if is_working_day(day)) == 5


@given(st.dates(min_value=date(2022, 5, 2), max_value=date(2027, 1, 1)), st.integers(min_value=0, max_value=400),
       st.sampled_from(["unemployed", "part_time_employed"]))
def test_next_conversation_is_a_later_working_day(registered: date, offset: int, status: str) -> None:
    last = registered + timedelta(days=offset)
    due_on, _rule = next_conversation_on(_case(registered, status=status), last, BOOK.in_force(last))
    assert due_on > last
    assert is_working_day(due_on)
    assert (due_on - last).days <= 100
