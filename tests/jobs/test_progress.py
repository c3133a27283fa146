"""The pure progress helpers: time left, durations in fi/sv/en, the bar's text, and the terminal watcher."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from polku.jobs.cli import ProgressState, watch
from polku.jobs.progress import eta_seconds, format_duration, progress_text, status_payload

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_eta_edges() -> None:
    now = T0 + timedelta(seconds=100)
    assert eta_seconds(50, 100, T0, now) == pytest.approx(100.0)
    assert eta_seconds(100, 100, T0, now) == 0.0
    assert eta_seconds(120, 100, T0, now) == 0.0  # overshoot counts as done
    assert eta_seconds(0, 100, T0, now) is None  # no rate yet
    assert eta_seconds(10, None, T0, now) is None  # total unknown
    assert eta_seconds(10, 0, T0, now) is None
    assert eta_seconds(10, 100, T0, T0) is None  # no time has passed


@given(total=st.integers(1, 10**7), a=st.integers(1, 10**7), b=st.integers(1, 10**7), elapsed=st.floats(0.001, 10**6))
def test_eta_falls_as_more_is_done(total: int, a: int, b: int, elapsed: float) -> None:
    now = T0 + timedelta(seconds=elapsed)
    lo, hi = sorted((min(a, total), min(b, total)))
    left_lo, left_hi = eta_seconds(lo, total, T0, now), eta_seconds(hi, total, T0, now)
    assert left_lo is not None
    assert left_hi is not None
    assert 0 <= left_hi <= left_lo + 1e-6 * max(1.0, left_lo)


@given(done=st.integers(1, 10**6), total=st.integers(1, 10**6), a=st.floats(0.01, 10**5), b=st.floats(0.01, 10**5))
def test_eta_grows_with_elapsed_time(done: int, total: int, a: float, b: float) -> None:
    done = min(done, total)
    short, long = sorted((a, b))
    left_short = eta_seconds(done, total, T0, T0 + timedelta(seconds=short))
    left_long = eta_seconds(done, total, T0, T0 + timedelta(seconds=long))
    assert left_short is not None
    assert left_long is not None
    assert left_short <= left_long + 1e-6 * max(1.0, left_long)


@pytest.mark.parametrize(("seconds", "fi", "sv", "en"), [
    (0, "alle minuutti", "under en minut", "less than a minute"),
    (59.9, "alle minuutti", "under en minut", "less than a minute"),
    (60, "1 minuutti", "1 minut", "1 minute"),
    (61, "2 minuuttia", "2 minuter", "2 minutes"),
    (45 * 60, "45 minuuttia", "45 minuter", "45 minutes"),
    (3600, "1 tunti", "1 timme", "1 hour"),
    (3600 + 5 * 60, "1 tunti 5 minuuttia", "1 timme 5 minuter", "1 hour 5 minutes"),
    (26 * 3600, "26 tuntia", "26 timmar", "26 hours"),
    (float("inf"), "alle minuutti", "under en minut", "less than a minute"),
])
def test_format_duration_in_three_languages(seconds: float, fi: str, sv: str, en: str) -> None:
    assert format_duration(seconds, "fi") == fi
    assert format_duration(seconds, "sv") == sv
    assert format_duration(seconds, "en") == en


@given(st.floats(0, 10**7), st.floats(0, 10**7))
def test_format_duration_never_fails_and_is_ordered_in_minutes(a: float, b: float) -> None:
    for s in (a, b):
        assert format_duration(s, "fi")
    if a < 60 and b < 60:
        assert format_duration(a, "fi") == format_duration(b, "fi")


def test_progress_text_groups_numbers_and_estimates() -> None:
    now = T0 + timedelta(minutes=2)
    with translation.override("fi"):
        assert progress_text(1200, 5000, T0, now) == "1\xa0200 / 5\xa0000 riviä, arviolta 7 minuuttia jäljellä"
        assert progress_text(5000, 5000, T0, now) == "5\xa0000 / 5\xa0000 riviä"
        assert progress_text(0, 5000, T0, now) == "0 / 5\xa0000 riviä"
        assert progress_text(0, None, T0, now) == "Työ on jonossa tai käynnissä."
        assert progress_text(3, None, T0, now) == "3 riviä"
    with translation.override("sv"):
        assert progress_text(1200, 5000, T0, now) == "1\xa0200 / 5\xa0000 rader, cirka 7 minuter kvar"
    with translation.override("en"):
        assert progress_text(1200, 5000, T0, now) == "1\xa0200 / 5\xa0000 rows, about 7 minutes left"


def test_status_payload() -> None:
    state = ProgressState(done=2, total=4, phase="Tarkistetaan", finished=False, status="RUNNING", started_at=T0)
    with translation.override("fi"):
        payload = status_payload(state, detail_html="<p>ok</p>", now=T0 + timedelta(seconds=10))
    assert payload == {"done": 2, "total": 4, "phase": "Tarkistetaan", "status": "RUNNING", "finished": False,
                       "text": "2 / 4 riviä, arviolta alle minuutti jäljellä", "detail_html": "<p>ok</p>"}


def test_progress_include_renders_an_accessible_bar() -> None:
    context = {"done": 1200, "total": 5000, "phase": "Tallennetaan", "started_at": T0, "status": "RUNNING",
               "status_url": "/tyot/x/tila/"}
    with translation.override("fi"):
        html = render_to_string("jobs/_progress.html", context)
    assert '<progress data-job-bar max="5000" value="1200"' in html
    assert 'aria-live="polite"' in html
    assert "1\xa0200 / 5\xa0000 riviä, arviolta" in html
    assert 'data-status-url="/tyot/x/tila/"' in html
    assert "Päivitä" in html  # the way to refresh without JavaScript
    assert "jobs/progress.js" in html
    assert "http" not in html  # nothing from a CDN
    with translation.override("sv"):
        assert "rader" in render_to_string("jobs/_progress.html", context)
    with translation.override("en"):
        html = render_to_string("jobs/_progress.html", {**context, "total": None, "done": 0})
    assert "<progress data-job-bar\n" in html or "<progress data-job-bar " in html  # indeterminate: no max
    assert 'max="' not in html


def test_watch_prints_until_finished() -> None:
    states = iter([
        ProgressState(done=0, total=None, phase="Luetaan", started_at=T0),
        ProgressState(done=10, total=30, phase="Tarkistetaan", started_at=T0),
        ProgressState(done=30, total=30, phase="Valmis", finished=True, status="SUCCESSFUL", started_at=T0),
    ])
    out = io.StringIO()
    waits: list[float] = []
    final = watch(lambda: next(states), stream=out, sleep=waits.append)
    assert final.finished
    assert final.status == "SUCCESSFUL"
    assert waits == [1.0, 1.0]
    text = out.getvalue()
    assert "Tarkistetaan" in text
    assert "10/30" in text
    assert "30/30" in text
