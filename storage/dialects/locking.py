"""How a write transaction starts, and how schema changes are kept to one process at a time.

SQLite: BEGIN IMMEDIATE takes the database's one write lock up front, so a transaction never
fails half-way on a lock upgrade. PostgreSQL: rows are locked as they are written and
uniqueness is enforced by constraints, so a plain BEGIN; several processes may start at once,
and an advisory lock keeps two of them from applying the same migration.
"""

from __future__ import annotations

# Any constant works; this one spells "outpost" so it is recognisable in pg_locks.
MIGRATION_LOCK_KEY = 0x6F7574706F7374


def begin(postgres: bool) -> str:
    return "BEGIN" if postgres else "BEGIN IMMEDIATE"


def migration_lock(postgres: bool) -> str | None:
    return f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})" if postgres else None


def skip_locked(postgres: bool) -> str:
    """Appended to a SELECT that claims rows: on PostgreSQL a row another transaction is
    claiming is skipped rather than waited for; SQLite's one writer makes it moot."""
    return " FOR UPDATE SKIP LOCKED" if postgres else ""
