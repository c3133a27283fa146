"""What both set-based paths share (:mod:`polku.exchange.setbased` for benefit months,
:mod:`polku.exchange.setbased_facts` for the other dated facts): their tables, their verdict, and the joins that find
a staged row's person and source record."""

from __future__ import annotations

STAGE = "polku_setbased_stage"  # the file's cells as they are, one file at a time
PERSONS = "polku_setbased_persons"  # this import's persons by source key (once per import)
DAYS = "polku_setbased_days"  # every real day a fact may have, as ISO text (once per import)


class NotCertain(Exception):  # noqa: N818 - a verdict, not an error
    """The file goes through the row path."""


# A staged row's line and keys, its person and their birth day, and its source record: from the joins of resolving().
RESOLVED = """s.line, s.system, s.source_id, COALESCE(ip.person_key, ep.person_id) AS person_key,
              COALESCE(ip.birth, pp.birth_date) AS birth, sr.id AS sr_id, sr.person_id AS sr_person,
              sr.lineage AS sr_lineage, sr.content_hash AS sr_hash, sr.retracted_at AS sr_retracted"""


def resolving(entity: str) -> str:
    """The joins that find a staged row ``s``'s person — by its person id in its person system (``s.person_system``),
    in this import's persons, else imported earlier — and the row's own source record."""
    return f"""
        LEFT JOIN {PERSONS} ip ON ip.source_id = s.person_id AND ip.system = s.person_system
        LEFT JOIN exchange_sourcerecord ep ON ip.person_key IS NULL AND ep.system = s.person_system
             AND ep.entity = 'persons' AND ep.source_id = s.person_id
        LEFT JOIN people_person pp ON pp.id = ep.person_id
        LEFT JOIN exchange_sourcerecord sr ON sr.system = s.system AND sr.entity = '{entity}'
             AND sr.source_id = s.source_id"""
