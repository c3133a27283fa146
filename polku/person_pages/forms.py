"""The person pages' forms: the break-glass statement, alone or with the identity code of the person to open."""

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


class UnechoedInput(forms.TextInput):
    """A text field whose value is never written back into the page (an identity code must not be echoed)."""

    def format_value(self, value: Any) -> str | None:
        return None


class BreakGlassLookupForm(BreakGlassForm):
    """Break-glass for a person found by identity code (the code is checked by the view, never echoed back)."""

    personal_id = forms.CharField(
        label=_("Henkilötunnus"), max_length=11,
        error_messages={"required": _("Kirjoita henkilötunnus."),
                        "max_length": _("Henkilötunnus on 11 merkkiä (PPKKVV-NNNT).")},
        widget=UnechoedInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    field_order = ["personal_id", "reason"]
