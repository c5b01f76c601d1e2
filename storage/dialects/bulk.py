"""Moving whole tables: the catalog (tables, foreign keys, identity columns) and bulk loads.

PostgreSQL loads with `COPY … FROM STDIN` (rows streamed, no statement per row); SQLite with
executemany inside the caller's transaction. Both run on the connection's own thread
(storage/threaded.py), given the raw connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Bookkeeping of the schema itself: every database has its own, written by its migrations.
SKIP_TABLES = frozenset({"schema_migrations"})
# Tables that triggers write when rows go into others (m0160: a team's schedule change
# stamps schedule_marks): loading those others fills them, so they are emptied and loaded
# last, to hold exactly the source's rows. A migration adding such a table lists it here.
TRIGGER_FED = ("schedule_marks",)


def tables_sql(postgres: bool) -> str:
    if postgres:
        return (
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    return (
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )


def foreign_keys_sql(postgres: bool) -> str:
    """(table, referenced table) pairs."""
    if postgres:
        return (
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
        )
    return (
        'SELECT m.name, f."table" FROM sqlite_master m, pragma_foreign_key_list(m.name) f'
        " WHERE m.type = 'table'"
    )


def load(raw: Any, postgres: bool, table: str, columns: Sequence[str], rows: list[Any]) -> None:
    """Appends rows to a table, inside the transaction open on `raw`."""
    names = ", ".join(f'"{c}"' for c in columns)
    if postgres:
        with raw.raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as cp:
            for row in rows:
                cp.write_row(tuple(row))
        return
    marks = ", ".join("?" * len(columns))
    raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def after_load(postgres: bool, table: str, identity: bool) -> str | None:
    """PostgreSQL: move an identity column's sequence past the ids copied in, so the next
    row the bot inserts does not collide with one it brought along."""
    if not (postgres and identity):
        return None
    return (
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'),"
        f' coalesce((SELECT max(id) FROM "{table}"), 0) + 1, false)'
    )
