"""``polku demo_setup``: the demo's data and users (run by ``make demo``; safe to run again).

Simulates the ``sotkamo-2021`` and ``kuopio-area-2023`` profiles into the database unless
already there, creates one demo user per role and prints their credentials. Demo passwords
are public: never run this against a production database.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from polku.access.demo_identity import ensure_demo_groups
from polku.access.models import Role, StaffProfile, Team
from polku.access.services import staff_create
from polku.people.models import Person
from polku.reference.models import EmploymentArea
from polku.timeline.models import HomeMunicipalitySpell

DEMO_PROFILES = ("sotkamo-2021", "kuopio-area-2023")
SOTKAMO_TEAM = ("kainuu", "Sotkamo")

# username, role, area, team — passwords are "polku-" + username.
DEMO_USERS: list[tuple[str, str, str | None, tuple[str, str] | None]] = [
    ("ohjaaja", Role.COUNSELLOR, "kuopio", ("kuopio", "Alkupalvelu")),
    ("ohjaaja.sotkamo", Role.COUNSELLOR, "kainuu", SOTKAMO_TEAM),
    ("tiiminvetaja", Role.TEAM_LEAD, "kainuu", SOTKAMO_TEAM),
    ("paallikko", Role.MANAGER, "kuopio", None),
    ("suunnittelija", Role.ANALYST, "kuopio", None),
    ("valtuutettu", Role.ELECTED_OFFICIAL, "kuopio", None),
    ("tietosuoja", Role.DPO, None, None),
    ("tietopalvelu", Role.DATA_STEWARD, "kuopio", None),
    ("duuniagentti", Role.JOB_AGENT, "kuopio", None),
    ("admin", Role.ADMIN, None, None),
]


def demo_password(username: str) -> str:
    return f"polku-{username}"


class Command(BaseCommand):
    help = "Simulate the demo municipalities (once) and create one demo user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-simulation", action="store_true", help="Only create the demo users.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_simulation"]:
            self._simulate(options)
        self._assign_sotkamo_team()
        self._management_data()
        self._users()
        if not options["no_simulation"]:
            self._kela_example()
            self._casework()
        self._portal()
        self._due_items()
        self._open_data()
        self._statistics()

    def _simulate(self, options: dict[str, Any]) -> None:
        from polku.simulator import writers

        for name in DEMO_PROFILES:
            if writers.profile_loaded(name):
                self.stdout.write(f"Profiili {name} on jo tietokannassa.")
                continue
            self.stdout.write(f"Simuloidaan {name} …")
            counts = writers.simulate_into_database(name, seed=options["seed"], progress=not options["no_progress"])
            self.stdout.write("  " + ", ".join(f"{key} {value}" for key, value in counts.items()))

    def _management_data(self) -> None:
        """Inputs of knowledge-based management: the labour force series the simulator was calibrated
        with, the demo municipalities' residents (synthetic, marked so: for the figures per resident), the employment
        programmes, and example public statistics (PxWeb fixtures)."""
        from pathlib import Path

        from polku.kpi.programme import programme_import
        from polku.public_statistics.services import pxweb_import
        from polku.reference.services import labour_force_import, population_import

        root = Path(__file__).resolve().parents[3]
        labour_force_import((root / "simulator" / "data" / "labour_force_synthetic.csv").read_bytes())
        population_import((root / "simulator" / "data" / "resident_population_synthetic.csv").read_bytes())
        for path in sorted((root / "kpi" / "data" / "programmes").glob("*.json")):
            programme_import(path.read_bytes())
        for path in sorted((root / "public_statistics" / "fixtures").glob("*.json")):
            pxweb_import(path.read_bytes(), file_name=path.name)
        self.stdout.write("Työvoimasarja, asukasluvut, työllisyysohjelmat ja esimerkkitilastot tuotu.")

    def _statistics(self) -> None:
        """PostgreSQL's planner statistics for every table the demo filled (sampled; a second or two). The demo's bulk
        writes would otherwise be planned on the empty tables' statistics until autovacuum came round."""
        from django.db import connection

        from polku.core.bulk import analyze_tables

        analyze_tables(connection.introspection.table_names())

    def _kela_example(self) -> None:
        """Kela's published municipal shares as a labelled example file (the share page's comparison and the € per
        resident yardstick have figures to show; every page says they are an example)."""
        from polku.municipal_share.management.demo_kela import seed_kela_example

        stored = seed_kela_example(get_user_model().objects.get(username="admin"))
        self.stdout.write(f"Kelan tilaston esimerkkiaineisto: {stored} lukua.")

    def _casework(self) -> None:
        """Teams, counsellors (about 75 clients each), meetings, plans and reports for today's open job seekers."""
        from polku.casework.demo import TeamPlan, simulate_casework

        for area, municipalities, plan, first in (
            ("kainuu", ["765"], TeamPlan(single_team=SOTKAMO_TEAM[1]), "ohjaaja.sotkamo"),
            ("kuopio", None, TeamPlan(), "ohjaaja"),
        ):
            counts = simulate_casework(area, municipalities=municipalities, team_plan=plan, first_counsellor=first,
                                       fresh=12, progress=lambda line: self.stdout.write("  " + line))
            self.stdout.write(f"Asiakastyö {area}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        from polku.provision.demo import seed_participations, seed_provision

        counts = seed_provision()
        self.stdout.write("Palveluvalikoima ja päätökset: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        counts = seed_participations()
        self.stdout.write("Osallistumiset (täyttöaste): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        from polku.employer_services.demo import seed_employer_services

        counts = seed_employer_services()
        self.stdout.write("Työnantajapalvelut: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    def _due_items(self) -> None:
        """The worklists' due-items table for today (the worker rebuilds it daily after this)."""
        from polku.casework.due_table import rebuild

        self.stdout.write(f"Työlistojen tehtävätaulu: {rebuild()} asiakasta.")

    def _open_data(self) -> None:
        """The open tables are built by the worker (``make demo`` starts it): queued now, not after its first minute."""
        from polku.open_data.builds import queue_build

        queued = queue_build()
        self.stdout.write("Avoimen datan taulukot: " + ("rakennus jonossa, taustatyö tekee sen." if queued is not None
                                                         else "ajan tasalla tai jo jonossa."))

    def _portal(self) -> None:
        """The job seeker's portal: demo clients who sign in through the demo identity provider."""
        from polku.portal.demo import seed_portal

        counts = seed_portal()
        self.stdout.write("Oma asiointi: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        self.stdout.write("Asiakkaan oma asiointi: http://127.0.0.1:8000/oma/ → Tunnistaudu → demon tunnistuspalvelussa "
                          "asiakas-0001 (Aino Asiakas) tai asiakas-0002 (Onni Osallinen).")

    @transaction.atomic
    def _assign_sotkamo_team(self) -> None:
        """Today's Sotkamo residents among the simulated clients join the Sotkamo team (team-scoped demo users)."""
        area = EmploymentArea.objects.get(code=SOTKAMO_TEAM[0])
        team, _ = Team.objects.get_or_create(area=area, name=SOTKAMO_TEAM[1])
        today = timezone.localdate()
        in_sotkamo = HomeMunicipalitySpell.objects.current().filter(
            municipality_id="765", start_date__lte=today,
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        Person.objects.filter(pk__in=in_sotkamo.values("person_id"), team__isnull=True).update(team=team)

    def _users(self) -> None:
        user_model = get_user_model()
        lines = []
        for username, role, area, team in DEMO_USERS:
            if not user_model.objects.filter(username=username).exists():
                staff_create(username=username, password=demo_password(username), role=role, area_code=area,
                             team_name=team[1] if team else None)
            else:  # an older demo database: bring the demo user's scope up to date
                area_row = EmploymentArea.objects.get(code=area) if area else None
                StaffProfile.objects.filter(user__username=username).update(
                    role=role, area=area_row,
                    team=Team.objects.get_or_create(area=area_row, name=team[1])[0] if (team and area_row) else None,
                )
            profile = StaffProfile.objects.select_related("area", "team").get(user__username=username)
            scope = profile.team.name if profile.team else (profile.area.name_fi if profile.area else "koko maa")
            lines.append(f"  {username:<17} {demo_password(username):<24} {Role(role).label} – {scope}")
        ensure_demo_groups()
        self.stdout.write("\nDemokäyttäjät (käyttäjätunnus, salasana, rooli – näkyvyys):")
        self.stdout.write("\n".join(lines))
        self.stdout.write("\nAvaa http://127.0.0.1:8000/ ja kirjaudu sisään. Tietopalvelu voi tuoda esimerkkiaineiston "
                          "polku/exchange/samples/ sivulla /tiedonsiirto/.\n"
                          "Kirjautumissivun 'Kirjaudu organisaation tunnuksella' vie demon tunnistuspalveluun "
                          "(make serve käynnistää sen), jossa valitaan käyttäjä: kuopio-0001 (Sanna Saarinen, ohjaaja), "
                          "kuopio-0002 (Jukka Heikkinen, palvelupäällikkö), kuopio-0003 (Leena Laine, "
                          "tietosuojavastaava) tai kuopio-0099 (Ville Virtanen, ei Polun käyttöoikeutta).\n")
