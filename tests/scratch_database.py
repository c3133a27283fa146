"""A PostgreSQL database of a test's own, for tests that run Polku in a child process against an empty database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg


@contextmanager
def scratch_postgres(url: str, purpose: str) -> Iterator[str]:
    """The URL of a new database ``polku_<purpose>_<pid>`` on the server of ``url`` (any database's URL there, with its
    user and password), dropped afterwards. Of this process's own: the two suites of ``make test`` and parallel runs
    in other checkouts do not meet."""
    server = url.rsplit("/", 1)[0]
    name = f"polku_{purpose}_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
