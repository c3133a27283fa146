"""Kela's published municipal shares for the demo, as a labelled example file.

Kela publishes each municipality's share of the unemployment benefits every month; Polku compares its own figures
with them (the share page) and ranks municipalities by them per resident (the yardstick). The demo has no Kela file,
so without one both say "not imported" to a new user. This writes the demo municipalities' last twelve months in
the shape of Kela's open data, from Polku's own figures changed by up to ±2 % (Kela's counts differ a little, by
the day it counts and by its revisions) and marked on its first line as example data, which every page then says.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from polku.core.calendar import add_months
from polku.derived.facts import latest_benefit_month
from polku.municipal_share import kela_statistics
from polku.municipal_share.models import KelaStatisticsImport
from polku.municipal_share.rules import IN_FORCE
from polku.municipal_share.services import current_rule_book
from polku.municipal_share.summary import Period, compute_summary
from polku.reference.models import EmploymentAreaMembership, Municipality
from polku.timeline.models import HomeMunicipalitySpell

MONTHS = 12
FILE_NAME = "kela_tilasto_demo_esimerkki.csv"
TITLE = "ESIMERKKIAINEISTO: demon luvut Polun omasta laskelmasta ±2 %, ei Kelan tilastoa"
HEADER = ("Aika;Kuntanumero;Kunta;Etuus;Kertymäpäiväluokka;Saajat;Maksetut päivät;Maksetut etuudet, €;"
          "Kunnan rahoitusosuus, €")


def _difference(code: str, month: Any) -> Decimal:
    """A fixed factor between 0.98 and 1.02 for a municipality and month (the same on every run)."""
    digest = hashlib.sha256(f"{code}:{month:%Y-%m}".encode()).digest()
    return Decimal(980 + digest[0] * 40 // 255) / 1000


def _euros(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}".replace(".", ",")


def example_file() -> bytes | None:
    """The file's bytes (UTF-8), or None when the demo has no benefit facts."""
    latest = latest_benefit_month()
    if latest is None:
        return None
    first = add_months(latest, -(MONTHS - 1))
    period = Period(first.year, latest.year)
    members = set(EmploymentAreaMembership.objects.values_list("municipality_id", flat=True))
    lived = set(HomeMunicipalitySpell.objects.filter(municipality_id__in=members).values_list(
        "municipality_id", flat=True).distinct())
    names = dict(Municipality.objects.filter(code__in=lived).values_list("code", "name_fi"))
    book = current_rule_book()
    lines = [TITLE + ";" * 8, HEADER]
    for code in sorted(lived):
        by_month = compute_summary(book, code, period, [IN_FORCE]).variant(IN_FORCE).by_month
        for month, total in sorted(by_month.items()):
            if not first <= month <= latest:
                continue
            factor = _difference(code, month)
            lines.append(";".join([
                f"{month:%Y}M{month:%m}", code, names.get(code, code), "Yhteensä", "Yhteensä",
                str(round(total.persons * factor)), str(round(total.paid_days * factor)),
                _euros(total.paid_eur * factor), _euros(total.municipal_eur * factor)]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def seed_kela_example(user: Any) -> int:
    """Import the example file as ``user`` (an administrator); the number of figures stored (0 without facts or when
    the same file is already imported)."""
    data = example_file()
    if data is None or KelaStatisticsImport.objects.filter(
            sha256=hashlib.sha256(data).hexdigest()).exists():
        return 0
    record = kela_statistics.statistics_import(data=data, file_name=FILE_NAME, user=user,
                                               source="Polun demo: esimerkkiaineisto")
    return int(record.row_count)
