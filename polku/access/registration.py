"""Registering a person on behalf of a user, through the web, the API or the command line.

A code already in the register is a fact about a person, and only a user who may see that person learns it
("Henkilö on jo rekisterissä", logged as a read of that person). Anyone else gets a neutral refusal that names
no reason — the same words whatever made the registration impossible for them — and the attempt is logged
against the person as refused, for the data protection officer to see.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Unpack

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_person_reads, log_refused
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.people.models import Person
from polku.timeline.services import PersonDetails, person_find_by_personal_id, person_register

ALREADY_REGISTERED = "Henkilö on jo rekisterissä."
NOT_REGISTRABLE = "Henkilöä ei voi rekisteröidä. Ota tarvittaessa yhteyttä pääkäyttäjään."

_ACTIONS = {
    AccessChannel.API: (AccessAction.API_PERSON_CREATE, AccessAction.API_PERSON_CREATE_EXISTING),
    AccessChannel.CLI: (AccessAction.CLI_PERSON_ADD, AccessAction.CLI_PERSON_ADD_EXISTING),
}


class RegistrationRefused(AccessDenied):
    """The neutral refusal: the user may not learn why (see the module's documentation)."""

    field = "personal_id"

    def __init__(self) -> None:
        super().__init__(NOT_REGISTRABLE)


def _existing(code: str) -> Person | None:
    try:
        return person_find_by_personal_id(code)
    except ValidationFailed:
        return None  # the registration itself reports the invalid code with its field


def person_register_for(
    *, user: Any, channel: AccessChannel, purpose: str, municipality_code: str | None, since: date | None,
    actor_name: str | None = None, **details: Unpack[PersonDetails],
) -> Person:
    """Register a person for ``user`` and log it; an existing code is answered as the module describes."""
    created, existing_action = _ACTIONS[channel]
    existing = _existing(details["personal_id_code"])
    if existing is not None:
        if policy.visible_person_ids(user, [existing.pk]):
            log_person_reads(user=user, person_ids=[existing.pk], action=existing_action, purpose=purpose,
                             channel=channel, actor=actor_name)
            raise ValidationFailed.single("personal_id", ErrorCode.DUPLICATE, ALREADY_REGISTERED)
        log_refused(user=user, person_ids=[existing.pk], action=existing_action, purpose=purpose, channel=channel,
                    actor=actor_name)
        raise RegistrationRefused
    person = person_register(municipality_code=municipality_code, since=since, actor=user, **details)
    log_person_reads(user=user, person_ids=[person.pk], action=created, purpose=purpose, channel=channel,
                     actor=actor_name)
    return person
