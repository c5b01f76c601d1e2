"""PostgreSQL: a pool of connections, each on its own thread, short transactions.

Unlike SQLite there is no process-wide write lock: several coroutines (and several processes)
write at once, and what must happen once (a handled update, a sent notice, the first decision
on a request) is enforced by constraints and ON CONFLICT in the shared SQL. Grouped writes
(check-ins, handled updates) still share one transaction per group on one connection.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from storage.batch import Outcome, Unit, run_group
from storage.db import Database, Params, T
from storage.dialects import POSTGRES
from storage.migrations import apply_migrations
from storage.pg import PgConnection
from storage.threaded import ThreadConnection

POOL_SIZE = 8
# The connection of the transaction the current task has open, if any (see `connection`).
_IN_TRANSACTION: contextvars.ContextVar[
    tuple[asyncio.Task[Any] | None, ThreadConnection] | None
] = contextvars.ContextVar("outpost_pg_transaction", default=None)


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
        """A pooled connection for the duration of the block.

        A task that reads while it holds a transaction open reads on that transaction's
        connection: taking a second one could wait forever once every connection is held by
        a transaction doing the same (and it sees its own writes, as one would expect)."""
        held = _IN_TRANSACTION.get()
        if held is not None and held[0] is asyncio.current_task():
            yield held[1]
            return
        async with self._checkout() as conn:
            yield conn

    @asynccontextmanager
    async def _checkout(self) -> AsyncIterator[ThreadConnection]:
        if not self._all:
            raise RuntimeError("database is not open")
        conn = await self._free.get()
        try:
            yield conn
        finally:
            self._free.put_nowait(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ThreadConnection]:
        held = _IN_TRANSACTION.get()
        if held is not None and held[0] is asyncio.current_task():
            raise RuntimeError("a transaction is already open in this task")
        async with self.connection() as conn:
            await conn.execute("BEGIN")
            token = _IN_TRANSACTION.set((asyncio.current_task(), conn))
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
            finally:
                _IN_TRANSACTION.reset(token)

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
        """Rows in batches through a server-side cursor: memory stays flat. Always on a
        connection of its own: its snapshot transaction must not end a caller's."""
        async with self._checkout() as conn:
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
