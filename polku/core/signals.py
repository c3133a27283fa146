"""Signals between layers that may not import each other: the one way a writer of facts tells those who keep
something derived from them, so that no writer needs to know its readers.

- ``person_facts_written`` is sent by the timeline's services after each write of a person's facts (a recorded,
  corrected or retracted fact), inside the writer's transaction: a receiver keeps rows that must follow every write
  (case work's due items), and its failure rolls the write back (sent with ``send``, not ``send_robust``).
- ``facts_changed`` is sent after a bulk write (an import) has committed and every cached figure was dropped:
  receivers keep what a whole scope derives (the monthly reports publish the month that is now complete).
"""

from django.dispatch import Signal

person_facts_written = Signal()  # sender: the fact's model; keyword arguments: person_ids (list)
facts_changed = Signal()  # keyword arguments: scope_code (str | None), the import's scope
