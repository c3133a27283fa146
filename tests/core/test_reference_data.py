"""Golden checks of the shipped reference data and its loader."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from polku.reference.models import LabourMarketStatus, Municipality, ServiceType

pytestmark = pytest.mark.django_db


def test_municipalities_loaded_with_names_and_validity() -> None:
    assert Municipality.objects.count() == 309
    assert Municipality.objects.filter(valid_to__isnull=True).count() == 308
    sotkamo = Municipality.objects.get(code="765")
    assert (sotkamo.name_fi, sotkamo.region) == ("Sotkamo", "Kainuu")
    assert Municipality.objects.get(code="091").name_sv == "Helsingfors"


def test_activation_counts_exactly_the_seven_tem_service_groups() -> None:
    counted = set(ServiceType.objects.filter(counts_in_activation=True).values_list("code", flat=True))
    # TEM ALP: wage subsidy (incl. 55+), work/training trial, job alternation substitutes, labour market
    # training, coaching, self-motivated study with benefit, rehabilitative work activity.
    assert counted == {"wage_subsidy", "wage_subsidy_55", "work_trial", "job_alternation_substitute",
                       "labour_market_training", "coaching", "self_motivated_study", "rehabilitative_work"}
    assert all(s.source for s in ServiceType.objects.all())


def test_statuses_counting_as_unemployed() -> None:
    assert set(LabourMarketStatus.objects.filter(counts_as_unemployed=True).values_list("code", flat=True)) == {
        "unemployed", "laid_off_full"}


def test_loader_is_idempotent() -> None:
    call_command("load_reference", stdout=None)
    assert Municipality.objects.count() == 309
