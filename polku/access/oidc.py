"""Staff sign-in through the municipality's identity provider (OpenID Connect, ``mozilla-django-oidc``).

A municipality already keeps its staff, their passwords and their second factor in one identity provider (Entra ID,
a Keycloak of the municipality, Suomi.fi for staff…). Polku takes the user from there instead of keeping its own:

- ``POLKU_OIDC_ISSUER`` names the provider; its endpoints and signing keys come from its discovery document
  (``/.well-known/openid-configuration``, read once per process), so that one address is all there is to set.
  ``POLKU_OIDC_CLIENT_ID`` and ``POLKU_OIDC_CLIENT_SECRET`` are what the provider issued to Polku.
- The user is recognised by the provider's stable identifier (issuer + ``sub``), never by a name or e-mail that
  may be reused.
- Role, area and team come, at every sign-in, from the groups the provider says the user belongs to
  (``POLKU_OIDC_GROUPS_CLAIM``, default ``groups``), through the mapping table :class:`IdentityProviderGroup`
  kept by an administrator. No mapped group, or groups that map to different roles: no sign-in — access is granted
  and removed at the provider.
- The provider is responsible for the second factor of these users; local password users have Polku's own
  (:mod:`polku.access.second_factor`).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from polku.access.models import ExternalIdentity, IdentityProviderGroup, StaffProfile

log = logging.getLogger("polku.access.oidc")

# mozilla-django-oidc's settings for the provider's endpoints → the discovery document's names for them.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class SignInRefused(Exception):  # noqa: N818 - a refusal, not an error
    """The provider vouched for the user, but Polku's mapping gives them no (or no single) role."""


def enabled() -> bool:
    """Whether staff can sign in through an identity provider here (the login page shows the button)."""
    return bool(settings.POLKU_OIDC_ISSUER)


@cache
def discovery(issuer: str) -> dict[str, Any]:
    """The provider's discovery document (its endpoints), fetched once per process."""
    response = requests.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def oidc_setting(name: str, *default: Any) -> Any:
    """A setting of mozilla-django-oidc: an endpoint from the provider's discovery unless set explicitly; with no
    provider configured, an empty value instead of an error (the backend is built on every password sign-in too)."""
    explicit = getattr(settings, name, None)
    if name in DISCOVERED and not explicit:
        return discovery(settings.POLKU_OIDC_ISSUER)[DISCOVERED[name]] if enabled() else ""
    if not enabled() and not default and explicit is None:
        return ""
    return import_from_settings(name, *default)


def role_of(groups: list[str]) -> IdentityProviderGroup:
    """The single mapping of the user's groups; refused when none is mapped or they give different access."""
    mapped = list(IdentityProviderGroup.objects.filter(group__in=groups).select_related("area", "team"))
    grants = {(m.role, m.area_id, m.team_id) for m in mapped}
    if not grants:
        raise SignInRefused("no mapped group")
    if len(grants) > 1:
        raise SignInRefused("groups map to different roles")
    return mapped[0]


class StaffOidcBackend(OIDCAuthenticationBackend):
    """Finds or creates the staff user the provider vouches for, and sets their role from the group mapping."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not enabled() or (request is not None and request.path.startswith("/oma/")):
            return None  # the client portal's sign-in is its own (polku.access.client_identity)
        return super().authenticate(request, **kwargs)

    def retrieve_matching_jwk(self, token: Any) -> Any:
        """The provider's signing key: by the token's key id, or — a token without one — the provider's only
        signing key of the token's algorithm (a provider with a single key need not name it)."""
        if "kid" in jwt.get_unverified_header(token):
            return super().retrieve_matching_jwk(token)
        algorithm = jwt.get_unverified_header(token).get("alg")
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=self.get_settings("OIDC_TIMEOUT", 10))
        response.raise_for_status()
        keys = [k for k in response.json().get("keys", [])
                if k.get("use", "sig") == "sig" and k.get("alg", algorithm) == algorithm]
        if len(keys) != 1:
            raise SuspiciousOperation("The token names no key and the provider has no single signing key.")
        return jwt.PyJWK(keys[0])

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return get_user_model().objects.filter(external_identity__issuer=settings.POLKU_OIDC_ISSUER,
                                               external_identity__subject=claims["sub"])

    def _groups(self, claims: dict[str, Any]) -> list[str]:
        value = claims.get(settings.POLKU_OIDC_GROUPS_CLAIM) or []
        return [value] if isinstance(value, str) else [str(g) for g in value]

    def create_user(self, claims: dict[str, Any]) -> Any:
        grant = self._grant(claims)
        model = get_user_model()
        wanted = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])[:140]
        username, n = wanted, 1
        while model.objects.filter(username=username).exists():
            n += 1
            username = f"{wanted}-{n}"
        with transaction.atomic():
            user = model.objects.create_user(username=username)  # no usable password: only the provider signs in
            ExternalIdentity.objects.create(user=user, issuer=settings.POLKU_OIDC_ISSUER, subject=claims["sub"])
            self._apply(user, claims, grant)
        log.info("staff user %s created at first sign-in through the identity provider", username)
        return user

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        if not user.is_active:  # an account an administrator closed in Polku stays closed
            log.warning("sign-in through the identity provider refused: the account %s is closed", user.username)
            raise SignInRefused("account closed")
        self._apply(user, claims, self._grant(claims))
        return user

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The user's claims; the subject must be the one the signed ID token names (OpenID Connect Core 5.3.2)."""
        claims: dict[str, Any] = super().get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The user information names another subject than the ID token.")
        return claims

    def _grant(self, claims: dict[str, Any]) -> IdentityProviderGroup:
        try:
            return role_of(self._groups(claims))
        except SignInRefused as refusal:
            log.warning("sign-in through the identity provider refused: %s", refusal)
            raise

    def _apply(self, user: Any, claims: dict[str, Any], grant: IdentityProviderGroup) -> None:
        user.first_name = str(claims.get("given_name") or "")[:150]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.email = str(claims.get("email") or "")[:254]
        user.is_staff = user.is_superuser = False  # the admin site stays with local administrator accounts
        user.save()
        StaffProfile.objects.update_or_create(user=user, defaults={"role": grant.role, "area": grant.area,
                                                                   "team": grant.team})

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        try:
            return super().get_or_create_user(access_token, id_token, payload)
        except SignInRefused:
            return None


class SignInView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (endpoints from its discovery document); a provider that does not answer
    returns the user to the login page with the reason, not an error page."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(*args, **kwargs)
            self.unreachable = False
        except requests.RequestException as failure:
            log.warning("the identity provider's discovery document could not be read: %s", type(failure).__name__)
            self.unreachable = True

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.unreachable:
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL_FAILURE)
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; a refused sign-in returns to the login page with the reason."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except requests.RequestException as failure:  # the provider refused the code, or did not answer
            log.warning("sign-in through the identity provider failed: %s", type(failure).__name__)
            return self.login_failure()
