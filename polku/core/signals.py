"""Signals between layers that may not import each other.

``facts_changed`` is sent after new facts came in (an import) and every cached figure was dropped: packages that
keep something derived from the facts (the monthly reports publish the month that is now complete) listen to it,
so the importer needs to know none of them.
"""

from django.dispatch import Signal

facts_changed = Signal()  # keyword arguments: scope_code (str | None), the import's scope
