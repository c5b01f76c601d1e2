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
TRIGGER_FED = ("schedule_marks", "chain_heads", "chain_links")
# Tables whose SQLite rowid is referenced elsewhere (hash-chain links, spoof signals name a
# roll-call answer by it); on PostgreSQL it is a real `rowid` column (m0141). Copied as is.
ROWID_TABLES = ("rollcall_targets",)
# Columns a database derives from its own rows (m0174: check-ins' rendered CSV cells): never
# copied, so a target renders them afresh instead of trusting another database's.
DERIVED_COLUMNS: dict[str, frozenset[str]] = {"checkins": frozenset({"csv_key", "csv_cells"})}


def select_all(postgres: bool, table: str) -> str:
    if not postgres and table in ROWID_TABLES:
        return f'SELECT rowid AS rowid, * FROM "{table}"'
    return f'SELECT * FROM "{table}"'


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


def triggers(postgres: bool, table: str, enabled: bool) -> str | None:
    """PostgreSQL: the tables' own triggers (hash chains, schedule marks) stay off while rows
    are copied in, the copied chain tables already hold their links; SQLite cannot switch a
    trigger off, so there the trigger-fed tables are emptied and loaded last."""
    if not postgres:
        return None
    return f'ALTER TABLE "{table}" {"ENABLE" if enabled else "DISABLE"} TRIGGER USER'


def after_copy(postgres: bool) -> str | None:
    """PostgreSQL: gather the planner's statistics once the whole copy is in. A database
    filled in one transaction otherwise has none until autovacuum comes round, and the
    bot's first queries on it are planned blind (whole-table scans where an index serves)."""
    return "ANALYZE" if postgres else None


def after_load(postgres: bool, table: str, column: str) -> str | None:
    """PostgreSQL: move an identity column's sequence past the ids copied in, so the next
    row the bot inserts does not collide with one it brought along."""
    if not postgres:
        return None
    return (
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'),"
        f' coalesce((SELECT max("{column}") FROM "{table}"), 0) + 1, false)'
        f" WHERE pg_get_serial_sequence('\"{table}\"', '{column}') IS NOT NULL"
    )
