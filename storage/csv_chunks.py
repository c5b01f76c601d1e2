"""Renders a CSV export one day range ("chunk") at a time, in this process or a worker's.

Each chunk is read on a connection of its own inside one read transaction, so its rows are
one snapshot and a long export never holds the writer (WAL). Rows come from `lines_query`
(storage/csv_cells.py) as ready lines with a `%s` for each float; a batch of them becomes
bytes with one join, one orjson call for all its floats and one %-format, all in C.

A batch whose text brought in a comma, quote, line break or '%' fails a count check; from
there on the chunk is read through `cells_query` and such rows go through csv.writer, so the
file is always exactly what csv.writer writes from the raw values.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import chain
from math import floor
from typing import IO, Any
from zoneinfo import ZoneInfo

import orjson

Params = dict[str, Any]

# SQL functions the queries of storage/csv_cells.py fall back on for rare values.
ISO_FUNCTION = "outpost_iso_instant"
# Any value the SQL does not render itself (a float where an integer was expected, a text
# where a float was): str() in Python, as csv.writer would write it.
CELL_FUNCTION = "outpost_cell"


def iso_instant(value: Any, tz: str) -> str:
    """UTC epoch seconds -> '2026-11-25T07:12:03+08:00' in `tz`; NULL -> '' (as csv writes it)."""
    if value is None:
        return ""
    return datetime.fromtimestamp(floor(value), ZoneInfo(tz)).isoformat()


def python_cell(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class LinesQuery:
    """SQL selecting (line, float, float, ...) per row (storage/csv_cells.py)."""

    sql: str
    columns: int


@dataclass(frozen=True)
class CsvPlan:
    """All a process needs to render chunks of one data set: no connection, sent as JSON."""

    db_path: str
    lines: LinesQuery
    cells_sql: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> CsvPlan:
        raw = json.loads(text)
        return cls(raw["db_path"], LinesQuery(**raw["lines"]), raw["cells_sql"])


# Bytes a line holds only where the SQL put them (commas, CRLF, '%s'), unless a text cell
# brought its own; with a quote, such a cell needs csv.writer's quoting.
_STRUCTURAL = b',\r\n%"'


def fill_lines(rows: Sequence[Sequence[Any]], columns: int) -> bytes | None:
    """A batch of (line, float, ...) rows as CSV bytes, or None if some text needs quoting.

    Every structural byte is known: columns-1 commas and a CRLF a line, a '%' a float. One
    more anywhere means a text cell brought its own, and the batch is left to the careful
    path. orjson writes Python's repr of every float except tiny ones ('1e-7' for '1e-07',
    '0.00001' for '1e-05'): a batch with one of those gets repr() for each of its floats.
    """
    parts = list(zip(*rows, strict=True))
    template: bytes = b"".join(parts[0])
    floats = [v for v in chain.from_iterable(zip(*parts[1:], strict=True)) if v is not None]
    expected = (columns + 1) * len(rows) + len(floats)
    if len(template) - len(template.translate(None, _STRUCTURAL)) != expected:
        return None
    if not floats:
        return template
    try:
        numbers = orjson.dumps(floats)[1:-1]
    except TypeError:
        return None  # a blob where a float was expected: the careful path writes it
    if b'"' in numbers:
        return None  # a text that compared as a number
    if b"e-" in numbers or b"0.0000" in numbers or b"null" in numbers:  # null: inf
        return template % tuple(repr(v).encode() for v in floats)
    return template % tuple(numbers.split(b","))


def cell_lines(rows: Sequence[Sequence[Any]]) -> bytes:
    """Rows of text cells (`cells_query`) as CSV bytes: joined in C, csv.writer only for
    the rows whose cells need quoting."""
    if not rows:
        return b""
    line = ",".join(["%s"] * len(rows[0]))
    commas = len(rows[0]) - 1
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        text = line % tuple(row)
        if text.count(",") == commas and not any(c in text for c in '"\r\n'):
            out.write(text)
            out.write("\r\n")
        else:
            writer.writerow(row)
    return out.getvalue().encode("utf-8")


class RenderStopped(Exception):
    """The renderer was closed while it rendered (the export was cancelled)."""


class ChunkRenderer:
    """One read-only connection rendering chunks, used by one thread at a time."""

    def __init__(self, db_path: str) -> None:
        # Not confined to the creating thread: the bot hands chunks to asyncio.to_thread,
        # which may pick a different thread each time, but never two at once.
        self.conn = sqlite3.connect(
            db_path, isolation_level=None, check_same_thread=False, timeout=10
        )
        # A cancelled export's thread goes on rendering: `close` stops it at the next batch
        # and waits for it, so the connection is never closed under a running statement.
        self._busy = threading.Lock()
        self._stop = threading.Event()
        self.conn.execute("PRAGMA query_only=ON")
        self.conn.create_function(ISO_FUNCTION, 2, iso_instant, deterministic=True)
        self.conn.create_function(CELL_FUNCTION, 1, python_cell, deterministic=True)

    def render(
        self,
        plan: CsvPlan,
        params: Params,
        out: IO[bytes],
        batch: int = 5000,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Writes one chunk's rows to `out`, telling `progress` the rows so far after each
        batch; returns how many."""
        with self._busy:
            if self._stop.is_set():
                raise RenderStopped
            return self._render(plan, params, out, batch, progress)

    def _render(
        self,
        plan: CsvPlan,
        params: Params,
        out: IO[bytes],
        batch: int,
        progress: Callable[[int], None] | None,
    ) -> int:
        self.conn.execute("BEGIN")  # one snapshot for the lines and, if needed, the cells
        try:
            cursor = self.conn.execute(plan.lines.sql, params)
            done, careful = 0, False
            while rows := cursor.fetchmany(batch):
                data = None if careful else fill_lines(rows, plan.lines.columns)
                if data is None and not careful:
                    # The same ordered query in the same snapshot, from this batch on.
                    cursor.close()
                    sql = f"{plan.cells_sql} LIMIT -1 OFFSET :outpost_skip"
                    cursor = self.conn.execute(sql, {**params, "outpost_skip": done})
                    careful = True
                    continue
                out.write(data if data is not None else cell_lines(rows))
                done += len(rows)
                if progress:
                    progress(done)
                if self._stop.is_set():
                    raise RenderStopped
            return done
        finally:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self._stop.set()
        with self._busy:
            self.conn.close()
