"""Skill extraction from free text: golden cases in Finnish, Swedish and English, and negations as an invariant."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polku.employer_services.esco import catalogue
from polku.employer_services.extraction import counted_codes, extract
from tests.employer_services.conftest import uri

DRIVING = uri("drive vehicles")


@pytest.mark.parametrize(("text", "counted", "not_counted"), [
    ("Minulla on trukkikortti ja hygieniapassi.", {"forklift_training", "hygiene_passport"}, set()),
    ("Ei ajokorttia.", set(), {DRIVING, "driving_b"}),
    ("Ajokorttia ei ole, mutta trukilla olen ajanut.", {uri("operate forklift")}, {DRIVING, "driving_b"}),
    ("Jag har inte körkort men jag har jobbat med städning.", {uri("perform cleaning duties")}, {DRIVING}),
    ("Körkort saknas.", set(), {DRIVING}),
    ("I have no driving licence.", set(), {DRIVING}),
    ("Driving licence: not required. Experience in customer service.", {uri("customer service")}, {DRIVING}),
    ("Olen työskennellyt lähihoitajana ja lääkehoito on tuttua.", {uri("healthcare assistant"),
                                                                 uri("monitor patients' medication")}, set()),
    ("Erfarenhet av lagerarbete och truckkort.", {uri("warehouse worker"), "forklift_training"}, set()),
])
def test_golden(text: str, counted: set[str], not_counted: set[str]) -> None:
    found = counted_codes(text)
    assert counted <= found
    assert not (not_counted & found)


def test_evidence_names_the_words_and_the_negation() -> None:
    suggestions = {s.concept.code: s for s in extract("Ei ajokorttia, trukkia osaan ajaa.")}
    assert suggestions[DRIVING].negated
    assert suggestions[DRIVING].evidence.text == "ajokorttia"
    assert suggestions[DRIVING].evidence.cue == "Ei"
    forklift = suggestions[uri("operate forklift")]
    assert not forklift.negated
    assert forklift.evidence.text == "trukkia"


TERMS = [(concept.code, term) for concept in catalogue().licences.values() for term in concept.terms["fi"]
         if "*" not in term.split()[0][:-1]]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TERMS), st.sampled_from(["Ei ", "Minulla ei ole ", "Ilman "]),
       st.sampled_from(["", " Olen kokki.", " Osaan siivota."]))
def test_a_negated_licence_never_counts(term: tuple[str, str], negation: str, rest: str) -> None:
    code, raw = term
    word = raw.replace("*", "a")
    assert code not in counted_codes(f"{negation}{word}.{rest}")
    assert code in counted_codes(f"Minulla on {word}.{rest}")
