from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployerServicesConfig(AppConfig):
    name = "polku.employer_services"
    verbose_name = _("Työnantajapalvelut")
    default_auto_field = "django.db.models.BigAutoField"
