"""The job seeker's strong identification for their own portal (``/oma/``), through OpenID Connect.

In production the identity provider is Suomi.fi identification behind the municipality's broker; in tests and the
demo a local test provider (``oidc-provider-mock``). The same machinery as staff sign-in (:mod:`polku.access.oidc`:
discovery, PKCE, the ID token's subject checked against the user information), with its own provider settings:

- ``POLKU_CLIENT_OIDC_ISSUER`` (empty: the portal has no sign-in), ``POLKU_CLIENT_OIDC_CLIENT_ID`` and
  ``POLKU_CLIENT_OIDC_CLIENT_SECRET``;
- ``POLKU_CLIENT_OIDC_ID_CLAIM``: the claim that carries the personal identity code (``hetu`` by default; a broker
  may call it e.g. ``nationalIdentificationNumber``).

The person is found by the code's keyed hash, the existing look-up (:func:`polku.people.personal_id.keyed_hash`);
the code itself is neither stored nor logged. A code Polku has no person for gets no account: the portal says so
without repeating it. The sign-in links the user to the person through :class:`ClientAccount`; the session is a
portal session (its own, shorter time-out, :mod:`polku.core.security`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_noop

from polku.access.models import AccessAction, AccessChannel, ClientAccount, ExternalIdentity
from polku.access.oidc import DISCOVERED, CallbackView, SignInView, StaffOidcBackend, discovery, oidc_setting
from polku.access.services import log_person_reads
from polku.core.errors import ValidationFailed
from polku.core.security import PORTAL_SESSION
from polku.people import personal_id
from polku.people.models import Person

log = logging.getLogger("polku.access.client_identity")

CALLBACK_PATH = "/oma/tunnistus/paluu/"


def enabled() -> bool:
    return bool(settings.POLKU_CLIENT_OIDC_ISSUER)


def client_setting(name: str, *default: Any) -> Any:
    """mozilla-django-oidc's setting for the client's provider: endpoints from its discovery document, the
    portal's own client id, secret, scopes, callback and landing pages; anything else as for staff."""
    if name in DISCOVERED:
        return discovery(settings.POLKU_CLIENT_OIDC_ISSUER)[DISCOVERED[name]] if enabled() else ""
    own = {
        "OIDC_RP_CLIENT_ID": settings.POLKU_CLIENT_OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.POLKU_CLIENT_OIDC_CLIENT_SECRET,
        "OIDC_RP_SCOPES": "openid profile",
        "OIDC_AUTHENTICATION_CALLBACK_URL": "portal:oidc_callback",
        "LOGIN_REDIRECT_URL": "/oma/",
        "LOGIN_REDIRECT_URL_FAILURE": "/oma/kirjaudu/?tunnistus=epaonnistui",
    }
    if name in own:
        return own[name]
    return oidc_setting(name, *default)


def person_for_code(code: str) -> Person | None:
    """The person a valid identity code names (by its keyed hash), or None."""
    try:
        compact = personal_id.validate(code)
    except ValidationFailed:
        return None
    return Person.objects.filter(personal_id_hash=personal_id.keyed_hash(compact)).first()


class ClientOidcBackend(StaffOidcBackend):
    """Signs in a job seeker: the provider's identity code → the person → their client account."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return client_setting(attr, *args)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not enabled() or request is None or request.path != CALLBACK_PATH:
            return None  # staff sign-in and passwords are the other backends'
        return super(StaffOidcBackend, self).authenticate(request, **kwargs)

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub")) and bool(claims.get(settings.POLKU_CLIENT_OIDC_ID_CLAIM))

    def _person(self, claims: dict[str, Any]) -> Person | None:
        return person_for_code(str(claims.get(settings.POLKU_CLIENT_OIDC_ID_CLAIM) or ""))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        person = self._person(claims)
        return get_user_model().objects.filter(client_account__person=person) if person else get_user_model().objects.none()

    def create_user(self, claims: dict[str, Any]) -> Any:
        person = self._person(claims)
        if person is None:
            log.warning("portal sign-in refused: the identified person is not a client here")
            return None
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=f"asiakas-{person.pk.hex[:12]}")
            ExternalIdentity.objects.create(user=user, issuer=settings.POLKU_CLIENT_OIDC_ISSUER, subject=claims["sub"])
            ClientAccount.objects.create(user=user, person=person)
        return self.update_user(user, claims)

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        if not user.is_active:
            log.warning("portal sign-in refused: the client account is closed")
            return None
        ClientAccount.objects.filter(user=user).update(last_sign_in_at=timezone.now())
        return user

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None:
            account = ClientAccount.objects.get(user=user)
            log_person_reads(user=user, person_ids=[account.person_id], action=AccessAction.PORTAL_SIGN_IN,
                             purpose=gettext_noop("vahva tunnistautuminen"), channel=AccessChannel.WEB)
        return user


class ClientSignInView(SignInView):
    """Sends the client to the identity provider (Suomi.fi through the broker; the test provider here)."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return client_setting(attr, *args)


class ClientCallbackView(CallbackView):
    """Where the provider returns the client: a portal session begins (or the sign-in page says why not)."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return client_setting(attr, *args)

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        self.request.session[PORTAL_SESSION] = True
        return response
