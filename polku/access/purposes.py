"""Why a person's data was read: as the access log keeps it, and as a reader sees it.

The log keeps every purpose in Finnish, whatever the reader's language, so that the record reads the same to the
data protection officer, to an auditor and to the courts years later. The purposes the system writes itself are
marked for translation where they are written (``gettext_noop``); :func:`shown` puts a logged purpose into the
language of whoever reads the log — a Swedish-speaking client on "who viewed my data", say.

A logged purpose is one of the system's own texts ("asiakastyö"), or such a text with a detail after a colon
("oma asiointi: etusivu", "ylläpito: people.Person", "break_glass: perustelu puuttui"), where the head may also be
the action that was tried. What a person wrote (a break-glass reason, an API caller's purpose) is shown as written.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from polku.access.models import AccessAction

SEPARATOR = ": "
# Heads the system writes before a detail of its own making (an f-string at the writer, so marked here).
HEADS = (gettext_noop("ylläpito"), gettext_noop("varmuuskopio"), gettext_noop("suunnitelma"),
         gettext_noop("oma asiointi"))


def shown(logged: str) -> str:
    """``logged`` in the active language: the system's own texts translated, anything else as it was written."""
    if not logged:
        return logged
    whole = gettext(logged)
    if whole != logged:
        return whole
    head, separator, rest = logged.partition(SEPARATOR)
    if not separator:
        return logged
    head = str(AccessAction(head).label) if head in AccessAction.values else gettext(head)
    return f"{head}{SEPARATOR}{shown(rest)}"
