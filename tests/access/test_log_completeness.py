"""Issue 19, finding 3: every route and command that shows a person's data writes the access log.

The walk takes every URL route from the resolver (and, for the API, every method its OpenAPI document declares),
fills its path parameters from one fixture person's data, and requests it as an administrator (who may see
everyone). A response that shows the person — their id or their distinctive surname — must have left an access-log
row against them; a new route that shows persons without logging fails here with its name. The same walk as a
manager of another area must show nothing of the person, and every route about the person must have logged the
refused attempt.

Commands are walked the same way from Django's command registry: each is either run against the fixture person
and must log (with the operator and the OS account), or is listed with the reason it reads no one's data; a new
command in neither list fails the test.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from polku.access.models import AccessAction, AccessLog, Role, StaffProfile
from polku.api.api import api
from polku.casework import services as casework
from polku.employer_services import services as matching
from polku.exchange.services import export_now
from polku.municipal_share.invoices import invoice_import
from polku.open_data import builds
from polku.people.models import Person
from polku.portal import referrals
from polku.portal import services as portal
from polku.provision import services as provision
from polku.timeline import services as timeline
from polku.timeline.models import BenefitMonth, HomeMunicipalitySpell, JobSearchPeriod, StatusSpell
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db

SURNAME = "Lokijäljitettävä"
HEADER = "Henkilötunnus;Etuuskuukausi;Etuus;Maksetut päivät;Kertymäpäivät;Maksettu €;Kuntaosuus %;Kuntaosuus €"


@dataclass
class Scene:
    admin: StaffProfile
    outsider: StaffProfile
    person: Person
    code: str
    params: dict[str, str]


@pytest.fixture
def scene(make_staff: Any, make_person: Any, tmp_path: Path) -> Scene:
    admin = make_staff(Role.ADMIN, area=None)
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Loki")
    code = next_artificial_id(date(1980, 2, 2))
    person = make_person(personal_id_code=code, first_names="Testi", last_name=SURNAME, municipality="297",
                         team_id=counsellor.team_id)
    for month in (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)):
        timeline.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=20,
                                      amount=Decimal("744.20"))
    period = timeline.job_search_open(person=person, registered_on=date(2025, 1, 2))
    status = timeline.status_spell_record(person=person, status="unemployed", start_date=date(2025, 1, 2))
    provider = provision.provider_create(name="Lokin Paja ry", kind="third_sector", area_code="kuopio",
                                         business_id="15728600")
    offering = provision.offering_create(provider=provider, service_type="work_trial", name="Työkokeilu",
                                         capacity=5, available_from=date(2025, 1, 1), available_to=date(2030, 12, 31))
    referral = provision.referral_create(person=person, offering=offering, referred_on=date(2025, 6, 1),
                                         actor=admin.user)
    decision = provision.decision_create(person=person, kind="start_up_grant", monthly_amount=Decimal("700"), months=6,
                                         start_date=date(2025, 7, 1), decided_on=date(2025, 6, 15), actor=admin.user)
    invoice = invoice_import(data=f"{HEADER}\n{code};2025-03;työmarkkinatuki;20;60;744,20;0;0,00\n".encode(),
                             file_name="lasku.csv", municipality="297", invoice_month=date(2025, 3, 1),
                             user=admin.user)
    run, _ = export_now(user=admin.user, out_dir=tmp_path / "vienti", scope_code="kuopio")
    employer = matching.employer_register(
        actor=admin.user, name="Lokin Logistiikka Oy", business_id="1572860-0", kind="company",
        municipality_code="297", details=matching.EmployerDetails(), today=date(2025, 6, 1))
    vacancy = matching.vacancy_create(actor=admin.user, employer=employer,
                                      data=matching.VacancyInput(title="Varastotyöntekijä", municipality_code="297"))
    matching.profile_save(actor=admin.user, person=person, data=matching.ProfileInput(languages=({"code": "fi", "level": 7},)))
    offer = matching.offer_send(actor=admin.user, vacancy=vacancy, person=person, binding=False,
                                offered_on=date(2025, 6, 2))
    # the multi-agency work: a referral to TYP on the client's consent, with the plan it carries
    casework.plan_save(person=person, data=casework.PlanInput(drawn_up_on=date(2025, 1, 10), valid_until=date(2030, 1, 10),
                                                              agreed_actions="Hae töitä", applications_required=4),
                       based_on_version=None, actor=counsellor.user)
    portal.give_consent(person=person, purpose="share_plan", recipient="typ", actor=None)
    agency_referral = referrals.refer(person=person, recipient="typ", reason="Palvelutarpeen arvio", actor=admin.user)
    AccessLog.objects.all().delete()  # what the set-up itself logged is not what the walk checks
    home = HomeMunicipalitySpell.objects.get(person=person)
    params = {
        "person_id": str(person.pk), "invoice_id": str(invoice.invoice.pk), "referral_id": str(referral.pk),
        "run_id": str(run.pk), "period_id": str(period.pk), "row_id": str(BenefitMonth.objects.filter(
            person=person).first().pk),  # type: ignore[union-attr]
        "status_spell_id": str(status.pk), "home_spell_id": str(home.pk), "code": "unemployed_job_seekers",
        "entity": "persons", "task_id": "00000000-0000-0000-0000-000000000000",
        "referral": str(referral.pk), "decision": str(decision.pk), "counsellor": counsellor.user.get_username(),
        # open data (aggregates without login): a language, a table, a download
        "lang": "fi", "table": "polku_tyonhakijat.px", "slug": "tyonhakijat",
        # employer services: an employer of the Kuopio area, its vacancy, and a job offer to the person
        "employer_id": str(employer.pk), "vacancy_id": str(vacancy.pk), "offer_id": str(offer.pk),
        # the client portal: ids of the client's own rows (a staff walk is sent to the portal's sign-in)
        "slot_id": "1", "consent_id": "1", "invitation_id": "1",
        # case work: a caseload transfer (undone by POST only)
        "transfer_id": "1", "agency_referral_id": str(agency_referral.pk),
        # monthly reports (aggregates): a scope, a month, a document
        "scope": "kuopio", "month": "2025-03", "language": "fi", "kind": "pdf",
    }
    return Scene(admin=admin, outsider=make_staff(Role.MANAGER, area="kainuu-trial"), person=person, code=code,
                 params=params)


# --- routes ---------------------------------------------------------------------------------------------------------


def routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def api_methods() -> dict[str, set[str]]:
    """Methods of each API route, from the OpenAPI document (``/api/persons/{person_id}`` → ``api/persons/<person_id>``)."""
    paths = api.get_openapi_schema()["paths"]
    return {path.lstrip("/").replace("{", "<").replace("}", ">"): {m.upper() for m in methods}
            for path, methods in paths.items()}


# Admin object pages take the object of their model; everything else by the parameter's name.
ADMIN_OBJECTS = {"provision/referral": "referral", "provision/decision": "decision"}
# The access log's own pages list person ids from the log (who read whom), not a person's data; logging their reading
# would log the log.
LOG_PAGES = {"tietosuoja/lokit/", "admin/access/accesslog/"}
# Routes that need more than their path to show anything; the rest are requested bare.
QUERIES = {"api/persons": {"search": SURNAME}, "henkilot/": {"q": SURNAME}, "haku/": {"q": SURNAME}}


def fill(route: str, scene: Scene) -> str | None:
    """The route as a URL about the fixture person's data, or None when it takes nothing the scene has."""
    if "(?P<" in route or route.startswith("admin/r/"):
        return None  # the admin's regex catch-alls and content-type redirect show no data of their own
    values = dict(scene.params)
    if "status-spells/<spell_id>" in route:
        values["spell_id"] = scene.params["status_spell_id"]
    if "home-municipalities/<spell_id>" in route:
        values["spell_id"] = scene.params["home_spell_id"]
    if route.startswith("api/<kind>/"):
        values.update(kind="job-search-periods", fact_id=scene.params["period_id"])
    if route.startswith("admin/") and "<" in route:
        model = next((scene.params[name] for prefix, name in ADMIN_OBJECTS.items() if f"admin/{prefix}/" in route), None)
        if model is None:
            return None  # an admin page of one row of a model without person data (users, reference data)
        values["object_id"] = model
    url = route
    while "<" in url:
        start, end = url.index("<"), url.index(">")
        name = url[start + 1:end].split(":")[-1]
        if name not in values:
            raise AssertionError(f"The log walk cannot fill <{name}> of route {route!r}: add it to the scene.")
        url = url[:start] + values[name] + url[end + 1:]
    return "/" + url


def shows(response: Any, scene: Scene, url: str) -> bool:
    """Does the answer show the person: their surname, or their id where the address did not already carry it (a
    refusal page repeats its own address, in the language switch's return path)."""
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    text = body.decode("utf-8", errors="ignore")
    return SURNAME in text or (str(scene.person.pk) in text and str(scene.person.pk) not in url)


def walk(scene: Scene, client: Client, *, refused: bool = False) -> list[tuple[str, str, int, bool, int]]:
    """(method, url, status, shows the person, log rows against them written by that request) for every route."""
    methods = api_methods()
    seen: list[tuple[str, str, int, bool, int]] = []
    for route, _ in routes():
        url = fill(route, scene)
        if url is None or route in {"kirjaudu-ulos/", "admin/logout/", "i18n/setlang/"} | LOG_PAGES:
            continue  # signing out or switching language shows no one; the log pages see LOG_PAGES
        for method in sorted(methods.get(route, {"GET"})):
            before = AccessLog.objects.filter(person_id=scene.person.pk).count()
            if method == "GET":
                response = client.get(url, {} if refused else QUERIES.get(route, {}))
            else:
                response = client.generic(method, url, "{}", content_type="application/json")
            after = AccessLog.objects.filter(person_id=scene.person.pk).count()
            seen.append((method, url, response.status_code, shows(response, scene, url if refused else ""), after - before))
    return seen


def test_every_route_that_shows_a_person_logs_it(scene: Scene) -> None:
    builds.build_now()  # the open tables, as the worker builds them, so their routes answer with figures
    client = Client()
    client.force_login(scene.admin.user)
    seen = walk(scene, client)
    showing = [(m, u) for m, u, _, shown, _ in seen if shown]
    unlogged = [(m, u, s) for m, u, s, shown, logged in seen if shown and not logged]
    assert not [(m, u, s) for m, u, s, _, _ in seen if s >= 500], "server errors in the walk"
    assert unlogged == [], f"{len(unlogged)} of {len(showing)} routes show the person without an access-log row"
    # The walk reaches the pages the issue named: the admin's record and list pages, and the client record.
    urls = {u for _, u in showing}
    assert f"/admin/provision/referral/{scene.params['referral']}/change/" in urls
    assert f"/admin/provision/decision/{scene.params['decision']}/change/" in urls
    assert f"/henkilot/{scene.person.pk}/" in urls
    # The open tables' build status and its progress (public, counts only) are walked too and show no one.
    walked = {u for _, u, _, _, _ in seen}
    assert {"/avoin-data/tila/", "/avoin-data/tila.json"} <= walked
    assert not {"/avoin-data/tila/", "/avoin-data/tila.json"} & urls
    assert len(showing) >= 20, showing
    print(f"\nloki: {len(showing) - len(unlogged)} / {len(showing)} henkilön näyttävää reittiä kirjaa lokin "  # noqa: T201
          f"({len(seen)} pyyntöä)")


def test_refused_attempts_show_nothing_and_are_logged(scene: Scene) -> None:
    """A manager of another area walks the same routes: nothing of the person, and each attempt at a route about
    the person (its id in the path) leaves an ``access_refused`` row — an attempt is an event too."""
    client = Client()
    client.force_login(scene.outsider.user)
    seen = walk(scene, client, refused=True)
    assert [(m, u) for m, u, _, shown, _ in seen if shown] == []
    about_person = [(m, u, logged) for m, u, s, _, logged in seen
                    if str(scene.person.pk) in u and s in {403, 404} and m == "GET"]
    assert about_person
    assert [(m, u, logged) for m, u, logged in about_person if not logged] == []
    assert set(AccessLog.objects.filter(person_id=scene.person.pk).values_list("action", flat=True)) == {
        AccessAction.ACCESS_REFUSED}


def test_identity_code_lookup_redirect_is_logged(scene: Scene) -> None:
    client = Client()
    client.force_login(scene.admin.user)
    response = client.post("/henkilot/", {"personal_id": scene.code})
    assert response.status_code == 302
    assert list(AccessLog.objects.filter(person_id=scene.person.pk).values_list("action", flat=True)) == [
        AccessAction.PERSON_LOOKUP]
    outsider = Client()
    outsider.force_login(scene.outsider.user)
    assert outsider.post("/henkilot/", {"personal_id": scene.code}).status_code == 400
    assert AccessLog.objects.filter(person_id=scene.person.pk, action=AccessAction.ACCESS_REFUSED,
                                    user=scene.outsider.user).count() == 1
    api_answer = outsider.post("/api/persons/lookup", {"personal_id": scene.code}, content_type="application/json")
    assert api_answer.status_code == 404
    assert AccessLog.objects.filter(person_id=scene.person.pk, action=AccessAction.ACCESS_REFUSED,
                                    user=scene.outsider.user).count() == 2


def test_kela_invoice_upload_logs_the_person(scene: Scene) -> None:
    client = Client()
    client.force_login(scene.admin.user)
    data = f"{HEADER}\n{scene.code};2025-03;työmarkkinatuki;21;61;781,41;0;0,00\n".encode()
    response = client.post("/api/kela-invoices", {"municipality": "297", "month": "2025-03",
                                                  "file": SimpleUploadedFile("toinen.csv", data, "text/csv")})
    assert response.status_code == 201
    assert AccessLog.objects.filter(person_id=scene.person.pk, action=AccessAction.KELA_INVOICE_CHECK).exists()


# --- commands -------------------------------------------------------------------------------------------------------

# Commands that read no one's data, each with the reason. A new command must join this list or the runs below.
NO_PERSON_DATA = {
    "demo_setup": "creates the demo's synthetic users and simulated persons; reads no one's data",
    "simulate": "generates synthetic persons (artificial identity codes) into files or the database",
    "exchange_docs": "writes the format's documentation",
    "permissions_doc": "writes the permission matrix from the access policy",
    "forecast": "area-level forecasts; person facts are read only into aggregates",
    "impact": "area-level economic impact; aggregates only",
    "kpi": "indicators; aggregates only (suppressed small cells)",
    "programme": "programme goals and indicators; aggregates only",
    "monthly_report": "the council's monthly report; aggregates only (suppressed small cells)",
    "share": "municipal share per municipality and month; aggregates only",
    "share_breakdown": "municipal share by dimension; aggregates only",
    "share_rules": "the rule book and its confirmation",
    "kela_statistics": "Kela's open statistics per municipality and month",
    "pxweb": "public statistics",
    "labour_force": "public population statistics",
    "population": "public population statistics",
    "load_reference": "reference data (municipalities, areas, catalogues)",
    "worker": "runs queued jobs, each of which logs as the user who queued it (imports, exports)",
    "due_items": "rebuilds the worklists' due-items table or tells its day; shows no one's data",
    "restore": "writes a backup back into an empty database (the access log with it); shows no one's data",
    "rotate_keys": "re-encrypts identity codes in place with the new key; nothing is shown or written out",
    "serve_production": "starts the web server and the worker, which log as the routes and jobs do",
    "demo_identity_provider": "the demo's OpenID Connect test provider: staff sign-in only, no person data",
}
# Django's and the libraries' own commands: schema, static files, sessions, the server, users. ``dumpdata``, ``shell``
# and ``dbshell`` are Polku's wrappers and are run below.
FRAMEWORK = {"django.core", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
             "django.contrib.staticfiles", "django_tasks", "django_tasks_db", "ninja", "axes"}


def command(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    finally:
        sys.stdin = old
    return out.getvalue()


def person_commands(scene: Scene, tmp_path: Path) -> dict[str, list[tuple[list[str], str]]]:
    """Each command that reads or writes persons: (arguments without --user, stdin) runs against the fixture."""
    person = str(scene.person.pk)
    status = scene.params["status_spell_id"]
    invoice_file = tmp_path / "lasku.csv"
    invoice_file.write_bytes(f"{HEADER}\n{scene.code};2025-03;työmarkkinatuki;20;60;744,20;0;0,00\r\n".encode())
    return {
        "person": [(["person", "show", "--person", person], "")],
        "worklist": [(["worklist", "--counsellor", scene.params["counsellor"], "--scope", "area"], "")],
        "home": [],  # the same PersonFactCommand.person() gate as benefit; a second home would overlap the fixture's
        "spell": [(["spell", "correct", "--id", status, "--status", "unemployed", "--start", "2025-01-03",
                    "--reason", "loki"], "")],
        "benefit": [(["benefit", "add", "--person", person, "--month", "2025-04", "--type", "labour_market_subsidy",
                      "--days", "20", "--amount", "744,20"], "")],
        "jobsearch": [(["jobsearch", "end", "--id", scene.params["period_id"], "--date", "2025-05-01", "--reason",
                        "open_market_job"], "")],
        "kela_invoice": [(["kela_invoice", "show", "--id", scene.params["invoice_id"]], ""),
                         (["kela_invoice", "import", str(invoice_file), "--municipality", "297", "--month", "2025-03"],
                          "")],
        "export": [(["export", "--out", str(tmp_path / "out"), "--scope", "kuopio"], "")],
        "import": [],  # reads files into persons: logged as one event per run, covered by the exchange tests
        "dumpdata": [(["dumpdata", "people", "--output", str(tmp_path / "dump.json")], "")],
        "backup": [(["backup", str(tmp_path / "backup.json.gz")], "")],
        "shell": [(["shell", "-c", "pass"], "")],
        "dbshell": [],  # needs the database's own client program; the operator check is run below
        "subject_access": [(["subject_access", person, "--out", str(tmp_path / "rekisteroity.json")], ""),
                           (["subject_access", "-", "--out", str(tmp_path / "rekisteroity2.json")], scene.code + "\n")],
        "retention_run": [(["retention_run", "--dry-run", "--date", "2026-01-01"], "")],
    }


def test_every_command_is_classified(scene: Scene, tmp_path: Path) -> None:
    runs = person_commands(scene, tmp_path)
    ours = {name for name, app in get_commands().items() if app not in FRAMEWORK}
    ours |= {"dumpdata", "shell", "dbshell"}
    unclassified = sorted(ours - set(NO_PERSON_DATA) - set(runs))
    assert unclassified == [], f"commands neither run by the log walk nor listed as reading no one: {unclassified}"
    assert get_commands()["dumpdata"] == get_commands()["shell"] == get_commands()["dbshell"] == "polku.cli"


def test_every_person_command_logs_its_operator(scene: Scene, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("polku.access.services.os_user", lambda: "ajaja")
    runs = person_commands(scene, tmp_path)
    operator = scene.admin.user.get_username()
    ran = 0
    for name, invocations in runs.items():
        for args, stdin in invocations:
            before = AccessLog.objects.count()
            command(*[a.replace("{user}", operator) for a in args], "--user", operator, stdin=stdin)
            rows = list(AccessLog.objects.order_by("id")[before:].values_list("channel", "actor", "person_id"))
            assert rows, f"{name} {args[1:2]} wrote no access-log row"
            assert {(channel, actor) for channel, actor, _ in rows} == {("cli", f"{operator} (os:ajaja)")}, name
            assert any(pid in {scene.person.pk, None} or name == "export" for _, _, pid in rows), name
            ran += 1
    print(f"\nkomennot: {ran} / {ran} henkilötietoja lukevaa ajoa kirjaa lokin")  # noqa: T201 - the figure, with -s


@pytest.mark.parametrize("name", ["person", "worklist", "kela_invoice", "export", "dumpdata", "backup", "shell",
                                  "dbshell"])
def test_commands_refuse_an_operator_taken_on_trust(scene: Scene, tmp_path: Path, name: str, make_staff: Any) -> None:
    """``--user`` named an account and was believed: any existing username would do. Now the operator is an
    existing, active staff user (or a named system account), and a refused one is logged."""
    args = {"person": ["person", "show", "--person", str(scene.person.pk)],
            "worklist": ["worklist", "--counsellor", scene.admin.user.get_username()],
            "kela_invoice": ["kela_invoice", "show", "--id", scene.params["invoice_id"]],
            "export": ["export", "--out", str(tmp_path)], "dumpdata": ["dumpdata", "people"],
            "backup": ["backup", str(tmp_path / "varmuuskopio.json.gz")],
            "shell": ["shell", "-c", "pass"], "dbshell": ["dbshell"]}[name]
    nobody = get_user_model().objects.create_user(username="ei-henkilostoa", password=None)
    gone = make_staff(Role.ADMIN, area=None).user
    gone.is_active = False
    gone.save()
    for user, reason in (("ei-ketaan", "tuntematon"), (nobody.get_username(), "henkilöstöroolia"),
                         (gone.get_username(), "ei ole voimassa")):
        with pytest.raises(CommandError, match=reason):
            command(*args, "--user", user)
    refused = AccessLog.objects.filter(action=AccessAction.OPERATOR_REFUSED)
    assert refused.count() == 3
    assert not AccessLog.objects.exclude(action=AccessAction.OPERATOR_REFUSED).exists()


def test_maintenance_commands_need_an_administrator_or_a_system_account(scene: Scene, make_staff: Any,
                                                                        settings: Any, tmp_path: Path) -> None:
    manager = make_staff(Role.MANAGER, area="kuopio").user.get_username()
    for args in (["dumpdata", "people"], ["shell", "-c", "pass"], ["dbshell"], ["backup", str(tmp_path / "v.json.gz")]):
        with pytest.raises(CommandError, match="pääkäyttäjän"):
            command(*args, "--user", manager)
    backup = get_user_model().objects.create_user(username="varmuuskopio", password=None)
    settings.POLKU_SYSTEM_ACCOUNTS = frozenset({"varmuuskopio"})
    command("dumpdata", "timeline.benefitmonth", "--output", str(tmp_path / "b.json"), "--user", "varmuuskopio")
    rows = AccessLog.objects.filter(user=backup, action=AccessAction.CLI_DUMPDATA)
    assert set(rows.values_list("person_id", flat=True)) == {scene.person.pk}
    assert SURNAME not in (tmp_path / "b.json").read_text()  # benefit rows only: the dump named the person by id
    assert JobSearchPeriod.objects.filter(person=scene.person).exists()
    assert StatusSpell.objects.filter(person=scene.person).exists()
