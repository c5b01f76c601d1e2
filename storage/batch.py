"""Group commit: concurrent small writes share one transaction and one trip to the writer.

Batch writes where volume is high: each await costs more than the row. At 07:25 hundreds of
members check in within seconds; written one transaction each, every check-in pays ~9 hops
to the writer thread (BEGIN, statements, fetches, COMMIT) while holding the write lock, and
each hop waits for the event loop and the GIL. Here a unit of work is a plain synchronous
function of the sqlite3 connection; whatever units are waiting when the writer frees up
run together on the writer's own thread, one SAVEPOINT each, inside one BEGIN IMMEDIATE ..
COMMIT: one hop for the whole group.

Semantics callers keep:
- each unit sees the effects of the units queued before it (they run in submission order),
  so rules like "the first accepted check-in of the day counts" hold inside a group;
- a unit that raises is rolled back to its savepoint and its caller gets the exception;
  the others commit;
- a caller learns its result only after the group's COMMIT, so a reply never describes a
  row that is not durable yet;
- nothing waits for a timer: a lone write goes at once; groups form only when writes queue
  up behind a busy writer, so latency at low load is unchanged.
A unit already handed to the writer is applied even if its caller stops waiting (a
cancelled handler); that is the same outcome as a write that committed just before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
Unit = Callable[[Any], Any]  # a sqlite3 or storage.pg.PgConnection
Outcome = tuple[bool, Any]  # (succeeded, result or exception)

# A group's statements hold SQLite's write lock; cap it so readers of fresh data and other
# writers are never starved for long (a few hundred check-ins take a few milliseconds).
MAX_GROUP = 256


def run_group(conn: Any, units: list[Unit], begin: str = "BEGIN IMMEDIATE") -> list[Outcome]:
    """On the connection's thread: every unit under its own savepoint, all in one
    transaction. `begin` is the dialect's (storage/dialects/locking.py)."""
    outcomes: list[Outcome] = []
    conn.execute(begin)
    try:
        for unit in units:
            conn.execute("SAVEPOINT unit")
            try:
                result = unit(conn)
            except Exception as exc:
                if not conn.in_transaction:
                    # SQLite rolled the whole transaction back itself (a full disk, an I/O
                    # error): every unit of the group fails with the real cause, not with
                    # "no such savepoint".
                    raise
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
                outcomes.append((False, exc))
            else:
                conn.execute("RELEASE unit")
                outcomes.append((True, result))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def fetch_together(conn: Any, statements: list[tuple[str, Any]]) -> list[list[Any]]:
    """Runs a unit's statements whose parameters do not wait for one another's results, in
    order, and returns the rows of each ([] for a write without RETURNING): in one round
    trip where the connection can send them together (PostgreSQL), else one by one (SQLite,
    where a statement costs no trip). A failing statement fails the rest, as in a unit."""
    together = getattr(conn, "fetch_together", None)
    if together is not None:
        rows: list[list[Any]] = together(statements)
        return rows
    return [conn.execute(sql, params).fetchall() for sql, params in statements]


class GroupCommit:
    """Queues units; one drain task at a time hands them to the writer in groups."""

    def __init__(
        self,
        run_on_writer: Callable[[list[Unit]], Awaitable[list[Outcome]]],
        max_group: int = MAX_GROUP,
    ) -> None:
        self._run = run_on_writer
        self._max = max_group
        self._pending: list[tuple[Unit, asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self.groups = 0  # for benchmarks and tests: how many transactions were used
        self.units = 0

    async def submit(self, unit: Callable[[Any], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((unit, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            group, self._pending = self._pending[: self._max], self._pending[self._max :]
            try:
                outcomes = await self._run([unit for unit, _ in group])
            except BaseException as exc:
                # BEGIN or COMMIT failed (disk full, database closed): nothing was written.
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            self.groups += 1
            self.units += len(group)
            for (_, future), (ok, value) in zip(group, outcomes, strict=True):
                if future.done():
                    continue  # the caller gave up waiting; the write stands
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    async def close(self) -> None:
        """Waits for queued units to be written (called before the connection closes)."""
        if self._drainer is not None and not self._drainer.done():
            await asyncio.shield(self._drainer)
