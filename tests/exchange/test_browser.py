"""The data steward's import in a real browser: upload the sample files, see the queued run's progress bar, let the
worker run it, see the counts; the format page and a refused run. axe-core finds no serious or critical violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from polku.access.models import Role
from polku.jobs.worker import run_worker
from tests.browser_support import SCREENSHOTS, browser, login_with_form, page, reference_data, serious_violations

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLES = Path(__file__).resolve().parents[2] / "polku" / "exchange" / "samples"


def test_upload_progress_counts_and_problems(page: Any, live_server: Any, make_staff: Any, tmp_path: Path) -> None:
    steward = make_staff(Role.DATA_STEWARD, area="kuopio")
    login_with_form(page, live_server.url, steward.user.get_username(), "salasana-123")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/tiedonsiirto/")
    assert serious_violations(page) == []
    page.set_input_files("#id_files", [str(p) for p in sorted(SAMPLES.glob("*.csv"))])
    page.select_option("#id_scope", "kuopio")
    page.uncheck("#id_dry_run")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("[data-job-progress]")
    page.screenshot(path=str(SCREENSHOTS / "exchange-queued.png"), full_page=True)
    assert serious_violations(page) == []

    run_worker()
    page.reload()
    page.wait_for_selector("#maarat")
    assert "Henkilöt" in page.inner_text("#maarat ~ div table")
    page.screenshot(path=str(SCREENSHOTS / "exchange-done.png"), full_page=True)
    assert serious_violations(page) == []

    bad = tmp_path / "homes.csv"
    bad.write_text("source_id;person_id;municipality;start_date\nx1;nobody;297;1.1.2020\nx2;hlo-1;999;1.1.2020\n")
    page.goto(f"{live_server.url}/tiedonsiirto/")
    page.set_input_files("#id_files", [str(bad)])
    page.click("form.form button[type=submit]")
    page.wait_for_selector("[data-job-progress]")
    run_worker()
    page.reload()
    page.wait_for_selector("#ongelmat")
    text = page.inner_text("main")
    assert "nobody" in text
    assert "999" in text
    page.screenshot(path=str(SCREENSHOTS / "exchange-refused.png"), full_page=True)
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}/tiedonsiirto/muoto/")
    page.wait_for_selector("#benefit_months")
    assert serious_violations(page) == []
