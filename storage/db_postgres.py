"""PostgreSQL: a pool of connections, each on its own thread, short transactions.

Unlike SQLite there is no process-wide write lock: several coroutines (and several processes)
write at once, and what must happen once (a handled update, a sent notice, the first decision
on a request) is enforced by constraints and ON CONFLICT in the shared SQL. Grouped writes
(check-ins, handled updates) still share one transaction per group on one connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from storage.batch import Outcome, Unit, run_group
from storage.db import Database, Params, T
from storage.dialects import POSTGRES
from storage.migrations import apply_migrations
from storage.pg import PgConnection
from storage.threaded import ThreadConnection

POOL_SIZE = 4


class PostgresDatabase(Database):
    dialect = POSTGRES

    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        super().__init__()
        self.target = self.url = url
        self._size = pool_size
        self._all: list[ThreadConnection] = []
        self._free: asyncio.Queue[ThreadConnection] = asyncio.Queue()

    @property
    def is_open(self) -> bool:
        return bool(self._all)

    async def open(self) -> None:
        first = await ThreadConnection(lambda: PgConnection.connect(self.url), "pg-0").open()
        try:
            await apply_migrations(first, self.dialect)
            rows = await first.execute_fetchall(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_name = 'id'"
            )
        finally:
            await first.close()
        id_tables = frozenset(r[0] for r in rows)
        self._all = list(
            await asyncio.gather(
                *(
                    ThreadConnection(
                        lambda: PgConnection.connect(self.url, id_tables), f"pg-{n}"
                    ).open()
                    for n in range(self._size)
                )
            )
        )
        self._free = asyncio.Queue()
        for conn in self._all:
            self._free.put_nowait(conn)

    async def close(self) -> None:
        await self._group.close()
        for conn in self._all:
            await conn.close()
        self._all = []

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[ThreadConnection]:
        """A pooled connection for the duration of the block (not in a transaction)."""
        if not self._all:
            raise RuntimeError("database is not open")
        conn = await self._free.get()
        try:
            yield conn
        finally:
            self._free.put_nowait(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ThreadConnection]:
        async with self.connection() as conn:
            await conn.execute("BEGIN")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def _run_group(self, units: list[Unit]) -> list[Outcome]:
        async with self.connection() as conn:
            return await conn.run(run_group, units, self.dialect.begin)

    async def execute_alone(self, sql: str, params: Params = ()) -> None:
        async with self.connection() as conn:
            await conn.execute(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        async with self.connection() as conn:
            return await conn.execute_fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        async with self.connection() as conn:
            return await (await conn.execute(sql, params)).fetchone()

    async def stream(
        self, sql: str, params: Params = (), batch: int = 5000
    ) -> AsyncGenerator[list[Any], None]:
        """Rows in batches through a server-side cursor: memory stays flat."""
        async with self.connection() as conn:
            await conn.execute("BEGIN READ ONLY")
            cursor = await conn.run(lambda c: c.server_cursor(sql, params))
            try:
                while rows := await conn.run(lambda _: cursor.fetchmany(batch)):
                    yield rows
            finally:
                await conn.run(lambda _: cursor.close())
                await conn.execute("COMMIT")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        async with self.connection() as conn:
            return await conn.run(fn, *args)
