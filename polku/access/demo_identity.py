"""The demo's identity provider: a local OpenID Connect test provider with a few staff users, and the group mapping
that gives them their roles — so that signing in through the municipality's provider can be tried in the demo.

``make serve`` starts it on port 9400 (``polku demo_identity_provider``) and points Polku at it; ``demo_setup``
writes the mapping. The provider's sign-in form lets anyone choose any user: a demo, never a production provider.
"""

from __future__ import annotations

from typing import Any

from polku.access.models import IdentityProviderGroup, Role, Team
from polku.reference.models import EmploymentArea

DEMO_PROVIDER_PORT = 9400

# group at the provider → role, area, team (as an administrator would map a municipality's groups)
DEMO_GROUPS: dict[str, tuple[str, str | None, str | None]] = {
    "polku-kuopio-ohjaajat": (Role.COUNSELLOR, "kuopio", "Alkupalvelu"),
    "polku-kuopio-paallikot": (Role.MANAGER, "kuopio", None),
    "polku-tietosuoja": (Role.DPO, None, None),
}

# the provider's users: subject and claims (names, e-mail, groups)
DEMO_USERS: list[dict[str, Any]] = [
    {"sub": "kuopio-0001", "preferred_username": "sanna.saarinen", "given_name": "Sanna", "family_name": "Saarinen",
     "email": "sanna.saarinen@kuopio.example", "groups": ["kuopio-henkilosto", "polku-kuopio-ohjaajat"]},
    {"sub": "kuopio-0002", "preferred_username": "jukka.heikkinen", "given_name": "Jukka", "family_name": "Heikkinen",
     "email": "jukka.heikkinen@kuopio.example", "groups": ["kuopio-henkilosto", "polku-kuopio-paallikot"]},
    {"sub": "kuopio-0003", "preferred_username": "leena.tietosuoja", "given_name": "Leena", "family_name": "Laine",
     "email": "leena.laine@kuopio.example", "groups": ["polku-tietosuoja"]},
    {"sub": "kuopio-0099", "preferred_username": "ville.vierailija", "given_name": "Ville", "family_name": "Virtanen",
     "email": "ville.virtanen@kuopio.example", "groups": ["kuopio-henkilosto"]},  # no Polku group: refused
]

# The portal's demo clients: strong identification gives the identity code (``hetu``), which Polku maps to the person
# (``polku demo_setup`` registers them). Artificial codes (individual number 900–999): nobody real.
DEMO_CLIENTS: list[dict[str, Any]] = [
    {"sub": "asiakas-0001", "hetu": "140392-904B", "given_name": "Aino", "family_name": "Asiakas",
     "preferred_username": "aino.asiakas"},
    {"sub": "asiakas-0002", "hetu": "021187-9132", "given_name": "Onni", "family_name": "Osallinen",
     "preferred_username": "onni.osallinen"},
]


def ensure_demo_groups() -> None:
    """The demo's group mapping (kept up to date on every ``demo_setup``)."""
    for group, (role, area_code, team_name) in DEMO_GROUPS.items():
        area = EmploymentArea.objects.get(code=area_code) if area_code else None
        team = Team.objects.get_or_create(area=area, name=team_name)[0] if (area and team_name) else None
        IdentityProviderGroup.objects.update_or_create(group=group, defaults={"role": role, "area": area,
                                                                             "team": team})
