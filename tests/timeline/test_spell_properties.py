"""Property tests of the spell invariants: whatever sequence of writes is attempted, a person's
current spells never overlap, and the service accepts exactly the spells a reference model accepts."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from polku.core.errors import ValidationFailed
from polku.timeline import selectors, services
from tests.conftest import next_artificial_id

ORIGIN = date(2020, 1, 1)

spell_inputs = st.lists(
    st.tuples(st.integers(0, 400), st.one_of(st.none(), st.integers(-5, 120))),
    min_size=1, max_size=12,
)


def overlaps(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    return a[0] <= (b[1] or date.max) and b[0] <= (a[1] or date.max)


class SpellInvariantTests(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spell_inputs)
    def test_accepts_exactly_non_overlapping_spells(self, attempts: list[tuple[int, int | None]]) -> None:
        person = services.person_create(personal_id_code=next_artificial_id(), first_names="Eino", last_name="Esimerkki")
        accepted: list[tuple[date, date | None]] = []
        for offset, length in attempts:
            start = ORIGIN + timedelta(days=offset)
            end = None if length is None else start + timedelta(days=length)
            expected_ok = (end is None or end >= start) and not any(overlaps((start, end), a) for a in accepted)
            try:
                services.status_spell_record(person=person, status="unemployed", start_date=start, end_date=end)
            except ValidationFailed:
                assert not expected_ok
            else:
                assert expected_ok
                accepted.append((start, end))
        current = [(s.start_date, s.end_date) for s in selectors.person_timeline(person).status_spells]
        assert sorted(current) == sorted(accepted)
        for i, a in enumerate(current):
            for b in current[i + 1:]:
                assert not overlaps(a, b)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spell_inputs, st.data())
    def test_corrections_preserve_invariant_and_history(self, attempts: list[tuple[int, int | None]],
                                                        data: st.DataObject) -> None:
        person = services.person_create(personal_id_code=next_artificial_id(), first_names="Eino", last_name="Esimerkki")
        written = 0
        for offset, length in attempts:
            start = ORIGIN + timedelta(days=offset)
            end = None if length is None else start + timedelta(days=max(length, 0))
            current = selectors.person_timeline(person).status_spells
            try:
                correct_one: bool = data.draw(st.booleans())
                if current and correct_one:
                    target = current[data.draw(st.integers(0, len(current) - 1))]
                    services.status_spell_record(person=person, status="employed", start_date=start, end_date=end,
                                                 corrects=target, reason="korjaus")
                else:
                    services.status_spell_record(person=person, status="unemployed", start_date=start, end_date=end)
                written += 1
            except ValidationFailed:
                pass
            spells = [(s.start_date, s.end_date) for s in selectors.person_timeline(person).status_spells]
            for i, a in enumerate(spells):
                for b in spells[i + 1:]:
                    assert not overlaps(a, b)
        # Every successful write left a row behind: history is never lost.
        from polku.timeline.models import StatusSpell

        assert StatusSpell.objects.filter(person=person).count() == written
