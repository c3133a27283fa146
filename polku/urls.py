"""URL map: pages, the JSON API (OpenAPI at /api/openapi.json), admin, language switch."""

from django.contrib import admin
from django.urls import include, path

from polku.api.api import api
from polku.core.views import health, ready
from polku.person_pages import urls as person_urls
from polku.portal import urls as portal_urls
from polku.start_pages import urls as start_urls
from polku.web import urls as web_urls

urlpatterns = [
    path("terveys/", health, name="health"),  # liveness: the process answers (no database)
    path("terveys/valmis/", ready, name="ready"),  # readiness: the database answers and is migrated
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("yllapito/", include("polku.administration.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("tunnistautuminen/", include("polku.access.urls")),
    path("api/", api.urls),
    path("kuntaosuus/", include("polku.municipal_share.urls")),
    path("mittarit/", include("polku.kpi.urls")),
    path("asiakastyo/", include("polku.casework.urls")),
    path("ennusteet/", include("polku.forecast.urls")),
    path("palvelut/", include("polku.provision.urls")),
    path("tyonantajapalvelut/", include("polku.employer_services.urls")),
    path("tiedonsiirto/", include("polku.exchange.urls")),
    path("tyot/", include("polku.jobs.urls")),
    path("tietosuoja/", include("polku.privacy.urls")),
    path("avoin-data/", include("polku.open_data.urls")),
    path("oma/", include("polku.portal.urls")),
    path("asiakasportaali/", include(portal_urls.staff_urlpatterns)),
    path("raportit/", include("polku.reports.urls")),
    # One "web" namespace, as before the person and start pages left polku.web: "web:home" and "web:person_detail"
    # are reversed everywhere.
    path("", include((start_urls.urlpatterns + web_urls.urlpatterns + person_urls.urlpatterns, "web"))),
]
