"""What both set-based paths share (:mod:`polku.exchange.setbased` for benefit months,
:mod:`polku.exchange.setbased_facts` for the other dated facts): their tables, their verdict, and the joins that find
a staged row's person and source record."""

from __future__ import annotations

import re

from polku.core.logging import PERSONAL_ID_PATTERN
from polku.exchange.adopt import OWN_SYSTEM

STAGE = "polku_setbased_stage"  # the file's cells as they are, one file at a time
PERSONS = "polku_setbased_persons"  # this import's persons by source key (once per import)
DAYS = "polku_setbased_days"  # every real day a fact may have, as ISO text (once per import)


IDS = "A-Za-z0-9._:/-"  # the characters of an id taken for certain (an export's ids: uuids, "etuus-1", "hlo:42" …)
STAGED_KEYS = ("source_system", "source_id", "person_system", "person_id", "personal_id")
KEYS_UNCERTAIN = "keys_uncertain"  # the staged column of keys_uncertain()'s verdict
_ID = re.compile(f"[{IDS}]{{1,120}}").fullmatch
_SYSTEM = re.compile(f"[{IDS}]{{1,40}}").fullmatch
FALSE = ("", "false", "0", "ei", "e", "no", "n", "nej", "epätosi")  # parse_boolean's false texts (lower case)
# A new key of Polku's own that the row path would adopt as the fact it names (:func:`polku.exchange.adopt.own_keyed`),
# where the entity's table holds rows.
OWN_KEY = (f"(system = '{OWN_SYSTEM}' AND sr_id IS NULL AND length(replace(replace(replace("
           "source_id, '-', ''), 'urn:', ''), 'uuid:', '')) = 32)")


def key_uncertain(system: str | None, key: str | None) -> bool:
    """True unless a record's key (or its person's) is certain: an id of plain characters (:data:`IDS`) within the
    schema's length, its system (if named; else the profile's) of the same characters within its own, and no identity
    code in the id (:data:`~polku.core.logging.PERSONAL_ID_PATTERN`, as the row path looks for one)."""
    if not (key and _ID(key)) or (system and not _SYSTEM(system)):
        return True
    return bool(PERSONAL_ID_PATTERN.search(key))


def keys_uncertain(source_system: str | None, source_id: str | None, personal_id: str | None, *,
                   person_uncertain: bool) -> bool:
    """True unless a row's keys and person reference are certain: :func:`key_uncertain` of its own key and of its
    person's (``person_uncertain``, asked once a person as an export's rows come), and the person named by id, not by
    identity code."""
    return person_uncertain or bool(personal_id) or key_uncertain(source_system, source_id)


def source_order(vendor: str) -> str:
    """The order new source records are written in. On SQLite by their key: the key's unique index (part of the
    table, so it stays through a first load) then grows at its end instead of at a random place for every row, which
    was a third of the insert's time. On PostgreSQL, whose first load builds that index after the rows, by line:
    sorting by key first cost more than it saved."""
    return "ORDER BY system, source_id" if vendor == "sqlite" else "ORDER BY line"


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


def with_current(plan: str, table: str, columns: list[str], stored: list[str]) -> str:
    """A plan's incoming rows (new and changed) with the current rows of ``table`` of the same persons that the plan
    does not replace, as ``(person, *columns, incoming)``; ``stored``: the table's columns for ``columns``. The rules
    over a person's rows (no overlap, one of a kind, days in a month) count groups with an incoming row."""
    return f"""
        SELECT person_key AS person, {', '.join(columns)}, 1 AS incoming FROM {plan} WHERE action IN ('new', 'changed')
        UNION ALL
        SELECT b.person_id, {', '.join(f'b.{c}' for c in stored)}, 0 FROM {table} b
        WHERE b.superseded_at IS NULL
          AND b.person_id IN (SELECT person_key FROM {plan} WHERE action IN ('new', 'changed'))
          AND b.lineage NOT IN (SELECT sr_lineage FROM {plan} WHERE action = 'changed' AND sr_lineage IS NOT NULL)"""
