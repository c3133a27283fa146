"""Forms of service provision: shape checks only (dates and numbers parse, choices exist); the services decide
the rest and their errors are put back on the named fields with :func:`show_errors`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from polku.provision.models import DecisionKind, EmployerKind, ProviderKind, ReferralStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = ("", "–")


def _set_choices(form: forms.Form, name: str, choices: Iterable[tuple[Any, str]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = list(choices)


# --- catalogue ---------------------------------------------------------------------------------------------------


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Nimi"), max_length=200)
    kind = forms.ChoiceField(label=_("Tuottajatyyppi"), choices=ProviderKind.choices, widget=forms.RadioSelect)
    business_id = forms.CharField(label=_("Y-tunnus"), required=False, max_length=20,
                                  help_text=_("Muodossa 1234567-8. Kunnan omalle palvelulle ei tarvita."))
    area = forms.ChoiceField(label=_("Työllisyysalue"))

    def __init__(self, *args: Any, area_choices: list[tuple[str, str]] | None, **kwargs: Any) -> None:
        """``area_choices`` ``None``: the user's own area, not asked."""
        super().__init__(*args, **kwargs)
        if area_choices is None:
            del self.fields["area"]
        else:
            _set_choices(self, "area", area_choices)


class OfferingForm(forms.Form):
    provider = forms.ChoiceField(label=_("Palveluntuottaja"))
    service_type = forms.ChoiceField(label=_("Palvelutyyppi"))
    name = forms.CharField(label=_("Nimi"), max_length=200)
    capacity = forms.IntegerField(label=_("Paikkoja"))
    available_from = forms.DateField(label=_("Saatavilla alkaen"), widget=DATE)
    available_to = forms.DateField(label=_("Saatavilla asti"), widget=DATE, required=False)
    description = forms.CharField(label=_("Kuvaus"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, provider_choices: list[tuple[str, str]], service_type_choices: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "provider", [BLANK, *provider_choices])
        _set_choices(self, "service_type", [BLANK, *service_type_choices])


class EmployerForm(forms.Form):
    name = forms.CharField(label=_("Nimi"), max_length=200)
    business_id = forms.CharField(label=_("Y-tunnus"), max_length=20, help_text=_("Muodossa 1234567-8."))
    kind = forms.ChoiceField(label=_("Työnantajan tyyppi"), choices=EmployerKind.choices)
    municipality = forms.ChoiceField(label=_("Kotikunta"), required=False)

    def __init__(self, *args: Any, municipality_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "municipality", [BLANK, *municipality_choices])


# --- referrals and participation -------------------------------------------------------------------------------


class OfferingChoiceField(forms.ChoiceField):
    """Lists the offerings with free places but accepts any offering of the area, so that one filled between
    showing the form and saving it reaches the service, which says how full it is."""

    accepted: frozenset[str] = frozenset()

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.accepted or super().valid_value(value)


class ReferralForm(forms.Form):
    offering = OfferingChoiceField(label=_("Palvelu"), widget=forms.RadioSelect,
                                   help_text=_("Alueen palvelut, joissa on vapaita paikkoja ohjauspäivänä."))
    referred_on = forms.DateField(label=_("Ohjauspäivä"), widget=DATE)

    def __init__(self, *args: Any, offering_choices: list[tuple[str, str]], accepted: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(OfferingChoiceField, self.fields["offering"])
        field.choices = offering_choices
        field.accepted = frozenset(accepted)


class ParticipationStartForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    start_date = forms.DateField(label=_("Osallistuminen alkaa"), widget=DATE)
    planned_end = forms.DateField(label=_("Suunniteltu päättyminen"), widget=DATE)


class ParticipationEndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    end_date = forms.DateField(label=_("Päättymispäivä"), widget=DATE)


class ReferralCloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Miksi ohjaus ei alkanut"), widget=forms.RadioSelect, choices=[
        (ReferralStatus.DECLINED.value, _("Asiakas kieltäytyi palvelusta")),
        (ReferralStatus.CANCELLED.value, _("Ohjaus peruttiin")),
    ])


# --- decisions -------------------------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Päätöslaji"), choices=DecisionKind.choices, widget=forms.RadioSelect)
    employer = forms.ChoiceField(label=_("Työnantaja"), required=False,
                                 help_text=_("Palkkatuelle ja kuntalisälle; starttirahapäätöksellä ei ole työnantajaa."))
    percent = forms.TypedChoiceField(label=_("Tukiprosentti"), required=False, coerce=int, empty_value=None,
                                     choices=[BLANK, (50, "50 %"), (70, "70 %"), (100, "100 %")],
                                     help_text=_("Vain palkkatuelle."))
    monthly_amount = forms.DecimalField(label=_("Euroa kuukaudessa"), max_digits=10, decimal_places=2, localize=True,
                                        widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    months = forms.IntegerField(label=_("Kuukautta"))
    start_date = forms.DateField(label=_("Tuki alkaa"), widget=DATE)
    decided_on = forms.DateField(label=_("Päätöspäivä"), widget=DATE)
    municipality = forms.ChoiceField(label=_("Maksava kunta"), required=False,
                                     help_text=_("Kuntalisälle; oletuksena asiakkaan kotikunta päätöspäivänä."))

    def __init__(self, *args: Any, employer_choices: list[tuple[str, str]], municipality_choices: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "employer", [BLANK, *employer_choices])
        _set_choices(self, "municipality", [BLANK, *municipality_choices])
