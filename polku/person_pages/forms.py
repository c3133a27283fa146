"""The person pages' forms: the break-glass statement."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from polku.access.policy import BREAK_GLASS_REASON_MAX, BREAK_GLASS_REASON_MIN


class BreakGlassForm(forms.Form):
    """Why the user needs to open a person outside their scope: required, at least a sentence, at most 300 chars."""

    reason = forms.CharField(
        label=_("Perustelu"), max_length=BREAK_GLASS_REASON_MAX,
        help_text=_("Kerro, miksi tarvitset tämän henkilön tiedot työtehtävässäsi. Perustelu tallentuu lokiin, ja "
                    "tietosuojavastaava näkee sen. Älä kirjoita henkilötunnusta."),
        error_messages={"required": _("Kirjoita perustelu."),
                        "max_length": _("Perustelu on liian pitkä (enintään %(limit_value)d merkkiä).")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_reason(self) -> Any:
        reason = " ".join(str(self.cleaned_data["reason"]).split())
        if len(reason) < BREAK_GLASS_REASON_MIN:
            raise forms.ValidationError(_("Perustelu on liian lyhyt: kerro, mihin työtehtävään tarvitset tiedot."),
                                        code="min_length")
        return reason
