"""One DB-API connection owned by one thread of ours; coroutines hand it work.

Both drivers we use (sqlite3, psycopg) are blocking; a connection must stay on one thread
(sqlite3 enforces it). This is the small piece aiosqlite did for us, owned here so that a
whole unit of work (a group commit, a claim of many keys) can run on the connection's thread
in one hop, through public API only, for either database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]


class Result:
    """A statement's outcome, fetched on the connection's thread: rows, rowcount, lastrowid.

    Fetching eagerly keeps a cursor from living across awaits; queries that may return many
    rows go through `Database.stream` instead."""

    __slots__ = ("_rows", "lastrowid", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int) -> list[Any]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def close(self) -> None:
        """Nothing to release (the rows were fetched with the statement)."""


class _Pending:
    """`await conn.execute(...)` and `async with conn.execute(...) as cur` both work."""

    def __init__(self, run: Callable[[], Any]) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, Result]:
        return self._run().__await__()

    async def __aenter__(self) -> Result:
        result: Result = await self._run()
        return result

    async def __aexit__(self, *exc: object) -> None:
        return None


def run_statement(conn: Any, sql: str, params: Params) -> Result:
    cur = conn.execute(sql, params)
    rows = cur.fetchall() if cur.description else []
    return Result(rows, cur.rowcount, getattr(cur, "lastrowid", None))


class ThreadConnection:
    """Awaitable access to one blocking connection, every call on the same thread."""

    def __init__(self, connect: Callable[[], Any], name: str) -> None:
        self._connect = connect
        self._name = name
        self._executor: ThreadPoolExecutor | None = None
        self._conn: Any = None

    async def open(self) -> ThreadConnection:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        loop = asyncio.get_running_loop()
        try:
            self._conn = await loop.run_in_executor(self._executor, self._connect)
        except BaseException:
            # A connection that could not be made leaves no thread behind to keep the
            # process alive after the error was reported.
            self._executor.shutdown(wait=False)
            self._executor = None
            raise
        return self

    @property
    def raw(self) -> Any:
        """The blocking connection: only for code already running on this thread."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs `fn(connection, *args)` on the connection's thread."""
        if self._executor is None:
            raise RuntimeError("database is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self.raw, *args)

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        return _Pending(lambda: self.run(run_statement, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = list(rows)
        if batch:
            await self.run(lambda conn: conn.executemany(sql, batch))

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        return await (await self.execute(sql, params)).fetchall()

    async def close(self) -> None:
        if self._executor is None:
            return
        if self._conn is not None:
            await self.run(lambda conn: conn.close())
            self._conn = None
        self._executor.shutdown(wait=True)
        self._executor = None
