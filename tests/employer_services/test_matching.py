"""The matching engine: a golden breakdown, the licence rule as an invariant, weights as data, no protected input."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from polku.employer_services import matching
from tests.employer_services.conftest import uri

FORKLIFT, LOADING, PICKING = uri("operate forklift"), uri("perform loading and unloading operations"), uri(
    "pick orders for dispatching")
VACANCY = matching.VacancySpec(key=1, required_skills=frozenset({FORKLIFT, LOADING}), wished_skills=frozenset({PICKING}),
                               occupation=uri("forklift operator"), isco="8344", education_level=3,
                               licences=frozenset({"forklift_training"}), languages=(("fi", 4),), municipality="297",
                               hours="full_time")


def test_golden_breakdown() -> None:
    profile = matching.ProfileSpec(key="a", occupations=((uri("warehouse worker"), "4321"),),
                                   skills=frozenset({FORKLIFT, PICKING}), education_level=3,
                                   licences=frozenset({"forklift_training"}), languages={"fi": 7},
                                   home_municipality="297")
    match = matching.score(VACANCY, profile)
    parts = {p.key: p for p in match.parts}
    assert parts["required_skills"].matched == (FORKLIFT,)
    assert parts["required_skills"].missing == (LOADING,)
    assert parts["required_skills"].points == Decimal("17.5")  # 35 × 1/2
    assert parts["wished_skills"].points == Decimal("10.0")
    assert parts["occupation"].note == "none"  # 4321 and 8344 share no ISCO level
    assert parts["licences"].points == Decimal("15.0")
    assert parts["place"].note == "home"
    assert match.score == Decimal("17.5") + 10 + 0 + 5 + 15 + 10 + 3 + 2


def test_occupation_closeness_follows_the_isco_hierarchy() -> None:
    closeness = matching.weights().closeness
    same_group = matching.ProfileSpec(key="b", occupations=(("x", "8344"),))
    minor = matching.ProfileSpec(key="c", occupations=(("y", "8342"),))
    assert matching.isco_closeness(VACANCY, same_group, closeness)[1] == "same_unit_group"
    assert matching.isco_closeness(VACANCY, minor, closeness)[1] == "same_minor_group"


def test_weights_are_data_and_sum_to_100() -> None:
    w = matching.weights()
    assert sum(w.parts.values()) == 100
    assert set(w.docs) == set(matching.PARTS)


def test_no_protected_attribute_is_an_input() -> None:
    names = {f.name for f in dataclasses.fields(matching.ProfileSpec)}
    assert not names & {"age", "birth_date", "gender", "sex", "origin", "nationality", "immigrant_background",
                        "health", "language_mother_tongue"}


profiles = st.builds(
    matching.ProfileSpec, key=st.uuids(),
    skills=st.frozensets(st.sampled_from([FORKLIFT, LOADING, PICKING])),
    licences=st.frozensets(st.sampled_from(["forklift_training", "driving_b"])),
    languages=st.dictionaries(st.sampled_from(["fi", "sv"]), st.integers(1, 7)),
    education_level=st.none() | st.integers(2, 8), home_municipality=st.sampled_from(["297", "749", "091"]),
    hours_preference=st.sampled_from(["any", "full_time", "part_time"]))


@settings(max_examples=80, deadline=None)
@given(st.lists(profiles, min_size=1, max_size=12))
def test_a_candidate_missing_a_licence_never_ranks_above_one_who_has_them_all(group: list[matching.ProfileSpec]) -> None:
    ranked = matching.rank(matching.score(VACANCY, p) for p in group)
    seen_missing = False
    for match in ranked:
        if match.missing_licences:
            seen_missing = True
        else:
            assert not seen_missing, "a complete-licence candidate ranked below one missing a licence"
    below = matching.placed_below_for_licence(ranked)
    for match in ranked:
        if match.profile in below:
            assert match.missing_licences  # and the page says why (test_pages)
    for match in ranked:
        assert Decimal(0) <= match.score <= Decimal(100)


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles, min_size=1, max_size=40), st.integers(1, 10))
def test_the_fast_path_gives_the_same_top_as_ranking_everyone(group: list[matching.ProfileSpec], limit: int) -> None:
    everyone = matching.rank(matching.score(VACANCY, p) for p in group)[:limit]
    fast = matching.best_candidates(VACANCY, group, limit)
    assert [(m.profile, m.score) for m in fast] == [(m.profile, m.score) for m in everyone]
