"""Ordered, named schema steps, each recorded in `schema_migrations` once applied.

A step is a module in this package named `mNNNN_<name>.py` with a `SQL` string. Steps run in
the order of their numbers, each in its own transaction, at every start; an applied step is
never run again, so a step is never edited once released: add a new one instead.
"""

from __future__ import annotations

import importlib
import pkgutil
import time

import aiosqlite


def discover() -> list[tuple[str, str]]:
    steps = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            module = importlib.import_module(f"{__name__}.{info.name}")
            steps.append((info.name, module.SQL))
    return sorted(steps)


async def apply_migrations(conn: aiosqlite.Connection) -> list[str]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL)"
    )
    async with conn.execute("SELECT name FROM schema_migrations") as cur:
        done = {row[0] for row in await cur.fetchall()}
    applied = []
    for name, sql in discover():
        if name in done:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)", (name, time.time())
            )
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
        applied.append(name)
    return applied


def _statements(sql: str) -> list[str]:
    # executescript would commit on its own; splitting keeps each step one transaction.
    return [s.strip() for s in sql.split(";\n") if s.strip()]
