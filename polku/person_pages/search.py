"""The header search (``/haku/``): pages, clients by name or identity code, services, employers and municipalities —
each only as far as the user may see them.

- A client is found by name among the persons the user may see (``policy.persons_visible_to``); the names shown are
  access-logged like the person list. An identity code is taken by POST only and opens the person as the person
  list's identity-code search does (:func:`polku.person_pages.views.identity_code_lookup`): never in a URL, never
  repeated on the page, the same answer for an unknown and an out-of-scope person.
- Pages are the main navigation's, shown only where the menu would show them (the same capabilities).
- Services are the catalogue's offerings of the user's area available today; employers those the user's employer
  services keep (``policy.employer_reach``); municipalities those of the user's area, linked to their figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.policy import Capability, allows, can_see_person_level_data, persons_visible_to, staff_profile
from polku.access.services import log_person_reads
from polku.core.errors import AccessDenied
from polku.core.languages import reader_language
from polku.core.logging import looks_like_personal_id
from polku.people.models import Person
from polku.people.selectors import persons_matching_name
from polku.person_pages.views import identity_code_lookup
from polku.provision import presenters as provision_presenters
from polku.provision.models import Employer, ServiceOffering
from polku.web import content
from polku.web.views import forbidden

QUERY_MAX = 100
PERSON_QUERY_MIN = 3  # two letters would list a large part of the register (and log every one shown)
SHOWN = 10  # per kind; the persons' "all" link leads to the person list with the same name


@dataclass(frozen=True)
class Page:
    label: Promise
    url_name: str
    may: Callable[[Any], bool]
    words: Promise | str = ""  # other words a user might type for it, in the reader's language

    def matches(self, query: str) -> bool:
        texts = [str(self.label), str(self.words)]
        with override("fi"):  # a Finnish word finds the page in any language
            texts += [str(self.label), str(self.words)]
        return any(query in text.casefold() for text in texts)


def _can(capability: Capability) -> Callable[[Any], bool]:
    return lambda user: allows(user, capability)


PAGES: list[Page] = [
    Page(gettext_lazy("Etusivu"), "web:home", lambda user: True, gettext_lazy("tänään aloitus")),
    Page(gettext_lazy("Työlista"), "casework:worklist", _can(Capability.VIEW_WORKLIST),
         gettext_lazy("tehtävät määräajat myöhässä")),
    Page(gettext_lazy("Asiakasmäärät"), "casework:caseload", _can(Capability.VIEW_CASELOAD),
         gettext_lazy("asiakassiirto tiimi")),
    Page(gettext_lazy("Henkilöt"), "web:person_list", _can(Capability.VIEW_PERSONS),
         gettext_lazy("asiakkaat henkilötunnus hetu")),
    Page(gettext_lazy("Poikkeuksellinen pääsy"), "web:break_glass_lookup", _can(Capability.BREAK_GLASS)),
    Page(gettext_lazy("Mittarit"), "kpi:programme", _can(Capability.VIEW_AGGREGATES),
         gettext_lazy("työllisyysohjelma tavoitteet")),
    Page(gettext_lazy("Vertailu"), "kpi:yardstick", _can(Capability.VIEW_AGGREGATES),
         gettext_lazy("arviointi vertailuryhmä")),
    Page(gettext_lazy("Valtion arviointimittarit"), "kpi:state_assessment", _can(Capability.VIEW_AGGREGATES),
         gettext_lazy("arviointi KEHA Työllisyyskuva valtio")),
    Page(gettext_lazy("Raportit"), "reports:list", _can(Capability.VIEW_AGGREGATES),
         gettext_lazy("kuukausiraportti valtuusto")),
    Page(gettext_lazy("Palvelut"), "provision:catalogue", _can(Capability.VIEW_SERVICE_CATALOGUE),
         gettext_lazy("palveluvalikoima")),
    Page(gettext_lazy("Kuntalisä"), "provision:kuntalisa", _can(Capability.VIEW_AGGREGATES),
         gettext_lazy("budjetti palkkatuki")),
    Page(gettext_lazy("Ennusteet"), "forecast:forecast", _can(Capability.VIEW_AGGREGATES), gettext_lazy("skenaario")),
    Page(gettext_lazy("Vaikutukset"), "forecast:impact", _can(Capability.VIEW_AGGREGATES),
         gettext_lazy("talousvaikutus")),
    Page(gettext_lazy("Kuntaosuus"), "municipal_share:share", _can(Capability.VIEW_AGGREGATES),
         gettext_lazy("kela työmarkkinatuki")),
    Page(gettext_lazy("Kuntaosuuden ennakkovaroitukset"), "municipal_share:warnings", _can(Capability.VIEW_PERSONS)),
    Page(gettext_lazy("Kelan laskut"), "municipal_share:invoices", _can(Capability.CHECK_KELA_INVOICES),
         gettext_lazy("lasku tarkistus")),
    Page(gettext_lazy("Työnantajapalvelut"), "employer_services:worklist", _can(Capability.EMPLOYER_SERVICES),
         gettext_lazy("työpaikat yritykset")),
    Page(gettext_lazy("Tiedonsiirto"), "exchange:imports", _can(Capability.EXCHANGE_DATA),
         gettext_lazy("tuonti vienti")),
    Page(gettext_lazy("Lokitiedot"), "web:access_log", _can(Capability.READ_ACCESS_LOG), gettext_lazy("loki")),
    Page(gettext_lazy("Tietosuoja"), "privacy:index", _can(Capability.EXERCISE_SUBJECT_RIGHTS),
         gettext_lazy("tarkastusoikeus")),
    Page(gettext_lazy("Säilytysajat"), "privacy:retention", _can(Capability.RUN_RETENTION)),
    Page(gettext_lazy("Avoin data"), "open_data:index", lambda user: True, gettext_lazy("tilastot")),
    Page(gettext_lazy("Ylläpito"), "administration:index", _can(Capability.ADMINISTER),
         gettext_lazy("säännöt asukasluvut")),
]


@dataclass(frozen=True)
class Hit:
    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Results:
    pages: list[Hit]
    persons: list[Hit]
    more_persons: str  # the person list's URL for this name when there are more than shown, else ""
    services: list[Hit]
    employers: list[Hit]
    municipalities: list[MunicipalityHit]
    clients_need_more: bool = False  # the user may find clients, but the query is too short for it

    @property
    def empty(self) -> bool:
        return not (self.pages or self.persons or self.services or self.employers or self.municipalities)


def _pages(user: Any, query: str) -> list[Hit]:
    return [Hit(str(p.label), reverse(p.url_name)) for p in PAGES if p.matches(query) and p.may(user)]


def _persons(request: HttpRequest, query: str) -> tuple[list[Hit], str]:
    if len(query) < PERSON_QUERY_MIN or not can_see_person_level_data(request.user):
        return [], ""
    found: list[Person] = list(persons_matching_name(persons_visible_to(request.user), query)[:SHOWN + 1])
    shown = found[:SHOWN]
    log_person_reads(user=request.user, person_ids=[p.pk for p in shown], action=AccessAction.PERSON_LIST,
                     purpose=content.purpose_for(None, request.user).logged, channel=AccessChannel.WEB)
    hits = [Hit(f"{p.last_name}, {p.first_names}", reverse("web:person_detail", kwargs={"person_id": p.pk}),
                p.birth_date.strftime("%Y") if p.birth_date else "") for p in shown]
    more = f"{reverse('web:person_list')}?{urlencode({'q': query})}" if len(found) > SHOWN else ""
    return hits, more


def _services(user: Any, query: str) -> list[Hit]:
    scope = provision_presenters.scope_for(user)
    if scope is None or not allows(user, Capability.VIEW_SERVICE_CATALOGUE):
        return []
    today = timezone.localdate()
    offerings = ServiceOffering.objects.filter(
        Q(name__icontains=query) | Q(provider__name__icontains=query), available_from__lte=today).filter(
        Q(available_to__isnull=True) | Q(available_to__gte=today)).select_related("provider").order_by("name")
    if not scope.everywhere:
        offerings = offerings.filter(area_id=scope.area_id)
    catalogue = reverse("provision:catalogue")
    return [Hit(o.name, f"{catalogue}#palvelu-{o.pk}", o.provider.name) for o in offerings[:SHOWN]]


def _employers(user: Any, query: str) -> list[Hit]:
    if not policy.may_use_employer_services(user):
        return []
    try:
        reach = policy.employer_reach(user)
    except AccessDenied:
        return []
    employers = Employer.objects.filter(Q(name__icontains=query) | Q(business_id__icontains=query))
    if reach is not None:
        employers = employers.filter(reach)
    return [Hit(e.name, reverse("employer_services:employer", kwargs={"employer_id": e.pk}), e.business_id)
            for e in employers.order_by("name")[:SHOWN]]


@dataclass(frozen=True)
class MunicipalityHit:
    name: str
    figures_url: str
    share_url: str


def _municipalities(user: Any, query: str) -> list[MunicipalityHit]:
    scope = provision_presenters.scope_for(user)
    if scope is None or not allows(user, Capability.VIEW_AGGREGATES):
        return []
    swedish = reader_language() == "sv"
    share = reverse("municipal_share:share")
    figures = reverse("kpi:indicator", kwargs={"code": "unemployed_jobseekers"})
    found = [m for m in provision_presenters.municipalities_in(scope)
             if query in m.name_fi.casefold() or query in (m.name_sv or "").casefold() or query == m.code]
    return [MunicipalityHit((m.name_sv if swedish and m.name_sv else m.name_fi),
                            f"{figures}?{urlencode({'scope': m.code})}", f"{share}?{urlencode({'municipality': m.code})}")
            for m in found[:SHOWN]]


def results_for(request: HttpRequest, query: str) -> Results:
    folded = query.casefold()
    persons, more = _persons(request, query)
    return Results(pages=_pages(request.user, folded), persons=persons, more_persons=more,
                   services=_services(request.user, query), employers=_employers(request.user, query),
                   municipalities=_municipalities(request.user, folded),
                   clients_need_more=len(query) < PERSON_QUERY_MIN and can_see_person_level_data(request.user))


@login_required
@sensitive_post_parameters("q")
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    if staff_profile(request.user) is None:
        return forbidden(request, _("Haku on henkilöstön käytössä."))
    if request.method == "POST":
        query = request.POST.get("q", "").strip()[:QUERY_MAX]
        if not looks_like_personal_id(query):
            return redirect(f"{reverse('web:search')}?{urlencode({'q': query})}")
        if not can_see_person_level_data(request.user):
            error = _("Henkilötunnuksella voi hakea vain rooli, joka näkee asiakkaiden tietoja.")
        else:
            answer = identity_code_lookup(request, query, None)
            if isinstance(answer, HttpResponse):
                return answer
            error = answer
        return render(request, "person_pages/search.html", {"query": "", "results": None, "error": error},
                      status=400)
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    if looks_like_personal_id(query):
        # A code sent in the address must not stay there, nor be echoed on the page.
        messages.warning(request, _("Henkilötunnuksella haetaan hakukentästä, ei osoitteessa."))
        return redirect("web:search")
    results = results_for(request, query) if len(query) >= 2 else None
    return render(request, "person_pages/search.html", {"query": query, "results": results, "error": ""})
