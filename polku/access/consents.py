"""Whether a client's consent is in force, for the services that depend on one: asked at the moment of use.

Consents are given and withdrawn in the client's portal (``polku.portal``), which sits above the services that
depend on them (employer services presenting a profile to employers, for one). So the portal registers the lookup
when it starts, and below it nothing imports the portal: without a registered lookup no consent is in force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# (person ids, purpose, recipient) → the ids among them whose consent to that purpose and recipient is in force now
Lookup = Callable[[list[Any], str, str], set[Any]]
_lookup: Lookup | None = None


def register(lookup: Lookup) -> None:
    global _lookup  # noqa: PLW0603 - one process-wide lookup, set once at start-up
    _lookup = lookup


def persons_with_consent(person_ids: Iterable[Any], purpose: str, recipient: str) -> set[Any]:
    """Those of ``person_ids`` whose consent to ``purpose`` for ``recipient`` is in force at this moment."""
    ids = list(person_ids)
    if _lookup is None or not ids:
        return set()
    return _lookup(ids, purpose, recipient)
