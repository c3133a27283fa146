"""The format's entities and the import's phases by name in the active language.

Not in ``presenters``: the worker names the phase in the progress it stores (the jobs page that shows it knows no
exchange), and the command line names it too; the pages use the same names.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from polku.core.languages import text_in
from polku.exchange.schema import entities


def entity_title(name: str) -> str:
    entity = entities().get(name)
    return text_in(entity.title) if entity else name


PHASES = {"read": _("Luetaan ja tarkistetaan rivit"), "check": _("Tarkistetaan kokonaisuus"), "write": _("Kirjoitetaan")}


def phase_label(phase: str) -> str:
    """``read:status_spells`` → "Luetaan ja tarkistetaan rivit: Työmarkkina-asemat ja palvelut"."""
    step, _sep, entity = phase.partition(":")
    label = str(PHASES.get(step, step))
    return f"{label}: {entity_title(entity)}" if entity else label
