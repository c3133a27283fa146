"""Staff roles and scopes, and the access log of every read of a person's data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a staff member does; decides which data they may reach (see ``policy``)."""

    COUNSELLOR = "counsellor", _("Työllisyysohjaaja")
    TEAM_LEAD = "team_lead", _("Tiiminvetäjä")
    MANAGER = "manager", _("Palvelupäällikkö")
    ANALYST = "analyst", _("Suunnittelija")
    ELECTED_OFFICIAL = "elected_official", _("Luottamushenkilö")
    DPO = "dpo", _("Tietosuojavastaava")
    DATA_STEWARD = "data_steward", _("Tietopalvelu")
    ADMIN = "admin", _("Pääkäyttäjä")


class Team(models.Model):
    """A team of counsellors inside an employment area (e.g. youth team, immigrant team)."""

    area = models.ForeignKey("reference.EmploymentArea", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="unique_team_name_in_area")]

    def __str__(self) -> str:
        return f"{self.area.code}/{self.name}"


class StaffProfile(models.Model):
    """A user's role and scope. Identity comes from Django auth now, from an OIDC broker later."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(max_length=30, choices=Role.choices)
    area = models.ForeignKey(
        "reference.EmploymentArea", null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class AccessChannel(models.TextChoices):
    WEB = "web", "web"
    API = "api", "api"
    CLI = "cli", "cli"


class AccessLog(models.Model):
    """One read (or write) of one person's data: who, whom, when, what, why.

    ``person_id`` is a plain UUID, not a foreign key: the log must outlive the person's data
    when retention deletes it.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor = models.CharField(max_length=150, help_text="Username at the time, or the system job that read.")
    person_id = models.UUIDField(db_index=True, default=uuid.uuid4)
    action = models.CharField(max_length=60)
    purpose = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=AccessChannel.choices)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.person_id}"
