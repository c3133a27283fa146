"""The person behind a job-seeker timeline."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from polku.people import personal_id


class Gender(models.TextChoices):
    FEMALE = "F", _("nainen")
    MALE = "M", _("mies")


class Language(models.TextChoices):
    """Language of service and register language group (äidinkieli)."""

    FINNISH = "fi", _("suomi")
    SWEDISH = "sv", _("ruotsi")
    OTHER = "other", _("muu")


class Education(models.TextChoices):
    """Highest completed education, coarsened to the levels TEM reports."""

    BASIC = "basic", _("perusaste tai ei tutkintoa")
    UPPER_SECONDARY = "upper_secondary", _("toinen aste")
    TERTIARY_LOWER = "tertiary_lower", _("alempi korkea-aste")
    TERTIARY_HIGHER = "tertiary_higher", _("ylempi korkea-aste")


class Person(models.Model):
    """A job seeker. Identified in URLs by a random UUID, never by the identity code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    personal_id_hash = models.CharField(max_length=64, unique=True, editable=False)
    personal_id_encrypted = models.TextField(editable=False)
    first_names = models.CharField(max_length=200)
    last_name = models.CharField(max_length=200)
    birth_date = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.FINNISH)
    education = models.CharField(max_length=20, choices=Education.choices, default=Education.UPPER_SECONDARY)
    immigrant_background = models.BooleanField(default=False)
    team = models.ForeignKey(
        "access.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="clients",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        indexes = [models.Index(fields=["birth_date"]), models.Index(fields=["last_name", "first_names"])]

    def __str__(self) -> str:
        # Deliberately no identity code: str() ends up in logs and admin breadcrumbs.
        return f"Person {self.id}"

    @property
    def masked_personal_id(self) -> str:
        return personal_id.mask(personal_id.decrypt(self.personal_id_encrypted))
