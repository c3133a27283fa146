"""The portal's forms: shape only (a date parses, a choice exists); the services decide the rest and name the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from polku.casework.models import MeetingChannel
from polku.portal import sms
from polku.portal.catalogue import consent_catalogue, pick, questionnaire


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ApplicationForm(forms.Form):
    applied_on = forms.DateField(label=_("Hakupäivä"), required=False, widget=DateInput())
    employer = forms.CharField(label=_("Työnantaja"), required=False, max_length=300)
    job_title = forms.CharField(label=_("Haettu tehtävä"), required=False, max_length=300)


class SelfAssessmentForm(forms.Form):
    """Work ability now (0–10) and one 1–5 question per item, built from the questionnaire's current version."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form = questionnaire()
        self.fields["work_ability"] = forms.TypedChoiceField(
            label=pick(form.work_ability), required=False, coerce=int, empty_value=None,
            choices=[(n, str(n)) for n in range(11)], widget=forms.RadioSelect(attrs={"class": "scale"}))
        scale = [(value, f"{value} – {pick(texts)}") for value, texts in sorted(form.scale.items())]
        for item in form.items:
            self.fields[item.code] = forms.TypedChoiceField(label=pick(item.text), required=False, coerce=int,
                                                            empty_value=None, choices=scale,
                                                            widget=forms.RadioSelect())

    def domain_fields(self) -> list[tuple[str, list[Any]]]:
        form = questionnaire()
        return [(pick(d.name), [self[item.code] for item in d.items]) for d in form.domains]


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Mihin annat suostumuksen"), required=False)
    recipient = forms.ChoiceField(label=_("Kenelle tiedot luovutetaan"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        catalogue = consent_catalogue()
        purposes: list[tuple[str, Any]] = [("", _("– valitse –"))] + [(p.code, pick(p.name)) for p in catalogue.purposes]
        recipients: list[tuple[str, Any]] = [("", _("– valitse –"))] + [
            (code, pick(names)) for code, names in catalogue.recipients.items()]
        self.fields["purpose"].choices = purposes  # type: ignore[attr-defined]
        self.fields["recipient"].choices = recipients  # type: ignore[attr-defined]


class NotificationForm(forms.Form):
    """Where the client wants to hear of new messages (their own addresses; the service checks them)."""

    by_email = forms.BooleanField(label=_("Ilmoitus sähköpostiin"), required=False)
    email = forms.CharField(label=_("Sähköpostiosoite"), required=False, max_length=254,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    by_sms = forms.BooleanField(label=_("Ilmoitus tekstiviestinä"), required=False)
    phone = forms.CharField(label=_("Matkapuhelinnumero"), required=False, max_length=30,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sms.enabled():  # the municipality has no text-message gateway: e-mail only
            del self.fields["by_sms"], self.fields["phone"]


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Viesti"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class BookingForm(forms.Form):
    slot = forms.TypedChoiceField(label=_("Vapaa aika"), required=False, coerce=int, empty_value=None,
                                  widget=forms.RadioSelect())

    def __init__(self, *args: Any, slots: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = list(slots)  # type: ignore[attr-defined]

    def clean_slot(self) -> Any:
        return self.cleaned_data.get("slot")


class FeedbackForm(forms.Form):
    satisfaction = forms.TypedChoiceField(label=_("Kuinka tyytyväinen olit palveluun? (1 = en lainkaan, 5 = erittäin)"),
                                          required=False, coerce=int, empty_value=None,
                                          choices=[(n, str(n)) for n in range(1, 6)], widget=forms.RadioSelect())
    useful = forms.ChoiceField(label=_("Oliko palvelusta hyötyä sinulle?"), required=False,
                               choices=[("yes", _("kyllä")), ("no", _("ei"))], widget=forms.RadioSelect())


class FreeTimeForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Alkaa"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    minutes = forms.IntegerField(label=_("Kesto (min)"), required=False, initial=45)
    channel = forms.ChoiceField(label=_("Asiointitapa"), required=False, choices=MeetingChannel.choices)


class JointMeetingForm(forms.Form):
    """Booking a joint meeting of a referral: the other agencies offered are those the client has consented to share
    the plan with (the service checks the consents again when the meeting is booked)."""

    starts_at = forms.DateTimeField(label=_("Alkaa"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H.%M", "%d.%m.%Y %H:%M"])
    minutes = forms.IntegerField(label=_("Kesto (min)"), required=False, initial=60)
    channel = forms.ChoiceField(label=_("Asiointitapa"), required=False, choices=MeetingChannel.choices)
    place = forms.CharField(label=_("Paikka, puhelinnumero tai videolinkki"), required=False, max_length=200)
    other_parties = forms.MultipleChoiceField(label=_("Muut kutsuttavat tahot"), required=False,
                                              widget=forms.CheckboxSelectMultiple(), error_messages={
                                                  "invalid_choice": _("Asiakas ei ole antanut suostumusta tietojensa "
                                                                      "luovuttamiseen tälle taholle.")})

    def __init__(self, *args: Any, parties: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["other_parties"].choices = list(parties)  # type: ignore[attr-defined]


class HeldMeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Tapaamisen päivä"), required=False, widget=DateInput(),
                              input_formats=["%Y-%m-%d", "%d.%m.%Y"],
                              error_messages={"invalid": _("Anna päivä muodossa pp.kk.vvvv.")})
    agreed_tasks = forms.CharField(label=_("Sovitut tehtävät (yksi riville; lisätään suunnitelmaan)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}))
