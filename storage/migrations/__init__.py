"""Ordered, named schema steps, each recorded in `schema_migrations` once applied.

A step is a module in this package named `mNNNN_<name>.py` with a `SQL` string. Pending steps run in
the order of their numbers, together in one transaction at start (all or none); an applied step is
never run again, so a step is never edited once released: add a new one instead.

The same steps, by the same names, run on SQLite and PostgreSQL: a step's SQL is written for
SQLite and adjusted for PostgreSQL by storage/dialects/ddl.py, or, where that cannot express
it (triggers), the step also carries `PG_SQL`.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from typing import TYPE_CHECKING

from storage.dialects import Dialect, ddl, locking

if TYPE_CHECKING:
    from storage.threaded import ThreadConnection


def discover(dialect: Dialect | None = None) -> list[tuple[str, str]]:
    steps = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            module = importlib.import_module(f"{__name__}.{info.name}")
            sql = module.SQL
            if dialect is not None and dialect.postgres:
                sql = getattr(module, "PG_SQL", None) or ddl.to_postgres(sql)
            steps.append((info.name, sql))
    return sorted(steps)


async def apply_migrations(conn: ThreadConnection, dialect: Dialect) -> list[str]:
    lock = locking.migration_lock(dialect.postgres)
    applied: list[str] = []
    await conn.execute(dialect.begin)
    try:
        if lock:
            # Held to the end of this transaction: a second process starting at the same
            # moment waits here, then finds the steps applied.
            await conn.execute(lock)
            await conn.execute(ddl.PRELUDE)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            f" (name TEXT PRIMARY KEY, applied_at {'DOUBLE PRECISION' if lock else 'REAL'})"
        )
        done = {row[0] for row in await conn.execute_fetchall("SELECT name FROM schema_migrations")}
        for name, sql in discover(dialect):
            if name in done:
                continue
            for statement in ddl.statements(sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)", (name, time.time())
            )
            applied.append(name)
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")
    return applied
