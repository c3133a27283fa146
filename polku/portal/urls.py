"""``/oma/``: the job seeker's own portal; ``/asiakasportaali/``: staff pages about it."""

from django.urls import path

from polku.access import client_identity
from polku.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("kirjaudu/", views.sign_in, name="sign_in"),
    path("kirjaudu-ulos/", views.sign_out, name="sign_out"),
    path("tunnistus/", client_identity.ClientSignInView.as_view(), name="oidc_authenticate"),
    path("tunnistus/paluu/", client_identity.ClientCallbackView.as_view(), name="oidc_callback"),
    path("suunnitelma/", views.plan, name="plan"),
    path("hakemukset/", views.applications, name="applications"),
    path("itsearvio/", views.self_assessment, name="self_assessment"),
    path("osaaminen/", views.competence, name="competence"),
    path("ajanvaraus/", views.bookings, name="bookings"),
    path("ajanvaraus/<int:slot_id>/peru/", views.booking_cancel, name="booking_cancel"),
    path("suostumukset/", views.consents, name="consents"),
    path("suostumukset/<int:consent_id>/peru/", views.consent_withdraw, name="consent_withdraw"),
    path("viestit/", views.message_thread, name="messages"),
    path("kuka-katsoi/", views.who_viewed, name="who_viewed"),
    path("kuka-katsoi/tarkastuspyynto/", views.subject_access_request, name="subject_access_request"),
    path("palaute/<int:invitation_id>/", views.feedback, name="feedback"),
]

staff_urlpatterns = ([
    path("vapaat-ajat/", views.free_times, name="free_times"),
    path("vaikuttavuus/", views.service_change, name="service_change"),
    path("suostumukset/", views.consent_records, name="consent_records"),
    path("henkilot/<uuid:person_id>/viesti/", views.staff_message, name="staff_message"),
    path("henkilot/<uuid:person_id>/luovutus/", views.disclose_plan, name="disclose_plan"),
    path("henkilot/<uuid:person_id>/itsearvio/", views.staff_self_assessment, name="staff_self_assessment"),
    path("henkilot/<uuid:person_id>/ohjaus/", views.agency_referral, name="agency_referral"),
    path("ohjaukset/<int:agency_referral_id>/tila/", views.referral_status, name="referral_status"),
    path("ohjaukset/<int:agency_referral_id>/yhteistapaaminen/", views.referral_meeting, name="referral_meeting"),
], "portal_staff")
