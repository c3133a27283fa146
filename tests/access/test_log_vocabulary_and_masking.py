"""Issue 19, finding 3: masking cannot be bypassed with a leading underscore, and the access log's action is a
closed, typed vocabulary."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from polku.access.models import AccessAction, AccessLog, Role
from polku.access.services import log_person_reads
from polku.core.logging import MaskPersonalIds, mask_personal_ids
from polku.people.artificial import artificial_personal_id

CODE = artificial_personal_id(date(1975, 6, 30), 911)


@pytest.mark.parametrize("text", [
    f"_{CODE}", f"field _{CODE}=1", f"hetu_{CODE}", f"{{'_{CODE}': 'x'}}", f"{CODE}_", f"_{CODE.lower()}_",
    f"column __{CODE}__ unknown",
])
def test_a_glued_underscore_does_not_unmask(text: str) -> None:
    """``\\b`` in the pattern let ``_010190-900P`` (a field name made of the code) through unmasked."""
    assert CODE.lower() not in mask_personal_ids(text).lower()
    record = logging.LogRecord("polku", logging.WARNING, __file__, 1, "unknown field %s", (text,), None)
    MaskPersonalIds().filter(record)
    assert CODE.lower() not in record.getMessage().lower()


def test_dates_numbers_and_keys_are_left_alone() -> None:
    for text in ("20240101-1234", "ajo 20250303-0930A", "tilinumero 123456789012",
                 "aa123456-1234-4321-8000-000000000000", "polku:aa123456-1234b"):
        assert mask_personal_ids(text) == text


@pytest.mark.django_db
def test_log_refuses_a_free_string_and_masks_the_purpose(make_staff, make_person) -> None:
    user = make_staff(Role.MANAGER, area="kuopio").user
    person = make_person(municipality="297")
    with pytest.raises(ValueError, match="read_anything"):
        log_person_reads(user=user, person_ids=[person.pk], action="read_anything", purpose="x")  # type: ignore[arg-type]
    log_person_reads(user=user, person_ids=[person.pk], action=AccessAction.PERSON_TIMELINE, purpose=f"soitto _{CODE}")
    row = AccessLog.objects.get()
    assert CODE not in row.purpose
    assert row.get_action_display() == "Asiakastiedot ja aikajana"
    # The database refuses a value outside the vocabulary too, whoever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLog.objects.create(user=user, actor="x", person_id=person.pk, action="free_text", purpose="", channel="web")


def test_every_action_has_a_label_in_every_language() -> None:
    from django.utils import translation

    with translation.override("fi"):
        finnish = {action: str(action.label) for action in AccessAction}
    for language in ("sv", "en"):
        with translation.override(language):
            untranslated = [action.value for action in AccessAction if str(action.label) == finnish[action]]
        assert not untranslated, language


@pytest.mark.django_db
def test_many_reads_are_written_whole_and_read_back_as_the_model_writes_them(make_staff: object) -> None:
    """The worklist's reads are written as multi-row statements (a hundred rows each): every person once, in one
    transaction, with the reader's role and organisation, the masked purpose and the time, as a model row reads."""
    import uuid

    from django.utils import timezone

    profile = make_staff(Role.COUNSELLOR, area="kainuu", team="Alkupalvelu")  # type: ignore[operator]
    persons = [uuid.uuid4() for _ in range(250)]
    before = timezone.now()
    written = log_person_reads(user=profile.user, person_ids=[*persons, persons[0], str(persons[1])],
                               action=AccessAction.WORKLIST, purpose=f"tarkistus {CODE}")
    assert written == 250
    rows = list(AccessLog.objects.filter(action=AccessAction.WORKLIST))
    assert sorted(str(r.person_id) for r in rows) == sorted(str(p) for p in persons)
    row = rows[0]
    assert (row.user_id, row.actor, row.role, row.channel) == (profile.user.pk, profile.user.username,
                                                              Role.COUNSELLOR, "web")
    assert "Alkupalvelu" in row.organisation
    assert CODE not in row.purpose
    assert before <= row.at <= timezone.now()
    assert log_person_reads(user=profile.user, person_ids=[], action=AccessAction.WORKLIST, purpose="x") == 0
