"""``python -m polku.core.dbcheck URL``: exit 0 if the PostgreSQL server at URL answers.

Used by ``make test`` to decide whether to run the suite a second time on PostgreSQL.
"""

from __future__ import annotations

import sys

import psycopg


def reachable(url: str) -> bool:
    """True if a connection to the server (its ``postgres`` maintenance database) succeeds."""
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(maintenance, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


if __name__ == "__main__":
    sys.exit(0 if len(sys.argv) > 1 and reachable(sys.argv[1]) else 1)
