"""``polku`` fact commands: same rules, same field-named errors, access-logged, nothing half-written."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from polku.access.models import AccessLog, Role
from polku.people.models import Person
from polku.timeline.models import BenefitMonth, StatusSpell
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: str = "") -> dict:
    out = io.StringIO()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, "--json", stdout=out)
    finally:
        sys.stdin = old
    return json.loads(out.getvalue())


@pytest.fixture
def counsellor(make_staff):
    return make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu").user.username  # new clients join the team


def add_person(user: str, code: str | None = None, municipality: str = "297") -> str:
    return run("person", "add", "--user", user, "--personal-id-stdin", "--first-names", "Väinö", "--last-name",
               "Virtanen", "--municipality", municipality, "--since", "2022-01-01",
               stdin=(code or next_artificial_id()) + "\n")["id"]


def test_person_add_and_show(counsellor: str) -> None:
    person_id = add_person(counsellor)
    run("spell", "add", "--user", counsellor, "--person", person_id, "--status", "unemployed", "--start", "2024-01-02")
    run("benefit", "add", "--user", counsellor, "--person", person_id, "--month", "2024-01", "--type",
        "basic_allowance", "--days", "22", "--amount", "818,62")
    shown = run("person", "show", "--user", counsellor, "--person", person_id)
    assert shown["status_spells"][0]["status"] == "unemployed"
    assert shown["benefit_months"][0]["amount"] == "818.62"
    assert shown["masked_personal_id"].endswith("****")
    assert AccessLog.objects.filter(person_id=person_id, action="cli_person_show", channel="cli").exists()


def test_errors_name_the_field(counsellor: str) -> None:
    code = next_artificial_id()
    with pytest.raises(CommandError, match=r"personal_id: .*tarkistusmerkki"):
        add_person(counsellor, code=code[:-1] + ("Y" if code[-1] != "Y" else "X"))
    with pytest.raises(CommandError, match=r"home_municipality: Tuntematon kuntanumero: 000"):
        add_person(counsellor, municipality="000")
    assert Person.objects.count() == 0
    person_id = add_person(counsellor)
    run("spell", "add", "--user", counsellor, "--person", person_id, "--status", "unemployed", "--start", "2024-01-02")
    with pytest.raises(CommandError, match=r"start_date: Jakso menee päällekkäin"):
        run("spell", "add", "--user", counsellor, "--person", person_id, "--status", "employed", "--start", "2024-03-01")
    with pytest.raises(CommandError, match=r"end_date: Päättymispäivä"):
        run("spell", "add", "--user", counsellor, "--person", person_id, "--status", "employed", "--start", "2023-03-01",
            "--end", "2023-02-01")
    with pytest.raises(CommandError, match=r"days: Kuukaudelle 2024-02 voi maksaa enintään 21"):
        run("benefit", "add", "--user", counsellor, "--person", person_id, "--month", "2024-02", "--type",
            "labour_market_subsidy", "--days", "22", "--amount", "10")
    with pytest.raises(CommandError, match=r"--start: päivämäärä"):
        run("spell", "add", "--user", counsellor, "--person", person_id, "--status", "employed", "--start", "1.3.2024")
    assert StatusSpell.objects.count() == 1
    assert BenefitMonth.objects.count() == 0


def test_requires_user_and_scope(counsellor: str, make_staff) -> None:
    person_id = add_person(counsellor)
    with pytest.raises(CommandError, match="--user"):
        run("person", "show", "--person", person_id)
    outsider = make_staff(Role.COUNSELLOR, area="kainuu-trial").user.username
    with pytest.raises(CommandError, match="--person: Ei oikeutta"):
        run("person", "show", "--user", outsider, "--person", person_id)
    analyst = make_staff(Role.ANALYST, area="kuopio").user.username
    with pytest.raises(CommandError, match="oikeutta kirjata"):
        run("spell", "add", "--user", analyst, "--person", person_id, "--status", "unemployed", "--start", "2024-01-02")


def test_job_search_and_correction(counsellor: str) -> None:
    person_id = add_person(counsellor)
    period = run("jobsearch", "open", "--user", counsellor, "--person", person_id, "--date", "2024-01-02")
    with pytest.raises(CommandError, match="end_reason: Tuntematon päättymissyy"):
        run("jobsearch", "end", "--user", counsellor, "--id", str(period["id"]), "--date", "2024-05-01",
            "--reason", "lottery")
    run("jobsearch", "end", "--user", counsellor, "--id", str(period["id"]), "--date", "2024-05-01",
        "--reason", "studies")
    spell = run("spell", "add", "--user", counsellor, "--person", person_id, "--status", "unemployed", "--start",
                "2024-01-02", "--end", "2024-04-30")
    fixed = run("spell", "correct", "--user", counsellor, "--id", str(spell["id"]), "--status", "laid_off_full",
                "--start", "2024-01-02", "--end", "2024-04-30", "--reason", "lomautus")
    assert fixed["lineage"] == spell["lineage"]
    run("spell", "retract", "--user", counsellor, "--id", str(fixed["id"]), "--reason", "väärä henkilö")
    assert StatusSpell.objects.filter(superseded_at__isnull=True).count() == 0
