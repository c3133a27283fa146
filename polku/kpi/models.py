"""Employment programmes imported as data (the document is validated by ``programme.parse_programme``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    """A municipality's or area's employment programme: promises → goals → actions → indicators."""

    code = models.SlugField(max_length=80, unique=True)
    scope = models.CharField(max_length=50, help_text=_("Kuntanumero tai työllisyysalueen tunnus."))
    name_fi = models.CharField(max_length=300)
    document = models.JSONField()
    imported_at = models.DateTimeField(auto_now=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fi
