"""The connection layer: one API over SQLite (embedded default) and PostgreSQL.

Repositories see `Database`: `transaction()` yields a connection whose `execute` takes `?`
placeholders on both; `write_grouped` runs a synchronous unit on a connection's own thread in
a group commit; `lookup` is the hot-path read by key; `stream` reads big results in batches.
`open_database(target)` picks the engine: a `postgresql://` URL or a SQLite path.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from storage.batch import GroupCommit, Outcome, Unit, run_group
from storage.chain_hash import register
from storage.dialects import SQLITE, Dialect, is_postgres
from storage.migrations import apply_migrations
from storage.threaded import ThreadConnection

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")
Conn = ThreadConnection  # what `transaction()` yields, on either database


class Database:
    """The API every repository uses; `SqliteDatabase` and `PostgresDatabase` implement it."""

    dialect: Dialect = SQLITE
    target: str | Path

    def __init__(self) -> None:
        self._group = GroupCommit(self._run_group)

    @property
    def is_open(self) -> bool:
        raise NotImplementedError

    async def open(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def transaction(self) -> Any:
        raise NotImplementedError

    async def _run_group(self, units: list[Unit]) -> list[Outcome]:
        raise NotImplementedError

    async def write_grouped(self, unit: Callable[[Any], T]) -> T:
        """Runs `unit(conn)` on a connection's thread, in one transaction with whatever other
        grouped writes are waiting (storage/batch.py): for hot paths such as check-ins.

        `unit` is synchronous DB-API code (`conn.execute(sql, params)` with `?`); it must not
        touch the event loop.
        """
        return await self._group.submit(unit)

    async def write_bookkeeping(self, unit: Callable[[Any], T]) -> T:
        """`write_grouped` for a unit that only records what was done for Telegram (a
        handled update, a sent confirmation): idempotent inserts that touch no evidence.
        SQLite has one writer, so they join the same groups; PostgreSQL commits them in
        groups of their own beside the check-ins (see `PostgresDatabase`)."""
        return await self.write_grouped(unit)

    @property
    def group_stats(self) -> GroupCommit:
        """Groups and units written so far (for benchmarks and tests)."""
        return self._group

    async def execute(self, sql: str, params: Params = ()) -> int:
        """A single write statement in its own transaction; returns lastrowid."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def execute_alone(self, sql: str, params: Params = ()) -> None:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        for row in await self.fetchall(sql, params):
            return row
        return None

    async def lookup(self, sql: str, params: Params = ()) -> Any:
        return await self.fetchone(sql, params)

    async def lookup_all(self, sql: str, params: Params = ()) -> list[Any]:
        return await self.fetchall(sql, params)

    def stream(
        self, sql: str, params: Params = (), batch: int = 5000
    ) -> AsyncGenerator[list[Any], None]:
        raise NotImplementedError

    async def integrity_check(self) -> str:
        """'ok', or what the database found wrong with itself."""
        raise NotImplementedError

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs `fn(connection, *args)` on a connection's thread, outside any transaction:
        bulk work (COPY, a database copy) that is one call to the driver."""
        raise NotImplementedError


def open_database(target: str | Path) -> Database:
    if is_postgres(target):
        from storage.db_postgres import PostgresDatabase

        return PostgresDatabase(str(target))
    return SqliteDatabase(target)


_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL is durable across application crashes in WAL mode; only power loss can drop
    # the last commits, and it keeps a commit from costing an fsync.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


class SqliteDatabase(Database):
    """One long-lived writer connection in WAL mode, plus a reader that never blocks it.

    Each connection lives on its own thread (storage/threaded.py), so the writer thread owns
    every write (the datasette model). Coroutines share that connection, so a write
    transaction holds an asyncio lock: otherwise one coroutine's statements would land
    inside another's transaction.
    """

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)
        self.target = self.path
        self._writer: ThreadConnection | None = None
        self._reader: ThreadConnection | None = None
        self._keyed: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._writer = await ThreadConnection(lambda: _connect(self.path), "sqlite-w").open()
            await apply_migrations(self._writer, self.dialect)
            self._reader = await ThreadConnection(
                lambda: _connect(self.path, "PRAGMA query_only=ON"), "sqlite-r"
            ).open()
            self._keyed = _keyed_reader(self.path)
        except BaseException:
            # Not a database, a full disk, a locked file: what was opened is closed again, or
            # its connection thread would keep the process alive after the error was said.
            await self.close()
            raise

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
    def writer(self) -> ThreadConnection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    @property
    def reader(self) -> ThreadConnection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ThreadConnection]:
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
                if await conn.run(lambda raw: raw.in_transaction):
                    await conn.execute("ROLLBACK")
                raise

    async def _run_group(self, units: list[Unit]) -> list[Outcome]:
        async with self._write_lock:
            # One hop to the writer's thread for the whole group is the point of grouping.
            return await self.writer.run(run_group, units, self.dialect.begin)

    async def integrity_check(self) -> str:
        """SQLite's page check, and every foreign key pointing at a row that exists."""
        result = str((await self.fetchall("PRAGMA integrity_check"))[0][0])
        broken = await self.fetchall("PRAGMA foreign_key_check")
        return f"{len(broken)} broken foreign keys" if result == "ok" and broken else result

    async def execute_alone(self, sql: str, params: Params = ()) -> None:
        """One write statement as its own (implicit) transaction: one trip to the writer
        thread instead of three. For a latency-critical single row; the write lock keeps it
        out of any other coroutine's open transaction."""
        async with self._write_lock:
            await self.writer.execute(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await self.reader.execute_fetchall(sql, params)

    async def lookup(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """One row by key, read inline on the event loop's thread: for the hot path only.

        A primary-key lookup in a cached WAL database costs ~15 µs; a trip to a connection's
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

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        async with self._write_lock:
            return await self.writer.run(fn, *args)

    @property
    def _keyed_conn(self) -> sqlite3.Connection:
        if self._keyed is None:
            raise RuntimeError("database is not open")
        return self._keyed

    async def stream(
        self, sql: str, params: Params = (), batch: int = 5000
    ) -> AsyncGenerator[list[sqlite3.Row], None]:
        """Rows in batches, for exports: memory stays flat however many rows match."""
        cursor = await self.reader.run(lambda conn: conn.execute(sql, params))
        try:
            while rows := await self.reader.run(lambda _: cursor.fetchmany(batch)):
                yield rows
        finally:
            await self.reader.run(lambda _: cursor.close())


def _connect(path: Path, *extra: str) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so transactions are explicit.
    # check_same_thread stays on: ThreadConnection keeps each connection on its thread.
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        for pragma in (*_PRAGMAS, *extra):
            conn.execute(pragma)
        # The hash-chain triggers call these on every write of an evidence table.
        register(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _keyed_reader(path: Path) -> sqlite3.Connection:
    # Created and used on the event loop's thread only (sqlite3 enforces that). A short busy
    # timeout: in WAL a reader only ever waits during recovery after a crash.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA query_only=ON")
    conn.execute("PRAGMA busy_timeout=1000")
    return conn
