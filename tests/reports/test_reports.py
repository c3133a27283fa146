"""The monthly report (issue 16, item 1): its figures are the engines' own (golden), withheld cells stay withheld on
the page, in the PDF and in the workbook, the archive never changes, the job runs on the worker after an import, the
subscribers get a link and nothing else, and the pages answer each role as the access policy says."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl  # type: ignore[import-untyped,import-not-found,unused-ignore]
import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from polku.access.models import Role
from polku.core.calendar import add_months, iter_months
from polku.core.errors import ValidationFailed
from polku.exchange.services import refresh_derived_data
from polku.kpi import presenters as kpi_presenters
from polku.kpi.selectors import scope_for
from polku.municipal_share.rules import IN_FORCE
from polku.municipal_share.services import current_rule_book
from polku.municipal_share.summary import Period, compute_summary
from polku.reports import documents, services, tasks
from polku.reports.figures import HEADLINE_INDICATORS, report_figures
from polku.reports.models import ArchivedReportError, MonthlyReport, ReportDocument, ReportSubscription
from polku.timeline import services as facts
from tests.reports.conftest import AREA, JUNE, KAJAANI, KUHMO, SOTKAMO

pytestmark = pytest.mark.django_db
TODAY = date(2021, 7, 15)


def engine_month_values(code: str, scope: str, first: date, last: date) -> dict[str, dict[str, Any]]:
    """What the indicator page shows an aggregate-only reader, month by month."""
    query = kpi_presenters.build_query(indicator=code, scope=scope, first_month=f"{first:%Y-%m}",
                                       last_month=f"{last:%Y-%m}")
    return {v.period: {"value": None if v.value is None else str(v.value), "suppressed": v.suppressed}
            for v in kpi_presenters.compute(query, suppress=True)}


def test_the_reports_figures_are_the_engines_figures(kainuu: Any) -> None:
    figures = report_figures(scope_for(SOTKAMO), JUNE)
    first = add_months(JUNE, -12)
    for line in figures["headline"]:
        expected = engine_month_values(line["code"], SOTKAMO, first, JUNE)
        assert {p["month"]: {"value": p["value"], "suppressed": p["suppressed"]} for p in line["series"]} == expected
    by_code = {line["code"]: line for line in figures["headline"]}
    assert [line["code"] for line in figures["headline"]] == list(HEADLINE_INDICATORS)
    assert by_code["unemployed_jobseekers"]["this_month"]["value"] == "7"  # seven unemployed in Sotkamo
    assert by_code["long_term_unemployed"]["this_month"]["value"] == "7"  # over a year since March 2020
    assert by_code["long_term_unemployed"]["year_earlier"]["value"] == "0"
    assert by_code["long_term_unemployed"]["change"] == "7"

    # The municipal share: every month shown is the municipal-share engine's own sum, to the cent; the year to date
    # is the sum of the year's months (withheld ones included: they are hidden, not left out).
    share = figures["share"]
    summary = compute_summary(current_rule_book(), SOTKAMO, Period(2020, 2021), [IN_FORCE]).variant(IN_FORCE)
    for point in share["series"]:
        month = date.fromisoformat(point["month"] + "-01")
        if not point["suppressed"]:
            assert Decimal(point["value"]) == summary.by_month[month].municipal_eur, point
    year = list(iter_months(date(2021, 1, 1), JUNE))
    assert Decimal(share["ytd"]["value"]) == sum(summary.by_month[m].municipal_eur for m in year)
    assert share["ytd_months"] == 6
    assert Decimal(share["this_month"]["value"]) > 0


def test_a_small_municipality_is_withheld_and_cannot_be_recovered(kainuu: Any) -> None:
    kuhmo = report_figures(scope_for(KUHMO), JUNE)
    for line in kuhmo["headline"]:
        for point in line["series"]:
            assert point["suppressed"] or point["value"] in {"0", "0.0", None}, (line["code"], point)
    share = kuhmo["share"]
    assert share["ytd"] == {"value": None, "suppressed": True}
    assert all(p["suppressed"] or p["value"] == "0" for p in share["series"])
    # In the area's comparison of its municipalities Kuhmo's two are hidden, and Kajaani's six with them (the area's
    # total is shown, so one hidden figure alone would be the total minus the others).
    area = report_figures(scope_for(AREA), JUNE)
    unemployed = next(i for i in area["comparison"]["indicators"] if i["code"] == "unemployed_jobseekers")
    cells = {row["code"]: row for row in unemployed["rows"]}
    assert cells[KUHMO]["suppressed"]
    assert cells[KAJAANI]["suppressed"]
    assert cells[SOTKAMO]["value"] == "7"
    headline = {line["code"]: line for line in area["headline"]}
    assert headline["unemployed_jobseekers"]["this_month"]["value"] == "15"


def pdf_text(data: bytes) -> str | None:
    """The PDF's text by poppler's pdftotext, where installed (the HTML it was laid out from is checked anyway)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    return subprocess.run([tool, "-layout", "-", "-"], input=data, capture_output=True,  # noqa: S603 - our PDF
                          check=True).stdout.decode()


def test_withheld_cells_stay_withheld_on_the_page_in_the_pdf_and_in_the_workbook(kainuu: Any, make_staff: Any) -> None:
    report, created = services.publish(KUHMO, JUNE, today=TODAY)
    assert created
    official = make_staff(Role.ELECTED_OFFICIAL, area=AREA)
    client = Client()
    client.force_login(official.user)
    page = client.get(f"/raportit/{KUHMO}/2021-06/").content.decode()
    html = documents.document_html(report.figures, "fi", report.published_at)
    text = pdf_text(bytes(ReportDocument.objects.get(report=report, language="fi", kind="pdf").content))
    for shown in (page, html, *([text] if text is not None else [])):
        assert "Kuhmo" in shown
        assert ".." in shown
        assert "2 €" not in shown
        assert "4 314" not in shown
    workbook = openpyxl.load_workbook(io.BytesIO(bytes(
        ReportDocument.objects.get(report=report, language="fi", kind="xlsx").content)))
    trend = workbook.worksheets[1]
    numbers = [c.value for row in trend.iter_rows(min_row=5, min_col=2, max_col=3) for c in row]
    assert numbers
    assert all(v in {"..", 0} for v in numbers), numbers  # unemployed and long-term: only ".." or 0
    share = workbook.worksheets[2]
    assert all(c.value in ("..", 0) for row in share.iter_rows(min_row=5, min_col=2, max_col=2) for c in row
               if c.value is not None)


def test_numbers_and_months_in_the_readers_language(kainuu: Any, make_staff: Any) -> None:
    report, _ = services.publish(AREA, JUNE, today=TODAY)
    fi = documents.document_html(report.figures, "fi", report.published_at)
    sv = documents.document_html(report.figures, "sv", report.published_at)
    en = documents.document_html(report.figures, "en", report.published_at)
    assert "kesäkuu 2021" in fi
    assert "juni 2021" in sv
    assert "June 2021" in en
    assert "5\xa0427\xa0€" in fi  # Finnish grouping with a (non-breaking) space
    assert "5\xa0427\xa0€" in en  # Polku's English is Finland's: grouped with a space, a decimal point
    assert "0,0\xa0%" in fi
    assert "0,0\xa0%" in sv
    assert "0.0\xa0%" in en
    assert "5\xa0427\xa0€" in sv
    manager = make_staff(Role.MANAGER, area=AREA)
    client = Client()
    client.force_login(manager.user)
    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    page = client.get(f"/raportit/{AREA}/2021-06/").content.decode()
    assert "juni 2021" in page
    assert 'href="/raportit/kainuu-trial/2021-06/raportti-sv.pdf"' in page


def test_the_archive_never_changes(kainuu: Any, make_person: Any) -> None:
    report, created = services.publish(SOTKAMO, JUNE, today=TODAY)
    assert created
    assert report.documents.count() == 6
    kept = {(d.language, d.kind): (bytes(d.content), d.sha256) for d in report.documents.all()}
    assert all(len(content) > 1000 and sha for content, sha in kept.values())
    # New facts for the month, and publishing again: the archived report is returned as it was.
    newcomer = make_person(municipality=SOTKAMO, since=date(2018, 1, 1))
    facts.status_spell_record(person=newcomer, status="unemployed", start_date=date(2021, 6, 1))
    again, created = services.publish(SOTKAMO, JUNE, today=TODAY)
    assert not created
    assert again.pk == report.pk
    assert again.figures == report.figures
    assert {(d.language, d.kind): (bytes(d.content), d.sha256) for d in again.documents.all()} == kept
    with pytest.raises(ArchivedReportError):
        again.save()
    with pytest.raises(ArchivedReportError):
        again.delete()
    with pytest.raises(ArchivedReportError):
        again.documents.first().save()  # type: ignore[union-attr]
    # Nor can the database be made to rewrite it behind the model's back.
    for table in ("reports_monthlyreport", "reports_reportdocument"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET id = id")
    assert MonthlyReport.objects.get(pk=report.pk).figures == report.figures


def test_a_month_not_yet_ended_is_refused_naming_the_field(kainuu: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.publish(SOTKAMO, date(2021, 7, 1), today=TODAY)
    assert refused.value.errors[0].field == "month"


@pytest.mark.django_db(transaction=True)
def test_the_job_runs_on_the_worker_after_an_import_and_mails_a_link(kainuu: Any, make_staff: Any,
                                                                      settings: Any) -> None:
    from polku.jobs.worker import run_worker

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.POLKU_BASE_URL = "https://polku.example.fi"
    official = make_staff(Role.ELECTED_OFFICIAL, area=AREA)
    official.user.email = "valtuutettu@example.fi"
    official.user.save()
    services.subscribe(official.user, SOTKAMO, on=True)
    ReportSubscription.objects.create(user=make_staff(Role.MANAGER, area=AREA).user, scope_code=SOTKAMO)  # no e-mail
    refresh_derived_data(scope_code=AREA)  # what an import does when it has written its facts
    queued = DBTaskResult.objects.filter(task_path="polku.reports.tasks.publish_due_reports")
    assert queued.count() == 1
    assert queued.get().status == "READY"
    assert not MonthlyReport.objects.exists()  # nothing was computed in the import itself
    month = services.latest_report_month(timezone.localdate())
    assert month == add_months(JUNE, 1)  # the facts run to July 2021, which has ended
    run_worker()
    assert queued.get().status == "SUCCESSFUL"
    published = set(MonthlyReport.objects.values_list("scope_code", "month"))
    assert (AREA, month) in published
    assert (SOTKAMO, month) in published
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["valtuutettu@example.fi"]
    assert f"https://polku.example.fi/raportit/{SOTKAMO}/{month:%Y-%m}/" in message.body
    assert "€" not in message.body
    assert "Henkilö" not in message.body
    # On demand: a month already published is not made again; another one is made on the worker.
    tasks.publish_report.enqueue(SOTKAMO, JUNE.isoformat(), official.user.pk)
    run_worker()
    assert MonthlyReport.objects.filter(scope_code=SOTKAMO, month=JUNE).exists()
    assert len(mail.outbox) == 2


def test_who_may_read_and_publish(kainuu: Any, make_staff: Any) -> None:
    services.publish(AREA, JUNE, today=TODAY)
    official = make_staff(Role.ELECTED_OFFICIAL, area=AREA)
    outsider = make_staff(Role.ELECTED_OFFICIAL, area="kuopio")
    manager = make_staff(Role.MANAGER, area=AREA)
    client = Client()
    client.force_login(official.user)
    listing = client.get("/raportit/")
    assert listing.status_code == 200
    assert "/raportit/kainuu-trial/2021-06/" in listing.content.decode()
    assert "Julkaise raportti nyt" not in listing.content.decode()
    assert client.get("/raportit/kainuu-trial/2021-06/").status_code == 200
    download = client.get("/raportit/kainuu-trial/2021-06/raportti-fi.pdf")
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")
    assert client.post("/raportit/julkaise/", {"scope": SOTKAMO, "month": "2021-05"}).status_code == 403
    client.force_login(outsider.user)
    assert client.get("/raportit/kainuu-trial/2021-06/").status_code == 403
    assert client.get("/raportit/kainuu-trial/2021-06/raportti-fi.xlsx").status_code == 403
    client.force_login(manager.user)
    response = client.post("/raportit/julkaise/", {"scope": SOTKAMO, "month": "2021-05"})
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path="polku.reports.tasks.publish_report").count() == 1
    response = client.post("/raportit/julkaise/", {"scope": SOTKAMO, "month": "2999-01"}, follow=True)
    assert "Kuukausi:" in response.content.decode()
    client.post("/raportit/tilaus/", {"scope": SOTKAMO, "on": "1"})
    assert ReportSubscription.objects.filter(user=manager.user, scope_code=SOTKAMO).exists()
    client.post("/raportit/tilaus/", {"scope": SOTKAMO, "on": "0"})
    assert not ReportSubscription.objects.filter(user=manager.user, scope_code=SOTKAMO).exists()


def test_the_officials_start_page_links_the_latest_report_of_each_scope(make_staff: Any) -> None:
    official = make_staff(Role.ELECTED_OFFICIAL, area=AREA)
    for month in (date(2021, 5, 1), JUNE):
        MonthlyReport.objects.create(scope_code=AREA, scope_name="Kainuun työllisyysalue", scope_kind="area",
                                     month=month, figures={}, published_at=timezone.now(),
                                     trigger="scheduled", facts_fingerprint="-")
    MonthlyReport.objects.create(scope_code="kuopio", scope_name="Kuopion alue", scope_kind="area", month=JUNE,
                                 figures={}, published_at=timezone.now(), trigger="scheduled", facts_fingerprint="-")
    client = Client()
    client.force_login(official.user)
    html = client.get("/").content.decode()
    assert 'href="/raportit/kainuu-trial/2021-06/"' in html
    assert "/raportit/kainuu-trial/2021-05/" not in html  # the latest only; the rest are in the archive
    assert "/raportit/kuopio/" not in html  # another area's report
    assert 'href="/raportit/"' in html


def test_the_command_publishes_once_and_names_a_bad_month(kainuu: Any) -> None:
    import json

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("monthly_report", "publish", "--scope", SOTKAMO, "--month", "2021-06", "--json", stdout=out)
    first = json.loads(out.getvalue())["reports"][0]
    assert first["created"] is True
    out = io.StringIO()
    call_command("monthly_report", "publish", "--scope", SOTKAMO, "--month", "2021-06", "--json", stdout=out)
    assert json.loads(out.getvalue())["reports"][0] == {**first, "created": False}
    with pytest.raises(CommandError, match="--month"):
        call_command("monthly_report", "publish", "--scope", SOTKAMO, "--month", "2999-01")
    with pytest.raises(CommandError, match="--month"):
        call_command("monthly_report", "publish", "--scope", SOTKAMO, "--month", "kesäkuu")


def test_the_report_shows_the_share_forecast_with_its_band(kainuu: Any) -> None:
    """The next twelve months' municipal share € with its calibrated 80 % band, on the page, in the PDF's HTML and in
    the workbook, in each language, with what the band includes."""
    figures = report_figures(scope_for(AREA), JUNE)
    forecast = figures["forecast"]
    assert forecast is not None
    assert (forecast["first_month"], forecast["last_month"]) == ("2021-07", "2022-06")
    assert Decimal(forecast["low"]) <= Decimal(forecast["mean"]) <= Decimal(forecast["high"])
    assert Decimal(forecast["high"]) > Decimal(forecast["low"])
    assert "lainmuutoksia" in forecast["explanation"]["fi"]
    assert "lagändringar" in forecast["explanation"]["sv"]
    assert "changes of law" in forecast["explanation"]["en"]
    html = documents.document_html(figures, "fi", timezone.now())
    assert "Ennuste: kunnan osuus seuraavien 12 kuukauden ajalta" in html
    assert "80 %:n vaihteluväli" in html
    assert "What the band" not in html
    assert "Forecast: the municipal share for the next 12 months" in documents.document_html(figures, "en",
                                                                                             timezone.now())
    book = openpyxl.load_workbook(io.BytesIO(documents.render_xlsx(figures, "fi", timezone.now())))
    cells = [c for row in book["Kuntaosuus"].iter_rows(values_only=True) for c in row if c is not None]
    assert "Ennuste: kunnan osuus seuraavien 12 kuukauden ajalta" in cells
    assert float(Decimal(forecast["low"])) in cells
    assert float(Decimal(forecast["high"])) in cells


def test_the_report_shows_the_years_share_paid_and_forecast_with_its_band(kainuu: Any) -> None:
    """The year's municipal share €: the year to date as paid plus the rest of the year forecast, its band the
    rest's band (what is paid is known); none for a December report, whose year is all paid."""
    figures = report_figures(scope_for(AREA), JUNE)
    year, ytd = figures["forecast"]["year"], figures["share"]["ytd"]["value"]
    assert year is not None
    assert ytd is not None
    assert (year["year"], year["paid"]) == (2021, ytd)
    assert Decimal(ytd) < Decimal(year["low"]) <= Decimal(year["mean"]) <= Decimal(year["high"])
    # The year's band is narrower than the next twelve months' (six of the months are paid, not forecast).
    assert Decimal(year["high"]) - Decimal(year["low"]) < (Decimal(figures["forecast"]["high"])
                                                         - Decimal(figures["forecast"]["low"]))
    html = documents.document_html(figures, "fi", timezone.now())
    assert "Vuosi 2021 yhteensä" in html
    assert "Year 2021 in total" in documents.document_html(figures, "en", timezone.now())
    book = openpyxl.load_workbook(io.BytesIO(documents.render_xlsx(figures, "sv", timezone.now())))
    cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert float(Decimal(year["mean"])) in cells
    assert any(str(c).startswith("År 2021") for c in cells)
    december = report_figures(scope_for(AREA), date(2021, 12, 1))["forecast"]
    assert december is None or december["year"] is None


def test_the_pdf_is_tagged_for_assistive_technology(kainuu: Any) -> None:
    """Issue 16, item 1: an accessible tagged PDF where the library allows — checked with poppler's pdfinfo (installed
    by ``make browser``): tagged, claims PDF/UA-1 in its metadata, titled, its headings, tables with header cells and
    charts as figures in the structure tree. (A full PDF/UA validation needs veraPDF, which is not available here.)"""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        pytest.skip("poppler's pdfinfo is installed by make browser")
    report, _ = services.publish(AREA, JUNE, today=TODAY)
    data = bytes(ReportDocument.objects.get(report=report, language="fi", kind="pdf").content)

    def run(*options: str) -> str:
        return subprocess.run([pdfinfo, *options, "-"], input=data, capture_output=True,  # noqa: S603 - our PDF
                              check=True).stdout.decode()

    info = run()
    assert "Tagged:          yes" in info
    title = next(line for line in info.splitlines() if line.startswith("Title:"))
    assert "Kainuu" in title or "kuukausiraportti" in title.lower(), title
    assert "pdfuaid:part" in run("-meta")
    structure = run("-struct")
    for tag in ("Document", "H1", "H2", "Table", "TH", "TD", "Figure"):
        assert f"{tag} " in structure or f"{tag}\n" in structure or f"{tag}:" in structure, tag
