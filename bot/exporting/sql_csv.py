"""CSV of SQL data sets: the export that must be fast (issue 5: 100,000 rows/s).

The rendering (storage/csv_chunks.py) is CPU work in SQLite and in C parts of Python, about
a core for 70,000 rows/s. So a big export is cut into day ranges that worker processes render
in parallel, each on its own read connection and into its own spill file; the files are
appended to the export in order, so memory stays flat and the bot's process, its event loop
and its GIL stay free.

Small exports never pay for starting a process: day ranges are rendered here first, doubling
in length, until the rows still to come are clearly worth the workers (PARALLEL_FROM_ROWS).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, Protocol

from storage import Storage, csv_worker
from storage.csv_chunks import ChunkRenderer, CsvPlan
from storage.exports import DataSet, ExportFilter

# Rows still to come (estimated from the days rendered so far) that are worth starting
# worker processes for: about half a second of one core's work.
PARALLEL_FROM_ROWS = 30_000
# What a worker's day range aims at: enough rows that a range's fixed costs vanish, few
# enough that a spill file stays a few MB.
CHUNK_ROWS = 10_000
# PostgreSQL's day ranges: each is a COPY statement planned anew (~8 ms of the server's CPU
# for the check-ins), so as few as keep the connections evenly busy to the end
# (COPY_RANGES_PER_WORKER), and no bigger than a spill file of ~18 MB (~350 bytes a row).
COPY_CHUNK_ROWS = 50_000
COPY_RANGES_PER_WORKER = 4
# Connections a PostgreSQL export COPYs on at most: they come from the pool the bot writes
# with (storage/db_postgres.py, 4), so an export on a many-core machine leaves it the rest.
COPY_CONNECTIONS = 2
# Day ranges in flight per worker: one rendering, one waiting, so no worker idles while the
# export appends a finished file.
IN_FLIGHT = 2
# The checkout's root, for workers to find a `storage` package that is not installed.
_ROOT = str(Path(csv_worker.__file__).resolve().parent.parent)


class WorkerFailed(Exception):
    """A worker process died or could not render a day range (write_export reports it)."""


def workers_for(*, beside_bot: bool) -> int:
    """Worker processes for a big export: every core from the command line; inside the bot
    one fewer, so that check-ins keep a core while an admin's export runs."""
    cores = os.cpu_count() or 1
    return max(1, cores - 1) if beside_bot else cores


def _days(flt: ExportFilter, first: date, last: date) -> dict[str, object]:
    return replace(flt, first_day=first, last_day=last).params()


def _ranges(first: date, last: date, days: int) -> Iterator[tuple[date, date]]:
    while first <= last:
        end = min(first + timedelta(days=days - 1), last)
        yield first, end
        first = end + timedelta(days=1)


async def write_sql_csv(
    storage: Storage,
    dataset: DataSet,
    flt: ExportFilter,
    out: IO[bytes],
    *,
    workers: int,
    spill_dir: Path,
    on_rows: Callable[[int], None],
    batch: int = 5000,
) -> int:
    """Writes the data set's CSV rows (no header) to `out`; returns how many."""
    if storage.db.dialect.postgres:
        return await _copy_csv(
            storage,
            dataset,
            flt,
            out,
            workers=workers,
            spill_dir=spill_dir,
            on_rows=on_rows,
            batch=batch,
        )
    plan = await storage.exports.csv_plan(dataset, flt)
    renderer = ChunkRenderer(plan.db_path)
    loop = asyncio.get_running_loop()

    async def render_here(params: dict[str, object], before: int) -> int:
        def progress(rows: int) -> None:  # on the renderer's thread
            loop.call_soon_threadsafe(on_rows, before + rows)

        return await asyncio.to_thread(renderer.render, plan, params, out, batch, progress)

    try:
        if not dataset.by_day:
            return await render_here(flt.params(), 0)
        count, day = await _first_days(flt, workers, render_here)
    finally:
        renderer.close()
    if day > flt.last_day:
        return count
    ranges = _worker_ranges(flt, day, count, CHUNK_ROWS)
    return await _in_workers(
        partial(_Worker.start, plan), ranges, out, workers, spill_dir, on_rows, count, batch
    )


async def _first_days(
    flt: ExportFilter, workers: int, here: Callable[[dict[str, object], int], Awaitable[int]]
) -> tuple[int, date]:
    """Renders day ranges `here`, doubling in length, until the rows still to come are worth
    the workers; returns the rows rendered and the first day left."""
    count, day, span = 0, flt.first_day, 1
    while day <= flt.last_day and not (workers and _worth_workers(flt, day, count)):
        end = min(day + timedelta(days=span - 1), flt.last_day)
        count += await here(_days(flt, day, end), count)
        day, span = end + timedelta(days=1), span * 2
    return count, day


def _worker_ranges(
    flt: ExportFilter, day: date, count: int, chunk_rows: int
) -> list[dict[str, object]]:
    """The days from `day` on, in ranges sized by the density seen so far."""
    days = max(1, round(chunk_rows * (day - flt.first_day).days / max(count, 1)))
    return [_days(flt, a, b) for a, b in _ranges(day, flt.last_day, days)]


async def _copy_csv(
    storage: Storage,
    dataset: DataSet,
    flt: ExportFilter,
    out: IO[bytes],
    *,
    workers: int,
    spill_dir: Path,
    on_rows: Callable[[int], None],
    batch: int,
) -> int:
    """PostgreSQL renders and streams the lines itself (COPY), in the server's processes: a
    big export runs day ranges on several connections at once, so that each server process
    has a core, and appends their files in order."""
    statement = await storage.exports.copy_plan(dataset, flt, batch)

    async def copy_here(params: dict[str, object], before: int) -> int:
        return await storage.exports.copy_rows(
            statement, params, out, lambda rows: on_rows(before + rows), batch
        )

    workers = min(workers, COPY_CONNECTIONS)
    if not dataset.by_day or workers < 2:
        return await copy_here(flt.params(), 0)
    count, day = await _first_days(flt, workers, copy_here)
    if day > flt.last_day:
        return count
    ahead = _rows_ahead(flt, day, count) / (workers * COPY_RANGES_PER_WORKER)
    size = min(COPY_CHUNK_ROWS, max(1, round(ahead)))
    ranges = _worker_ranges(flt, day, count, size)

    async def start() -> _CopyWorker:
        return _CopyWorker(storage, statement)

    return await _in_workers(
        start, ranges, out, workers, spill_dir, on_rows, count, batch, lead=True
    )


class _CopyWorker:
    """A day range COPYed on a connection of the pool into its spill file."""

    def __init__(self, storage: Storage, statement: str) -> None:
        self.storage, self.statement = storage, statement

    async def render(self, params: dict[str, object], part: _Part, batch: int) -> int:
        return await self.storage.exports.copy_rows(
            self.statement, params, part, lambda rows: None, batch
        )

    async def stop(self, *, kill: bool) -> None:
        """The connection went back to the pool with its range."""


def _worth_workers(flt: ExportFilter, day: date, count: int) -> bool:
    """Whether the rows still to come, at the density seen so far, pay for starting workers."""
    return day > flt.first_day and _rows_ahead(flt, day, count) >= PARALLEL_FROM_ROWS


def _rows_ahead(flt: ExportFilter, day: date, count: int) -> float:
    """Rows from `day` on, at the density of the `count` rows before it."""
    return count * ((flt.last_day - day).days + 1) / (day - flt.first_day).days


class _Worker:
    """One worker process (storage/csv_worker.py): day ranges in, row counts out."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, plan: CsvPlan) -> _Worker:
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": _ROOT + (os.pathsep + path if path else "")}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            csv_worker.__name__,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        worker = cls(proc)
        try:
            await worker._send(plan.to_json())
        except BaseException:
            await worker.stop(kill=True)
            raise
        return worker

    async def _send(self, line: str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            await self.proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            await self._died()

    async def _died(self) -> None:
        assert self.proc.stderr is not None
        tail = (await self.proc.stderr.read()).decode(errors="replace").strip()
        raise WorkerFailed(f"export worker died: {tail.splitlines()[-1] if tail else '?'}")

    async def render(self, params: dict[str, object], part: _Part, batch: int) -> int:
        assert self.proc.stdout is not None
        await self._send(json.dumps({"params": params, "path": str(part.path), "batch": batch}))
        line = await self.proc.stdout.readline()
        if not line:
            await self._died()
        reply = json.loads(line)
        if "error" in reply:
            if reply.get("os"):
                raise OSError(reply["error"])  # a full disk: reported like the export's own
            raise WorkerFailed(f"export worker: {reply['error']}")
        return int(reply["rows"])

    async def stop(self, *, kill: bool) -> None:
        if kill and self.proc.returncode is None:
            self.proc.kill()
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()  # a worker ends when its input does
        # Drains and closes the other pipes too, and waits: a pipe left open would outlive
        # the event loop.
        await self.proc.communicate()


class _Part:
    """A day range's bytes on their way into the export. A worker process writes its file
    (`path`); a COPY writes here (`write`), into the file until the export has appended every
    range before this one (`lead`), then straight into the export, so that the range the
    export waits for is not written twice (~0.4 CPU-s of a million-row export's 370 MB)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # written on a connection's thread, led on another
        self._file: IO[bytes] | None = None
        self._out: IO[bytes] | None = None

    def write(self, data: bytes) -> int:
        with self._lock:
            if self._out is not None:
                return self._out.write(data)
            if self._file is None:
                self._file = self.path.open("wb")
            return self._file.write(data)

    def lead(self, out: IO[bytes]) -> None:
        """What was written so far goes into `out`, and from now on all of it."""
        with self._lock:
            self._drain(out)
            self._out = out

    def finish(self, out: IO[bytes]) -> None:
        """The range is rendered: what is still in its file goes into `out`."""
        with self._lock:
            self._drain(out)

    def close(self) -> None:
        """The export ended before this range was appended: its file is let go."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _drain(self, out: IO[bytes]) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.path.exists():
            _append(self.path, out)
            self.path.unlink()


class _RangeWorker(Protocol):
    async def render(self, params: dict[str, object], part: _Part, batch: int) -> int: ...

    async def stop(self, *, kill: bool) -> None: ...


async def _in_workers(
    start: Callable[[], Awaitable[_RangeWorker]],
    ranges: list[dict[str, object]],
    out: IO[bytes],
    workers: int,
    spill_dir: Path,
    on_rows: Callable[[int], None],
    count: int,
    batch: int,
    *,
    lead: bool = False,
) -> int:
    """Renders `ranges` in workers and appends them to `out` in order; with `lead`, the
    workers write through their `_Part`, and the range next in order straight into `out`."""
    loop = asyncio.get_running_loop()
    spill = Path(tempfile.mkdtemp(dir=spill_dir, prefix=".outpost-chunks-"))
    # Ranges taken but not yet appended: bounds the spill files on disk.
    window = asyncio.Semaphore(IN_FLIGHT * workers)
    results: list[asyncio.Future[int]] = [loop.create_future() for _ in ranges]
    parts = [_Part(spill / f"{i}.csv") for i in range(len(ranges))]
    todo = iter(enumerate(ranges))

    started: list[_RangeWorker] = []

    async def work() -> None:
        worker = await start()
        started.append(worker)
        failed = True
        try:
            while True:
                await window.acquire()
                taken = next(todo, None)
                if taken is None:
                    window.release()
                    failed = False
                    return
                i, params = taken
                try:
                    results[i].set_result(await worker.render(params, parts[i], batch))
                except Exception as exc:
                    results[i].set_exception(exc)
                    raise
                except BaseException:
                    results[i].cancel()
                    raise
        finally:
            await worker.stop(kill=failed)

    tasks = [asyncio.create_task(work()) for _ in range(workers)]
    finished = False
    try:
        for result, part in zip(results, parts, strict=True):
            if lead:
                await asyncio.to_thread(part.lead, out)
            count += await _outcome(result, tasks)
            await asyncio.to_thread(part.finish, out)
            window.release()
            on_rows(count)
        finished = True
    finally:
        if not finished:  # else the workers are ending on their own, reaped in `stop`
            for task in tasks:
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for worker in started:  # again: a task cancelled while it stopped its worker
            await worker.stop(kill=True)
        for part in parts:
            part.close()
        shutil.rmtree(spill, ignore_errors=True)
    return count


async def _outcome(result: asyncio.Future[int], tasks: list[asyncio.Task[None]]) -> int:
    """The range's row count, or the error of a worker that could not even start."""
    while not result.done():
        running: list[asyncio.Future[Any]] = [t for t in tasks if not t.done()]
        await asyncio.wait([result, *running], return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() and not result.done():
                raise task.exception()  # type: ignore[misc]
    return result.result()


def _append(path: Path, out: IO[bytes]) -> None:
    with path.open("rb") as part:
        try:
            target = out.fileno()
        except (AttributeError, OSError):  # an in-memory file
            shutil.copyfileobj(part, out, 1 << 20)
            return
        # The kernel moves the pages from file to file: no read into Python and write back
        # (~0.3 CPU-s for a million-row export's 370 MB).
        out.flush()
        size = os.fstat(part.fileno()).st_size
        sent = 0
        while sent < size:
            sent += os.sendfile(target, part.fileno(), sent, size - sent)
