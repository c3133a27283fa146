"""Forms of the data protection officer's pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionRunForm(forms.Form):
    reference_date = forms.DateField(label=_("Tarkastelupäivä"), initial=timezone.localdate,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    dry_run = forms.BooleanField(label=_("Kuivaharjoitus: näytä, mitä tehtäisiin, muuttamatta mitään"),
                                 required=False, initial=True)
