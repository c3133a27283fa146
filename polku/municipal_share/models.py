"""Database records of the municipal share: administrator confirmations of rule sets.

The rule sets themselves are versioned data files (``data/rule_sets.json``); what changes at run time
is only whether an administrator has confirmed an unverified rule set against the law.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RuleSetConfirmation(models.Model):
    """An administrator checked the rule set against its source; results stop being marked unverified."""

    rule_set = models.CharField(max_length=60, unique=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(help_text="What was checked, against which source.")

    def __str__(self) -> str:
        return f"{self.rule_set} confirmed {self.confirmed_at:%Y-%m-%d}"
