"""The staff of the demo at work: 50 people signed in at once, each clicking through their role's pages.

Read by locust (``benchmarks/load_test.py`` starts it against a gunicorn serving a scratch PostgreSQL database
filled by ``polku demo_setup``). Who signs in and which clients each counsellor has come from the plan file
named by ``POLKU_LOAD_PLAN`` (written by the preparing step). Requests are named after the page, not the
address, so that the statistics give one line per page (every client record is one "client record").

The mix of users (``fixed_count``) follows an employment area's staff: most are counsellors; job agents, managers,
analysts, elected officials, the data protection officer and the data steward are fewer. Each pauses 2–6 s between pages,
as a person reading does.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import ClassVar

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["POLKU_LOAD_PLAN"]).read_text(encoding="utf-8"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Staff(FastHttpUser):
    """A demo user who signs in through the login form and then reads the pages of their role."""

    abstract = True
    wait_time = between(2, 6)
    username: ClassVar[str] = ""
    pages: ClassVar[dict[str, str]] = {}

    def on_start(self) -> None:
        form = self.client.get("/kirjaudu/", name="sign-in form")
        token = CSRF.search(form.text or "")
        with self.client.post("/kirjaudu/", name="sign in", allow_redirects=False, catch_response=True,
                              data={"username": self.username, "password": PLAN["passwords"][self.username],
                                    "csrfmiddlewaretoken": token.group(1) if token else ""},
                              headers={"Referer": f"{self.host}/kirjaudu/"}) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in of {self.username} answered {answer.status_code}")
        if os.environ.get("POLKU_LOAD_ONE_PASS"):  # settling: open every page of the role once, then stop
            for name, path in {"start page": "/", **self.pages}.items():
                self._page(name, path)
            raise StopUser

    def _page(self, name: str, path: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{name} answered {answer.status_code}")

    @task(6)
    def role_page(self) -> None:
        name, path = random.choice(list(self.pages.items()))  # noqa: S311 (a user's next click)
        self._page(name, path)

    @task(2)
    def start_page(self) -> None:
        self._page("start page", "/")

    @task(3)
    def client_record(self) -> None:
        clients = PLAN["clients"].get(self.username) or []
        if clients:
            self._page("client record", f"/henkilot/{random.choice(clients)}/")  # noqa: S311


COUNSELLOR_PAGES = {"worklist": "/asiakastyo/", "persons": "/henkilot/", "services": "/palvelut/"}
MANAGEMENT_PAGES = {"indicators": "/mittarit/", "forecast": "/ennusteet/", "impact": "/ennusteet/vaikutukset/",
                    "municipal share": "/kuntaosuus/", "share warnings": "/kuntaosuus/varoitukset/",
                    "caseloads": "/asiakastyo/asiakasmaarat/", "open data": "/avoin-data/",
                    "monthly reports": "/raportit/"}


class Counsellor(Staff):
    fixed_count = 18
    username = "ohjaaja"
    pages = COUNSELLOR_PAGES


class SotkamoCounsellor(Staff):
    fixed_count = 5
    username = "ohjaaja.sotkamo"
    pages = COUNSELLOR_PAGES


class TeamLead(Staff):
    fixed_count = 5
    username = "tiiminvetaja"
    pages = {**COUNSELLOR_PAGES, "caseloads": "/asiakastyo/asiakasmaarat/", "indicators": "/mittarit/"}


class Manager(Staff):
    fixed_count = 6
    username = "paallikko"
    pages = {**MANAGEMENT_PAGES, "worklist": "/asiakastyo/"}


class Analyst(Staff):
    fixed_count = 5
    username = "suunnittelija"
    pages = MANAGEMENT_PAGES


class ElectedOfficial(Staff):
    fixed_count = 5
    username = "valtuutettu"
    pages = {"indicators": "/mittarit/", "open data": "/avoin-data/", "municipal share": "/kuntaosuus/",
             "monthly reports": "/raportit/"}


class DataProtectionOfficer(Staff):
    fixed_count = 2
    username = "tietosuoja"
    pages = {"access log": "/tietosuoja/lokit/", "privacy": "/tietosuoja/"}


class DataSteward(Staff):
    fixed_count = 2
    username = "tietopalvelu"
    pages = {"imports": "/tiedonsiirto/", "indicators": "/mittarit/"}


class JobAgent(Staff):
    fixed_count = 2
    username = "duuniagentti"
    pages = {"employer services": "/tyonantajapalvelut/", "employers": "/tyonantajapalvelut/tyonantajat/",
             "vacancies": "/tyonantajapalvelut/tyopaikat/", "employer figures": "/tyonantajapalvelut/luvut/"}
