"""PostgreSQL's reads by key for the hot path, batched: whatever is waiting goes in one trip.

A check-in reads several rows by key before it writes (is the update new, who is this, their
memberships, their flow, a roll call waiting for them, their team, was it confirmed). In a
burst hundreds of updates are in flight, and one round trip each, through a connection's
thread, cost ~0.2 ms of CPU apiece and queued for the few connections: the reads, not the
writes, were most of a check-in's wait. Here a read joins a queue; each free connection
takes every read waiting and sends them as one query string (`EXECUTE` of statements it
prepared once, so none is planned again), on the event loop, no thread. At low load a read
goes at once, alone; batches form only while the connections are busy, as groups of writes
do (storage/batch.py).

Every read sees committed data only, as the reader connections of `PostgresDatabase` do.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg

from storage.dialects.placeholders import to_pyformat
from storage.dialects.prepared import execute_call, numbered
from storage.pg import connect_keyed, sqlite_values

CONNECTIONS = 2
MAX_BATCH = 256  # reads in one query string


class _Read:
    __slots__ = ("future", "one", "params", "sql")

    def __init__(self, sql: str, params: Any, one: bool, future: asyncio.Future[Any]) -> None:
        self.sql, self.params, self.one, self.future = sql, params, one, future


class _Connection:
    """An async connection and the statements prepared on it (None: not preparable)."""

    def __init__(self, raw: psycopg.AsyncConnection[Any]) -> None:
        self.raw = raw
        self.names: dict[str, str | None] = {}

    async def text_of(self, read: _Read, cursor: psycopg.AsyncClientCursor[Any]) -> str:
        pyformat_sql = to_pyformat(read.sql, isinstance(read.params, dict))
        values = sqlite_values(read.params)
        if pyformat_sql not in self.names:
            name = f"outpost_keyed_{len(self.names) + 1}"
            try:
                await self.raw.execute(f"PREPARE {name} AS {numbered(pyformat_sql)[0]}")
            except psycopg.Error:
                # A parameter the server cannot type without its literal (`? IS NULL`):
                # sent as text every time, which costs a plan, not a wrong answer.
                if self.raw.broken:
                    raise
                self.names[pyformat_sql] = None
            else:
                self.names[pyformat_sql] = name
        prepared = self.names[pyformat_sql]
        if prepared is None:
            return cursor.mogrify(pyformat_sql, values)
        return cursor.mogrify(*execute_call(prepared, pyformat_sql, values))


class KeyedReads:
    def __init__(self, url: str, size: int = CONNECTIONS) -> None:
        self.url, self.size = url, size
        self.idle: list[_Connection] = []
        self.opened = 0  # connections open or being opened
        self.pending: list[_Read] = []
        self.running: set[asyncio.Task[None]] = set()
        self.closed = False
        self.trips = 0  # query strings sent (for tests and benchmarks)

    async def fetch(self, sql: str, params: Any, one: bool) -> Any:
        if self.closed:
            raise RuntimeError("database is not open")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending.append(_Read(sql, params, one, future))
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        while self.pending and (self.idle or self.opened < self.size):
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            conn = self.idle.pop() if self.idle else None
            if conn is None:
                self.opened += 1
            task = asyncio.create_task(self._run(conn, batch))
            self.running.add(task)
            task.add_done_callback(self.running.discard)

    async def _run(self, conn: _Connection | None, batch: list[_Read]) -> None:
        try:
            if conn is None or conn.raw.broken:
                # First use, or the server dropped it (a restart): a fresh one in its place.
                conn = _Connection(await connect_keyed(self.url))
        except BaseException as exc:
            self.opened -= 1
            _fail(batch, exc)
            if not isinstance(exc, Exception):
                raise
            return
        try:
            self.trips += 1
            await _answer(conn, batch)
        except BaseException as exc:
            _fail(batch, exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self.idle.append(conn)
            if not self.closed:
                self._dispatch()

    async def close(self) -> None:
        self.closed = True
        _fail(self.pending, RuntimeError("database is not open"))
        self.pending = []
        if self.running:
            await asyncio.wait(list(self.running))
        for conn in self.idle:
            await conn.raw.close()
        self.idle, self.opened = [], 0


async def _answer(conn: _Connection, batch: list[_Read], again: bool = True) -> None:
    cursor = psycopg.AsyncClientCursor(conn.raw)
    texts = [await conn.text_of(read, cursor) for read in batch]
    try:
        # Already literal: with no parameters psycopg sends the text as it is.
        await cursor.execute("; ".join(texts))
        results = [await cursor.fetchall()]
        while cursor.nextset():
            results.append(await cursor.fetchall())
    except psycopg.errors.FeatureNotSupported:
        if not again or conn.raw.broken:
            raise
        # "cached plan must not change result type": another process migrated a table
        # that a `SELECT *` was prepared against. Prepared afresh, the reads stand.
        await conn.raw.execute("DEALLOCATE ALL")
        conn.names.clear()
        await _answer(conn, batch, again=False)
        return
    except psycopg.Error:
        if len(batch) == 1 or conn.raw.broken:
            raise
        # One failing read fails the whole string: each alone, so only its caller hears.
        for read, text in zip(batch, texts, strict=True):
            try:
                await cursor.execute(text)
                _settle(read, await cursor.fetchall())
            except psycopg.Error as exc:
                if conn.raw.broken:
                    raise
                _fail([read], exc)
        return
    for read, rows in zip(batch, results, strict=True):
        _settle(read, rows)


def _settle(read: _Read, rows: list[Any]) -> None:
    if not read.future.done():  # its caller may have stopped waiting
        read.future.set_result((rows[0] if rows else None) if read.one else rows)


def _fail(reads: list[_Read], exc: BaseException) -> None:
    for read in reads:
        if read.future.done():
            continue
        if isinstance(exc, asyncio.CancelledError):
            read.future.cancel()
        else:
            read.future.set_exception(exc)
