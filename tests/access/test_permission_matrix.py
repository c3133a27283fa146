"""Issue 19, item 1: every route declares the capability it needs, and every role's answer agrees with the matrix.

The walk takes every URL route from the resolver (``get_resolver()``, the API's routes among them) and looks up its
declared capability below; a route without one fails the test with its name. Then, for each role, it requests each
route about one fixture person who is in every role's scope (a client of the counsellor's team living in the
Kuopio area): a role whose row of ``policy.GRANTS`` holds the capability must get an answer (anything but 401, 403
or a redirect to a sign-in page), any other role a refusal. The API's writes (POST, PUT) are declared but checked by
their own tests: the API validates a body before it asks the policy, so an empty body answers 422 to everyone.
The committed ``docs/permissions.md`` must be what the registry generates.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from polku.access import permissions_doc
from polku.access.models import AccessChannel, Role
from polku.access.policy import GRANTS, Capability
from polku.privacy.retention import new_run
from tests.access.test_log_completeness import Scene, api_methods, fill, routes
from tests.access.test_log_completeness import scene as scene  # noqa: PLC0414 — the walk's fixture, shared

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # no sign-in needed (health, sign-in, language, identity provider hand-off)
SIGNED_IN = "signed_in"  # any signed-in user (the start page, reference lists, own jobs)

C = Capability
ROUTE_CAPABILITIES: dict[str, Capability | str] = {
    "terveys/": PUBLIC, "terveys/valmis/": PUBLIC, "i18n/setlang/": PUBLIC, "": PUBLIC, "kirjaudu/": PUBLIC,
    "kirjaudu-ulos/": SIGNED_IN, "haku/": SIGNED_IN,  # the header search finds only what the user may see
    "oidc/callback/": PUBLIC, "oidc/authenticate/": PUBLIC, "oidc/logout/": PUBLIC,
    "tunnistautuminen/koodi/": PUBLIC, "tunnistautuminen/kayttoonotto/": PUBLIC,
    "tunnistautuminen/kayttoonotto/qr.svg": PUBLIC,
    # API
    "api/": SIGNED_IN, "api/openapi.json": SIGNED_IN, "api/docs": SIGNED_IN,
    "api/municipalities": SIGNED_IN, "api/employment-areas": SIGNED_IN, "api/statuses": SIGNED_IN,
    "api/service-types": SIGNED_IN,
    "api/persons": C.VIEW_PERSONS,  # POST registers a person: RECORD_PERSON_DATA
    "api/persons/lookup": C.VIEW_PERSONS,
    "api/persons/<person_id>": C.VIEW_PERSONS,
    "api/persons/<person_id>/timeline": C.VIEW_PERSONS,
    "api/persons/<person_id>/home-municipalities": C.RECORD_PERSON_DATA,
    "api/home-municipalities/<spell_id>/correct": C.RECORD_PERSON_DATA,
    "api/persons/<person_id>/status-spells": C.RECORD_PERSON_DATA,
    "api/status-spells/<spell_id>/correct": C.RECORD_PERSON_DATA,
    "api/status-spells/<spell_id>/retract": C.RECORD_PERSON_DATA,
    "api/<kind>/<fact_id>/retract": C.RECORD_PERSON_DATA,
    "api/status-spells/<spell_id>/history": C.VIEW_PERSONS,
    "api/persons/<person_id>/job-search-periods": C.RECORD_PERSON_DATA,
    "api/job-search-periods/<period_id>/end": C.RECORD_PERSON_DATA,
    "api/persons/<person_id>/benefit-months": C.RECORD_PERSON_DATA,
    "api/benefit-months/<row_id>/correct": C.RECORD_PERSON_DATA,
    "api/kela-invoices": C.CHECK_KELA_INVOICES,
    "api/kela-invoices/<invoice_id>/facts": C.CHECK_KELA_INVOICES,
    "api/kela-invoices/<invoice_id>": C.CHECK_KELA_INVOICES,
    "api/municipal-share": C.VIEW_AGGREGATES,
    "api/municipal-share/kela-statistics": C.VIEW_AGGREGATES,
    "api/municipal-share/early-warnings": C.VIEW_PERSONS,
    "api/municipal-share/breakdown": C.VIEW_AGGREGATES,
    "api/kpi/indicators": C.VIEW_AGGREGATES,
    "api/kpi/indicators/<code>/comparison": C.VIEW_AGGREGATES,
    "api/kpi/indicators/<code>": C.VIEW_AGGREGATES,
    "api/casework/worklist": C.VIEW_WORKLIST,
    "api/casework/caseload": C.VIEW_CASELOAD,
    "api/casework/rules": SIGNED_IN,
    "api/casework/persons/<person_id>/due": C.VIEW_PERSONS,
    "api/casework/persons/<person_id>/record": C.VIEW_PERSONS,
    "api/casework/persons/<person_id>/meetings": C.RECORD_PERSON_DATA,
    "api/casework/persons/<person_id>/plan": C.RECORD_PERSON_DATA,
    "api/casework/persons/<person_id>/application-reports": C.RECORD_PERSON_DATA,
    "api/casework/persons/<person_id>/assignment": C.RECORD_PERSON_DATA,
    "api/casework/persons/<person_id>/handover": C.RECORD_PERSON_DATA,
    "api/casework/persons/<person_id>/job-search/end": C.RECORD_PERSON_DATA,
    "api/forecast/projection": C.VIEW_AGGREGATES,
    "api/forecast/backtest": C.VIEW_AGGREGATES,
    "api/forecast/impact": C.VIEW_AGGREGATES,
    "api/provision/offerings": C.VIEW_SERVICE_CATALOGUE,
    "api/provision/referrals": C.RECORD_PERSON_DATA,
    "api/provision/referrals/<referral_id>/start": C.RECORD_PERSON_DATA,
    "api/provision/referrals/<referral_id>/end": C.RECORD_PERSON_DATA,
    "api/provision/referrals/<referral_id>/close": C.RECORD_PERSON_DATA,
    "api/provision/decisions": C.RECORD_PERSON_DATA,
    "api/provision/employers": C.VIEW_SERVICE_CATALOGUE,  # POST adds one: EDIT_SERVICE_CATALOGUE
    "api/provision/kuntalisa-budget": C.VIEW_AGGREGATES,
    "api/persons/<person_id>/referrals": C.VIEW_PERSONS,
    "api/persons/<person_id>/decisions": C.VIEW_PERSONS,
    "api/exchange/imports": C.EXCHANGE_DATA,
    "api/employer-services/employers": C.EMPLOYER_SERVICES,
    "api/employer-services/employers/<employer_id>/contacts": C.EMPLOYER_SERVICES,
    "api/employer-services/vacancies": C.EMPLOYER_SERVICES,
    "api/employer-services/vacancies/<vacancy_id>": C.EMPLOYER_SERVICES,
    "api/employer-services/vacancies/<vacancy_id>/candidates": C.MATCH_CANDIDATES,
    "api/employer-services/offers": C.MATCH_CANDIDATES,
    "api/employer-services/offers/<offer_id>": C.MATCH_CANDIDATES,
    "api/employer-services/figures": C.EMPLOYER_SERVICES,
    "api/employer-services/skill-suggestions": C.EMPLOYER_SERVICES,  # also open to roles that record person data
    "api/persons/<person_id>/competence-profile": C.MATCH_CANDIDATES,  # PUT writes it: RECORD_PERSON_DATA
    "api/persons/<person_id>/vacancy-suggestions": C.MATCH_CANDIDATES,
    "api/exchange/imports/<run_id>": C.EXCHANGE_DATA,
    "api/exchange/imports/<run_id>/problems": C.EXCHANGE_DATA,
    # Municipal share, indicators, forecasts
    "kuntaosuus/": C.VIEW_AGGREGATES, "kuntaosuus/excel/": C.VIEW_AGGREGATES,
    "kuntaosuus/varoitukset/": C.VIEW_PERSONS,
    "kuntaosuus/kelan-laskut/": C.CHECK_KELA_INVOICES,
    "kuntaosuus/kelan-laskut/<int:invoice_id>/": C.CHECK_KELA_INVOICES,
    "mittarit/": C.VIEW_AGGREGATES, "mittarit/<slug:code>/": C.VIEW_AGGREGATES, "mittarit/vertailu/": C.VIEW_AGGREGATES,
    "mittarit/valtion-arviointi/": C.VIEW_AGGREGATES,
    "ennusteet/": C.VIEW_AGGREGATES, "ennusteet/excel/": C.VIEW_AGGREGATES,
    "ennusteet/sovita/": C.REFIT_FORECAST,
    "ennusteet/vaikutukset/": C.VIEW_AGGREGATES, "ennusteet/oletukset/": C.VIEW_AGGREGATES,
    # Monthly reports: aggregates (suppressed for everyone); publishing one on demand
    "raportit/": C.VIEW_AGGREGATES, "raportit/tilaus/": C.VIEW_AGGREGATES,
    "raportit/julkaise/": C.PUBLISH_REPORTS,
    "raportit/<str:scope>/<str:month>/": C.VIEW_AGGREGATES,
    "raportit/<str:scope>/<str:month>/raportti-<str:language>.<str:kind>": C.VIEW_AGGREGATES,
    # Case work
    "asiakastyo/": C.VIEW_WORKLIST,
    "asiakastyo/asiakasmaarat/": C.VIEW_CASELOAD,
    "asiakastyo/asiakasmaarat/siirrot/<int:transfer_id>/peru/": C.BALANCE_CASELOAD,
    "asiakastyo/henkilot/<uuid:person_id>/tapaaminen/": C.RECORD_PERSON_DATA,
    "asiakastyo/henkilot/<uuid:person_id>/suunnitelma/": C.RECORD_PERSON_DATA,
    "asiakastyo/henkilot/<uuid:person_id>/hakuilmoitus/": C.RECORD_PERSON_DATA,
    "asiakastyo/henkilot/<uuid:person_id>/tyonhaun-paattaminen/": C.RECORD_PERSON_DATA,
    "asiakastyo/henkilot/<uuid:person_id>/vastuuohjaaja/": C.RECORD_PERSON_DATA,
    "asiakastyo/henkilot/<uuid:person_id>/siirto/": C.RECORD_PERSON_DATA,
    # Services
    "palvelut/": C.VIEW_SERVICE_CATALOGUE,
    "palvelut/tuottajat/uusi/": C.EDIT_SERVICE_CATALOGUE,
    "palvelut/uusi/": C.EDIT_SERVICE_CATALOGUE,
    "palvelut/kuntalisa/": C.VIEW_SERVICE_CATALOGUE,
    "palvelut/tyonantajat/": C.VIEW_SERVICE_CATALOGUE,
    "palvelut/henkilot/<uuid:person_id>/ohjaus/": C.RECORD_PERSON_DATA,
    "palvelut/henkilot/<uuid:person_id>/paatos/": C.RECORD_PERSON_DATA,
    "palvelut/ohjaukset/<int:referral_id>/aloitus/": C.RECORD_PERSON_DATA,
    "palvelut/ohjaukset/<int:referral_id>/paattyminen/": C.RECORD_PERSON_DATA,
    "palvelut/ohjaukset/<int:referral_id>/peruminen/": C.RECORD_PERSON_DATA,
    # Employer services and matching
    "tyonantajapalvelut/": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyonantajat/": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyonantajat/<int:employer_id>/": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyopaikat/": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyopaikat/uusi/": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyopaikat/tuonti/": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyopaikat/tuonti/pohja.csv": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyopaikat/<int:vacancy_id>/": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyopaikat/<int:vacancy_id>/muokkaa/": C.EMPLOYER_SERVICES,
    "tyonantajapalvelut/tyopaikat/<int:vacancy_id>/tarjous/": C.MATCH_CANDIDATES,
    "tyonantajapalvelut/tyopaikat/<int:vacancy_id>/palaute/": C.MATCH_CANDIDATES,
    "tyonantajapalvelut/tarjoukset/<int:offer_id>/": C.MATCH_CANDIDATES,
    "tyonantajapalvelut/osaamisprofiilit/<uuid:person_id>/": C.MATCH_CANDIDATES,
    "tyonantajapalvelut/osaamisprofiilit/<uuid:person_id>/vienti.json": C.RECORD_PERSON_DATA,  # and MATCH_CANDIDATES
    "tyonantajapalvelut/luvut/": C.EMPLOYER_SERVICES,
    # Data exchange
    "tiedonsiirto/": C.EXCHANGE_DATA,
    "tiedonsiirto/muoto/": SIGNED_IN,  # the format's description: public knowledge
    "tiedonsiirto/muoto/esimerkit/<slug:entity>.csv": SIGNED_IN,  # synthetic sample files
    "tiedonsiirto/<uuid:run_id>/": C.EXCHANGE_DATA,
    "tiedonsiirto/<uuid:run_id>/virheet.csv": C.EXCHANGE_DATA,
    "tyot/<uuid:task_id>/tila/": SIGNED_IN,  # one's own queued job (others' answer 404)
    # Open data (aggregates for anyone; "avoin-data/" below covers the rest): the tables' build status and its progress
    "avoin-data/tila/": PUBLIC, "avoin-data/tila.json": PUBLIC,
    # Privacy
    "tietosuoja/": C.EXERCISE_SUBJECT_RIGHTS,
    "tietosuoja/rekisteroity/<uuid:person_id>/": C.EXERCISE_SUBJECT_RIGHTS,
    "tietosuoja/rekisteroity/<uuid:person_id>/tiedot.json": C.EXERCISE_SUBJECT_RIGHTS,
    "tietosuoja/sailytysajat/": C.EXERCISE_SUBJECT_RIGHTS,
    "tietosuoja/sailytysajat/ajot/<int:run_id>/": C.EXERCISE_SUBJECT_RIGHTS,
    "tietosuoja/poikkeukselliset-paasyt/": C.READ_ACCESS_LOG,
    "tietosuoja/seloste/": C.EXERCISE_SUBJECT_RIGHTS,
    "tietosuoja/seloste/seloste.json": C.EXERCISE_SUBJECT_RIGHTS,
    "tietosuoja/lokit/": C.READ_ACCESS_LOG,
    # Person pages
    "henkilot/": C.VIEW_PERSONS,
    "henkilot/<uuid:person_id>/": C.VIEW_PERSONS,
    "henkilot/<uuid:person_id>/poikkeuksellinen-paasy/": C.BREAK_GLASS,
    "henkilot/poikkeuksellinen-paasy/": C.BREAK_GLASS,
    # The client's own portal: a signed-in client only (CLIENT_GRANTS); every staff role is sent to its sign-in
    "oma/kirjaudu/": PUBLIC, "oma/kirjaudu-ulos/": PUBLIC, "oma/tunnistus/": PUBLIC, "oma/tunnistus/paluu/": PUBLIC,
    "oma/": C.USE_PORTAL, "oma/suunnitelma/": C.USE_PORTAL, "oma/hakemukset/": C.USE_PORTAL,
    "oma/itsearvio/": C.USE_PORTAL, "oma/osaaminen/": C.USE_PORTAL, "oma/ajanvaraus/": C.USE_PORTAL,
    "oma/ajanvaraus/<int:slot_id>/peru/": C.USE_PORTAL, "oma/suostumukset/": C.USE_PORTAL,
    "oma/suostumukset/<int:consent_id>/peru/": C.USE_PORTAL, "oma/viestit/": C.USE_PORTAL,
    "oma/kuka-katsoi/": C.USE_PORTAL, "oma/kuka-katsoi/tarkastuspyynto/": C.USE_PORTAL,
    "oma/palaute/<int:invitation_id>/": C.USE_PORTAL,
    # Staff pages about the portal
    "asiakasportaali/vapaat-ajat/": C.PUBLISH_FREE_TIMES,
    "asiakasportaali/vaikuttavuus/": C.VIEW_AGGREGATES,
    "asiakasportaali/suostumukset/": C.READ_CONSENT_RECORDS,
    "asiakasportaali/henkilot/<uuid:person_id>/viesti/": C.RECORD_PERSON_DATA,
    "asiakasportaali/henkilot/<uuid:person_id>/luovutus/": C.RECORD_PERSON_DATA,
    "asiakasportaali/henkilot/<uuid:person_id>/ohjaus/": C.RECORD_PERSON_DATA,
    "asiakasportaali/ohjaukset/<int:agency_referral_id>/tila/": C.RECORD_PERSON_DATA,
    "asiakasportaali/henkilot/<uuid:person_id>/itsearvio/": C.RECORD_PERSON_DATA,
    "asiakasportaali/ohjaukset/<int:agency_referral_id>/yhteistapaaminen/": C.RECORD_PERSON_DATA,
}
# The Django admin's pages, all of them: administrators only (its sign-in and sign-out pages are for anyone); open
# data: aggregates for anyone without sign-in (suppressed as for elected officials).
PREFIX_CAPABILITIES: dict[str, Capability | str] = {"admin/": C.ADMINISTER, "yllapito/": C.ADMINISTER, "api/v1/": PUBLIC,
                                                   "avoin-data/": PUBLIC}
ROUTE_CAPABILITIES |= {"admin/login/": PUBLIC, "admin/logout/": SIGNED_IN}
# Not requested by the walk: signing out ends the session the walk uses.
NOT_REQUESTED = {"kirjaudu-ulos/", "admin/logout/", "oidc/logout/", "oidc/callback/", "oidc/authenticate/",
                 "oma/kirjaudu-ulos/", "oma/tunnistus/", "oma/tunnistus/paluu/"}
ROLE_AREAS: dict[Role, str | None] = {Role.DPO: None, Role.ADMIN: None}


def declared(route: str) -> Capability | str | None:
    if route in ROUTE_CAPABILITIES:
        return ROUTE_CAPABILITIES[route]
    return next((cap for prefix, cap in PREFIX_CAPABILITIES.items() if route.startswith(prefix)), None)


def test_every_route_declares_its_capability() -> None:
    undeclared = [route for route, _ in routes() if declared(route) is None]
    assert undeclared == [], f"routes without a declared capability (add them to ROUTE_CAPABILITIES): {undeclared}"
    stale = sorted(set(ROUTE_CAPABILITIES) - {route for route, _ in routes()} - {"admin/login/", "admin/logout/"})
    assert stale == [], f"declared routes that no longer exist: {stale}"


def refused(response: Any) -> bool:
    if response.status_code in {401, 403}:
        return True
    location = response.get("Location", "") if response.status_code in {301, 302} else ""
    return "kirjaudu" in location or "/admin/login/" in location


def answers(client: Client, route: str, url: str) -> list[tuple[str, Any]]:
    """The (method, response) pairs the walk checks for one route."""
    if route.startswith("api/"):
        return [("GET", client.get(url))] if "GET" in api_methods().get(route, {"GET"}) else []
    response = client.get(url)
    if response.status_code == 405:
        return [("POST", client.post(url, {}))]
    return [("GET", response)]


def test_every_roles_answer_agrees_with_the_matrix(scene: Scene, make_staff: Any) -> None:
    team = "Loki"  # the fixture person's team (the scene's counsellor)
    staff = {role: make_staff(role, area=ROLE_AREAS.get(role, "kuopio"),
                              team=team if role in {Role.COUNSELLOR, Role.TEAM_LEAD} else None) for role in Role}
    retention = new_run(user=staff[Role.DPO].user, reference_date=date(2025, 1, 1), dry_run=True,
                        channel=AccessChannel.WEB, actor="dpo")
    disagreements: list[str] = []
    closed_to_all: set[str] = set()
    checked = 0
    for role, profile in sorted(staff.items(), key=lambda item: item[0] != Role.ADMIN):  # the administrator first
        client = Client()
        client.force_login(profile.user)
        for route, _ in routes():
            capability = declared(route)
            url = fill(route, scene)
            if route == "tietosuoja/sailytysajat/ajot/<int:run_id>/":
                url = f"/tietosuoja/sailytysajat/ajot/{retention.pk}/"  # the scene's run_id is an exchange run's
            if url is None or capability == PUBLIC or route in NOT_REQUESTED:
                continue
            expected = (capability == SIGNED_IN or Capability(str(capability)) in GRANTS[role]) and url not in closed_to_all
            for method, response in answers(client, route, url):
                checked += 1
                assert response.status_code < 500, f"{role} {method} {url}: {response.status_code}"
                if expected and refused(response) and route.startswith("admin/") and role == Role.ADMIN:
                    closed_to_all.add(url)  # an admin page no one may use (adding to a log, deleting a decision)
                elif refused(response) == expected:
                    disagreements.append(f"{role.value} {method} {url} ({capability}): {response.status_code}, "
                                         f"matrix says {'allowed' if expected else 'refused'}")
    assert disagreements == [], "\n" + "\n".join(disagreements)
    assert checked > 8 * 60


def test_committed_matrix_matches_the_registry() -> None:
    out = io.StringIO()
    call_command("permissions_doc", "--check", stdout=out)  # exits 1 (SystemExit) when stale
    assert "ajan tasalla" in out.getvalue()
    text = (Path(settings.BASE_DIR) / "docs" / permissions_doc.DOC_NAME).read_text(encoding="utf-8")
    assert all(f"`{capability.value}`" in text for capability in Capability)
    assert all(str(role.label) in text for role in Role)
