"""A scratch database on a PostgreSQL server for one bench run, dropped afterwards.

`--db postgresql://…` names a server the bench may create databases on (e.g. the one
`python -m tests.pg_cluster start DIR` prints); every run gets its own empty database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from storage.pg import with_database


@contextmanager
def scratch_database(url: str, label: str) -> Iterator[str]:
    name = f"outpost_bench_{label}_{os.getpid()}"
    admin = with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
