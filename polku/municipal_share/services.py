"""Writes of the municipal share, and the rule book in force (shipped rules + confirmations)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from polku.core.errors import ErrorCode, ValidationFailed
from polku.municipal_share.models import RuleSetConfirmation
from polku.municipal_share.rules import RuleBook, shipped_rule_book


def current_rule_book() -> RuleBook:
    """The shipped rule sets, with those an administrator has confirmed marked verified."""
    confirmed = set(RuleSetConfirmation.objects.values_list("rule_set", flat=True))
    return shipped_rule_book().with_confirmed(confirmed)


@transaction.atomic
def rule_set_confirm(*, code: str, note: str, actor: Any) -> RuleSetConfirmation:
    """Record that an administrator has verified ``code`` against the law (e.g. the 2025 step table)."""
    codes = {r.code for r in shipped_rule_book().rule_sets}
    if code not in codes:
        allowed = ", ".join(sorted(codes))
        raise ValidationFailed.single("rule_set", ErrorCode.UNKNOWN, f"Tuntematon sääntö: {code}. Sallitut: {allowed}.")
    if not note.strip():
        raise ValidationFailed.single("note", ErrorCode.REQUIRED, "Kerro, mihin lähteeseen sääntö tarkistettiin.")
    confirmation, _ = RuleSetConfirmation.objects.update_or_create(
        rule_set=code,
        defaults={"note": note.strip(), "confirmed_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    return confirmation
