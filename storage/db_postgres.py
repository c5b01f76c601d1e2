"""PostgreSQL: pools of connections, each connection on its own thread, short transactions.

Unlike SQLite there is no process-wide write lock: several coroutines (and several processes)
write at once, and what must happen once (a handled update, a sent notice, the first decision
on a request) is enforced by constraints and ON CONFLICT in the shared SQL. Grouped writes
(check-ins, handled updates) still share one transaction per group on one connection.

Writes and reads draw from separate pools, as SQLite has a writer and a reader: a read made
while a transaction is open (common: look something up, then write) takes a reader, never a
second writer, so transactions cannot end up all waiting for each other's connections; and a
read sees committed data only, on both databases. The hot path's reads by key (`lookup`) go
through a third set, batched on the event loop (storage/keyed_reads.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from storage.batch import GroupCommit, Outcome, Unit, run_group
from storage.db import Database, Params, T
from storage.dialects import POSTGRES
from storage.keyed_reads import KeyedReads
from storage.migrations import apply_migrations
from storage.pg import PgConnection
from storage.threaded import ThreadConnection

WRITERS = 4
READERS = 4


class Pool:
    """Up to `size` connections, opened when work waits for one (a quiet bot holds one)."""

    def __init__(self, url: str, name: str, size: int, id_tables: frozenset[str]) -> None:
        self.url, self.name, self.size, self.id_tables = url, name, size, id_tables
        self.all: list[ThreadConnection] = []
        self.free: asyncio.Queue[ThreadConnection] = asyncio.Queue()
        self.opening = 0

    async def _open_one(self) -> ThreadConnection:
        url, tables, n = self.url, self.id_tables, len(self.all) + self.opening
        self.opening += 1
        try:
            conn = await ThreadConnection(
                lambda: PgConnection.connect(url, tables), f"{self.name}-{n}"
            ).open()
        finally:
            self.opening -= 1
        self.all.append(conn)
        return conn

    @asynccontextmanager
    async def checkout(self) -> AsyncIterator[ThreadConnection]:
        if self.free.empty() and len(self.all) + self.opening < self.size:
            conn = await self._open_one()
        else:
            conn = await self.free.get()
        try:
            yield conn
        finally:
            self.free.put_nowait(conn)

    async def close(self) -> None:
        for conn in self.all:
            await conn.close()
        self.all = []


class PostgresDatabase(Database):
    dialect = POSTGRES

    def __init__(self, url: str, writers: int = WRITERS, readers: int = READERS) -> None:
        super().__init__()
        self.target = self.url = url
        self._sizes = (writers, readers)
        self._writers: Pool | None = None
        self._readers: Pool | None = None
        self._keyed: KeyedReads | None = None
        self._bookkeeping = GroupCommit(self._run_group)

    @property
    def is_open(self) -> bool:
        return self._writers is not None

    async def open(self) -> None:
        first = await ThreadConnection(lambda: PgConnection.connect(self.url), "pg-migrate").open()
        try:
            await apply_migrations(first, self.dialect)
            rows = await first.execute_fetchall(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_name = 'id'"
            )
        finally:
            await first.close()
        id_tables = frozenset(r[0] for r in rows)
        self._writers = Pool(self.url, "pg-w", self._sizes[0], id_tables)
        self._readers = Pool(self.url, "pg-r", self._sizes[1], id_tables)
        self._keyed = KeyedReads(self.url)

    async def close(self) -> None:
        await self._group.close()
        await self._bookkeeping.close()
        pools, self._writers, self._readers = (self._writers, self._readers), None, None
        keyed, self._keyed = self._keyed, None
        for pool in (*pools, keyed):
            if pool is not None:
                await pool.close()

    def _pool(self, write: bool) -> Pool:
        pool = self._writers if write else self._readers
        if pool is None:
            raise RuntimeError("database is not open")
        return pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ThreadConnection]:
        async with self._pool(write=True).checkout() as conn:
            await conn.execute("BEGIN")
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                # A lost connection has no transaction left to roll back.
                if await conn.run(lambda raw: not raw.closed and raw.in_transaction):
                    await conn.execute("ROLLBACK")
                raise

    async def _run_group(self, units: list[Unit]) -> list[Outcome]:
        async with self._pool(write=True).checkout() as conn:
            return await conn.run(run_group, units, self.dialect.begin)

    async def write_bookkeeping(self, unit: Callable[[Any], T]) -> T:
        """A check-in's group holds its team's chain head until it commits, so those groups
        take turns, one round trip per statement each. Handled updates and sent
        confirmations need no turn: in groups of their own, on another connection, at the
        same time, they no longer lengthen the queue every check-in waits in."""
        return await self._bookkeeping.submit(unit)

    async def execute_alone(self, sql: str, params: Params = ()) -> None:
        async with self._pool(write=True).checkout() as conn:
            await conn.execute(sql, params)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        async with self._pool(write=True).checkout() as conn:
            return await conn.run(fn, *args)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        async with self._pool(write=False).checkout() as conn:
            return await conn.execute_fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        async with self._pool(write=False).checkout() as conn:
            return await (await conn.execute(sql, params)).fetchone()

    async def lookup(self, sql: str, params: Params = ()) -> Any:
        """One row by key, for the hot path (storage/keyed_reads.py); scans belong on
        `fetchall`."""
        return await self.keyed_reads.fetch(sql, params, one=True)

    async def lookup_all(self, sql: str, params: Params = ()) -> list[Any]:
        """The few rows one key selects (a person's memberships), like `lookup`."""
        rows: list[Any] = await self.keyed_reads.fetch(sql, params, one=False)
        return rows

    @property
    def keyed_reads(self) -> KeyedReads:
        if self._keyed is None:
            raise RuntimeError("database is not open")
        return self._keyed

    async def integrity_check(self) -> str:
        """PostgreSQL keeps constraints itself (foreign keys cannot be broken while triggers
        run); what can go wrong without a crash is an index left invalid by an interrupted
        build. Page-level checks are amcheck's, a DBA's tool."""
        row = await self.fetchone("SELECT count(*) FROM pg_index WHERE NOT indisvalid")
        return (
            "ok" if row is not None and row[0] == 0 else f"{row[0] if row else '?'} invalid indexes"
        )

    async def stream(
        self, sql: str, params: Params = (), batch: int = 5000
    ) -> AsyncGenerator[list[Any], None]:
        """Rows in batches through a server-side cursor in one read-only snapshot: memory
        stays flat however many rows match."""
        async with self._pool(write=False).checkout() as conn:
            await conn.execute("BEGIN READ ONLY")
            cursor = await conn.run(lambda c: c.server_cursor(sql, params))
            try:
                while rows := await conn.run(lambda _: cursor.fetchmany(batch)):
                    yield rows
            finally:
                await conn.run(lambda _: cursor.close())
                await conn.execute("COMMIT")
