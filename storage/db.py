"""One long-lived writer connection in WAL mode, plus a reader that never blocks it.

aiosqlite gives each connection its own thread, so the writer thread owns every write (the
datasette model). Coroutines share that connection, so a write transaction holds an asyncio
lock: otherwise one coroutine's statements would land inside another's transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.batch import GroupCommit, Outcome, Unit, run_group
from storage.chain_hash import register_async
from storage.migrations import apply_migrations

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL is durable across application crashes in WAL mode; only power loss can drop
    # the last commits, and it keeps a commit from costing an fsync.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._keyed: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._group = GroupCommit(self._run_group)

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._writer = await self._connect()
            await apply_migrations(self._writer)
            self._reader = await self._connect()
            await self._reader.execute("PRAGMA query_only=ON")
            self._keyed = _keyed_reader(self.path)
        except BaseException:
            # Not a database, a full disk, a locked file: what was opened is closed again, or
            # its connection thread would keep the process alive after the error was said.
            await self.close()
            raise

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so transactions are explicit.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
            # The hash-chain triggers call these on every write of an evidence table.
            await register_async(conn)
        except BaseException:
            await conn.close()  # its thread would otherwise outlive the error
            raise
        return conn

    async def close(self) -> None:
        await self._group.close()
        if self._keyed is not None:
            self._keyed.close()
            self._keyed = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: BEGIN IMMEDIATE takes SQLite's write lock up front."""
        async with self._write_lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                # A full disk or an I/O error ends the transaction inside SQLite already; a
                # ROLLBACK then would replace the real cause with "no transaction is active".
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise

    async def write_grouped(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        """Runs `unit(conn)` on the writer thread, in one transaction with whatever other
        grouped writes are waiting (storage/batch.py): for hot paths such as check-ins.

        `unit` is synchronous plain sqlite3 code; it must not touch the event loop.
        """
        return await self._group.submit(unit)

    async def _run_group(self, units: list[Unit]) -> list[Outcome]:
        async with self._write_lock:
            writer = self.writer
            # aiosqlite has no public "run this on your thread": _execute is how its own
            # methods do it, and _conn is the sqlite3 connection that thread owns (the
            # pinned aiosqlite range keeps both; tests/test_group_commit.py would catch a
            # change). One hop for the whole group is the point of grouping.
            outcomes: list[Outcome] = await writer._execute(run_group, writer._conn, units)
            return outcomes

    async def execute_alone(self, sql: str, params: Params = ()) -> None:
        """One write statement as its own (implicit) transaction: one trip to the writer
        thread instead of three. For a latency-critical single row; the write lock keeps it
        out of any other coroutine's open transaction."""
        async with self._write_lock:
            await self.writer.execute(sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """A single write statement in its own transaction; returns lastrowid."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        # One trip to the reader thread rather than three (execute, fetch, close): every
        # check-in makes several of these lookups. Callers ask for one row by key.
        rows = await self.reader.execute_fetchall(sql, params)
        for row in rows:
            return row
        return None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self.reader.execute_fetchall(sql, params))

    async def lookup(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """One row by key, read inline on the event loop's thread: for the hot path only.

        A primary-key lookup in a cached WAL database costs ~15 µs; a trip to aiosqlite's
        thread and back costs ~100 µs of CPU, and every check-in needs several (who is this,
        their memberships, their flow, their team). WAL readers never wait for the writer, so
        this cannot stall the loop behind a write. Never use it for scans or exports: those
        belong on `fetchall`/`stream`, off the loop.
        """
        row: sqlite3.Row | None = self._keyed_conn.execute(sql, params).fetchone()
        return row

    async def lookup_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """The few rows one key selects (a person's memberships), inline like `lookup`."""
        return self._keyed_conn.execute(sql, params).fetchall()

    @property
    def _keyed_conn(self) -> sqlite3.Connection:
        if self._keyed is None:
            raise RuntimeError("database is not open")
        return self._keyed

    async def stream(
        self, sql: str, params: Params = (), batch: int = 5000
    ) -> AsyncIterator[list[sqlite3.Row]]:
        """Rows in batches, for exports: memory stays flat however many rows match."""
        async with self.reader.execute(sql, params) as cur:
            while rows := await cur.fetchmany(batch):
                yield list(rows)


def _keyed_reader(path: Path) -> sqlite3.Connection:
    # Created and used on the event loop's thread only (sqlite3 enforces that). A short busy
    # timeout: in WAL a reader only ever waits during recovery after a crash.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA query_only=ON")
    conn.execute("PRAGMA busy_timeout=1000")
    return conn
