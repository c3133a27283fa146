"""Forms of case work: shape checks only (dates parse, choices exist); the services decide the rest and their
errors are put back on the named fields by ``polku.web.form_flow``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from polku.casework.models import MeetingChannel, MeetingKind
from polku.core.bounds import TEXT_MAX_LENGTH
from polku.timeline.models import JobSearchEndReason

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Päivä"), widget=DATE)
    kind = forms.ChoiceField(label=_("Tapaamisen laji"), choices=MeetingKind.choices)
    channel = forms.ChoiceField(label=_("Asiointitapa"), choices=MeetingChannel.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("Muistiinpanot"), required=False, max_length=TEXT_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 4}))


class PlanForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    drawn_up_on = forms.DateField(label=_("Laadittu"), widget=DATE)
    valid_until = forms.DateField(label=_("Voimassa asti"), widget=DATE)
    agreed_actions = forms.CharField(label=_("Sovitut toimet"), max_length=TEXT_MAX_LENGTH,
                                     widget=forms.Textarea(attrs={"rows": 5}))
    obligation_basis = forms.ChoiceField(label=_("Hakuvelvollisuuden peruste"))
    applications_required = forms.IntegerField(label=_("Haettavia työmahdollisuuksia jaksossa"))
    next_meeting_on = forms.DateField(label=_("Seuraava tapaaminen"), widget=DATE, required=False)

    def __init__(self, *args: Any, basis_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["obligation_basis"]).choices = basis_choices


class ApplicationReportForm(forms.Form):
    period_start = forms.DateField(label=_("Jakso alkaa (kuukausi)"), input_formats=["%Y-%m", "%Y-%m-%d"],
                                   widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    applications = forms.IntegerField(label=_("Haettuja työmahdollisuuksia"))


class JobSearchEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Päättymispäivä"), widget=DATE)
    end_reason = forms.ChoiceField(label=_("Päättymisen syy"), choices=[("", "–"), *JobSearchEndReason.choices],
                                   error_messages={"required": _("Valitse työnhaun päättymisen syy.")})


class AssignmentForm(forms.Form):
    counsellor = forms.ChoiceField(label=_("Vastuuohjaaja"))
    reason = forms.CharField(label=_("Syy"), required=False, max_length=300)

    def __init__(self, *args: Any, counsellor_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["counsellor"]).choices = counsellor_choices


class BulkReassignForm(forms.Form):
    from_counsellor = forms.ChoiceField(label=_("Ohjaajalta"))
    to_counsellor = forms.ChoiceField(label=_("Ohjaajalle"))
    count = forms.IntegerField(label=_("Asiakkaita"), min_value=1)
    reason = forms.CharField(label=_("Syy"), required=False, max_length=300)

    def __init__(self, *args: Any, counsellor_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("from_counsellor", "to_counsellor"):
            cast(forms.ChoiceField, self.fields[name]).choices = [("", "–"), *counsellor_choices]


class HandoverForm(forms.Form):
    team = forms.ChoiceField(label=_("Omavalmennustiimi"), required=False)
    counsellor = forms.ChoiceField(label=_("Omavalmentaja"), required=False)

    def __init__(self, *args: Any, team_choices: list[tuple[str, str]], counsellor_choices: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", "–"), *team_choices]
        cast(forms.ChoiceField, self.fields["counsellor"]).choices = [("", "–"), *counsellor_choices]
