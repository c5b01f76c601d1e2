"""`outpost db copy`: a whole deployment from one database to another (SQLite ⇄ PostgreSQL).

Both ends are opened as Storage, so both carry every migration; the target must hold no rows.
Tables go parents first (foreign keys), each streamed from the source in batches and loaded
into the target in one transaction for the whole copy: a failure leaves the target empty and
the copy can simply be run again. At the end every table's rows are counted on both sides.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from dataclasses import dataclass

from storage.db import Database
from storage.dialects import bulk

BATCH = 5000


class TransferError(Exception):
    """Why the copy was refused or stopped; the message is for the operator."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def equal(self) -> bool:
        return self.source == self.target


async def tables_in_order(db: Database) -> list[str]:
    """Every data table, each after the tables it references."""
    postgres = db.dialect.postgres
    names = [r[0] for r in await db.fetchall(bulk.tables_sql(postgres))]
    names = [n for n in names if n not in bulk.SKIP_TABLES]
    graph: dict[str, set[str]] = {n: set() for n in names}
    for table, parent in await db.fetchall(bulk.foreign_keys_sql(postgres)):
        if table in graph and parent in graph and parent != table:
            graph[table].add(parent)
    ordered = list(graphlib.TopologicalSorter(graph).static_order())
    last = [t for t in ordered if t in bulk.TRIGGER_FED]
    return [t for t in ordered if t not in bulk.TRIGGER_FED] + last


async def counts(db: Database, tables: list[str]) -> dict[str, int]:
    out = {}
    for table in tables:
        row = await db.fetchone(f'SELECT count(*) FROM "{table}"')
        out[table] = int(row[0]) if row else 0
    return out


async def copy_database(
    source: Database,
    target: Database,
    *,
    on_progress: Callable[[str, int, int], None] = lambda table, done, total: None,
    batch: int = BATCH,
) -> list[TableCount]:
    tables = await tables_in_order(source)
    missing = set(tables) - set(await tables_in_order(target))
    if missing:
        raise TransferError(f"the target lacks tables {sorted(missing)}: is it older code?")
    already = {t: n for t, n in (await counts(target, tables)).items() if n}
    if already:
        listed = ", ".join(f"{t} ({n})" for t, n in sorted(already.items()))
        raise TransferError(f"the target is not empty: {listed}. Copy into an empty database.")
    totals = await counts(source, tables)
    postgres = target.dialect.postgres
    source_pg = source.dialect.postgres
    async with target.transaction() as conn:
        for table in tables:
            if off := bulk.triggers(postgres, table, enabled=False):
                await conn.execute(off)
        for table in tables:
            done = 0
            on_progress(table, 0, totals[table])
            columns: list[str] | None = None
            if table in bulk.TRIGGER_FED:
                await conn.execute(f'DELETE FROM "{table}"')
            async for rows in source.stream(bulk.select_all(source_pg, table), (), batch):
                derived = bulk.DERIVED_COLUMNS.get(table, frozenset())
                columns = columns or [c for c in rows[0].keys() if c not in derived]
                if derived:
                    rows = [[row[c] for c in columns] for row in rows]
                await conn.run(bulk.load, postgres, table, columns, rows)
                done += len(rows)
                on_progress(table, done, totals[table])
            for column in ("id", "rowid"):
                if columns is not None and column in columns:
                    fix = bulk.after_load(postgres, table, column)
                    if fix:
                        await conn.execute(fix)
        for table in tables:
            if on := bulk.triggers(postgres, table, enabled=True):
                await conn.execute(on)
    if analyze := bulk.after_copy(postgres):
        await target.execute(analyze)
    after = await counts(target, tables)
    return [TableCount(t, totals[t], after[t]) for t in tables]


def summary(result: list[TableCount]) -> tuple[bool, list[str]]:
    lines = [f"{'table':<28}{'source':>12}{'target':>12}"]
    for c in result:
        mark = "" if c.equal else "   <- DIFFERENT"
        lines.append(f"{c.table:<28}{c.source:>12,}{c.target:>12,}{mark}")
    return all(c.equal for c in result), lines
