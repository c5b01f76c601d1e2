"""A psycopg connection that behaves like the sqlite3 one the repositories were written for.

Same `execute(sql, params)` with `?` placeholders, rows readable by index and by name,
`rowcount` and `lastrowid` on the cursor, integers and floats back (never Decimal), Python
booleans stored as 0/1 as SQLite does. Client-side binding (ClientCursor): a parameter is sent
as a literal, so PostgreSQL types it from its context exactly as SQLite would (`? IS NULL`,
`coalesce(col, ?)`), with no per-statement type annotations in shared SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import TransactionStatus

from storage.dialects.copy_csv import CrLf
from storage.dialects.placeholders import prepare, to_pyformat

# INSERT INTO t(cols) VALUES (%s, …) [ON CONFLICT …]: rows can be sent many to a statement.
_VALUES = re.compile(
    r"^(\s*INSERT\s+INTO\s+[\w\"]+\s*\([^)]*\)\s*VALUES\s*)"
    r"(\((?:\s*%s\s*,)*\s*%s\s*\))"
    r"(\s*(?:ON\s+CONFLICT\b.*)?)$",
    re.IGNORECASE | re.DOTALL,
)
_ROWS_PER_INSERT = 500
# COPY lines joined before they are written: ~300 KB of a typical export's lines.
_LINES_PER_WRITE = 1000


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database (tests and benches make scratch ones)."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


def _sqlite_values(params: Any) -> Any:
    """SQLite stores a NaN as NULL; PostgreSQL would keep it. Same data on both."""
    if isinstance(params, dict):
        return {k: None if isinstance(v, float) and v != v else v for k, v in params.items()}
    return [None if isinstance(v, float) and v != v else v for v in params]


class Row:
    """Index and name access like sqlite3.Row; `dict(row)` gives column → value."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._index[key]]
            except KeyError:
                return self._values[self._index[key.lower()]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return tuple(self._values) == tuple(other._values)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=False))!r})"


def _row_factory(cursor: Any) -> Any:
    description = cursor.description
    if description is None:
        return tuple
    index = {column.name: i for i, column in enumerate(description)}
    return lambda values: Row(values, index)


class _NumberLoader(Loader):
    """numeric (sum, avg of integers) as int or float, as SQLite returns them."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return float(text) if ("." in text or "e" in text.lower() or "N" in text) else int(text)


class _BytesLoader(Loader):
    def load(self, data: Any) -> bytes:
        return bytes(data)


class _BoolAsIntDumper(Dumper):
    """Flags are INTEGER columns (0/1) on both databases."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"

    def quote(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class PgCursor:
    __slots__ = ("_cursor", "_rows", "lastrowid", "rowcount")

    def __init__(self, cursor: psycopg.Cursor[Any], returns_id: bool) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount
        self.lastrowid: int | None = None
        self._rows: list[Any] | None = None
        if returns_id:
            row = cursor.fetchone()
            self.lastrowid = row[0] if row else None
            self._rows = []

    @property
    def description(self) -> Any:
        return None if self._rows is not None else self._cursor.description

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def fetchone(self) -> Any:
        if self._rows is not None:
            return None
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[Any]:
        if self._rows is not None:
            return []
        return self._cursor.fetchall() if self._cursor.description else []

    def fetchmany(self, size: int) -> list[Any]:
        if self._rows is not None or not self._cursor.description:
            return []
        return self._cursor.fetchmany(size)


class PgConnection:
    """One psycopg connection in autocommit mode: transactions are our explicit BEGIN/COMMIT,
    as on SQLite with isolation_level=None."""

    def __init__(self, raw: psycopg.Connection[Any], id_tables: frozenset[str]) -> None:
        self.raw = raw
        self.id_tables = id_tables

    @classmethod
    def connect(cls, url: str, id_tables: frozenset[str] = frozenset()) -> PgConnection:
        raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
        raw.row_factory = _row_factory
        raw.adapters.register_loader("numeric", _NumberLoader)
        raw.adapters.register_dumper(bool, _BoolAsIntDumper)
        # Times render in UTC unless a query names a zone (exports name the team's).
        raw.execute("SET TIME ZONE 'UTC'")
        return cls(raw, id_tables)

    def execute(self, sql: str, params: Any = ()) -> PgCursor:
        named = isinstance(params, dict)
        prepared = prepare(sql, named, self.id_tables, want_id=True)
        cursor = self.raw.cursor()
        # Always a params container, even empty: psycopg then undoes the `%%` doubling.
        cursor.execute(prepared.sql, _sqlite_values(params) if params is not None else ())
        return PgCursor(cursor, prepared.returns_id)

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        batch = [_sqlite_values(row) for row in rows]
        if not batch:
            return
        named = isinstance(batch[0], dict)
        prepared = prepare(sql, named, self.id_tables, want_id=False)
        with self.raw.cursor() as cursor:
            values = None if named else _VALUES.match(prepared.sql)
            # DO UPDATE may not meet one key twice in a statement: those go row by row.
            if values is None or "DO UPDATE" in values.group(3).upper():
                cursor.executemany(prepared.sql, batch)
                return
            # One INSERT of many rows instead of a statement per row: a round trip each is
            # what makes a bulk write slow on a server database.
            head, one, tail = values.group(1), values.group(2), values.group(3)
            for i in range(0, len(batch), _ROWS_PER_INSERT):
                chunk = batch[i : i + _ROWS_PER_INSERT]
                cursor.execute(
                    f"{head}{','.join([one] * len(chunk))}{tail}",
                    [v for row in chunk for v in row],
                )

    def server_cursor(self, sql: str, params: Any = ()) -> Any:
        """A server-side cursor (inside the caller's transaction) for reading in batches."""
        named = isinstance(params, dict)
        cursor = self.raw.cursor(name="outpost_stream")
        cursor.execute(prepare(sql, named, self.id_tables, want_id=False).sql, params or ())
        return cursor

    def column_types(self, sql: str, params: dict[str, Any]) -> list[str]:
        """The server's type name of each column `sql` returns (run it with LIMIT 0)."""
        with self.raw.cursor() as cursor:
            cursor.execute(to_pyformat(sql, True), params)
            types = self.raw.adapters.types
            return [
                info.name if (info := types.get(c.type_code)) else "unknown"
                for c in cursor.description or ()
            ]

    def copy_out(
        self,
        sql: str,
        params: dict[str, Any],
        out: Any,
        progress: Any,
        every: int,
        settings: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Streams `COPY … TO STDOUT (FORMAT csv)` into `out` with CRLF line ends; returns the
        number of lines. psycopg binds the parameters client-side (COPY takes none);
        `settings` hold for this COPY only."""
        crlf = CrLf()
        reported = 0
        chunk_lines = min(_LINES_PER_WRITE, every)
        with self.raw.transaction(), self.raw.cursor() as cursor:
            for name, value in settings:
                cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
            with cursor.copy(to_pyformat(sql, True), params) as copy:
                # The server sends a message a line: lines are gathered into chunks, so the
                # line-end and write work is done a chunk at a time, not a line at a time.
                pending: list[Any] = []
                for data in copy:
                    pending.append(data)
                    if len(pending) < chunk_lines:
                        continue
                    out.write(crlf(b"".join(pending)))
                    pending.clear()
                    while crlf.lines >= reported + every:
                        reported += every
                        progress(reported)
                out.write(crlf(b"".join(pending)))
        if crlf.lines > reported:
            progress(crlf.lines)
        return crlf.lines

    @property
    def text_factory(self) -> type:
        return str

    @text_factory.setter
    def text_factory(self, factory: type) -> None:
        """As sqlite3's: `bytes` makes text columns come back undecoded (hashing them)."""
        if factory is bytes:
            for name in ("text", "varchar"):
                self.raw.adapters.register_loader(name, _BytesLoader)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()
