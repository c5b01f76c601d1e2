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

from storage.dialects.placeholders import Prepared, prepare, to_pyformat
from storage.dialects.prepared import execute_call, is_hot, numbered

# INSERT INTO t(cols) VALUES (%s, …) [ON CONFLICT …]: rows can be sent many to a statement.
_VALUES = re.compile(
    r"^(\s*INSERT\s+INTO\s+[\w\"]+\s*\([^)]*\)\s*VALUES\s*)"
    r"(\((?:\s*%s\s*,)*\s*%s\s*\))"
    r"(\s*(?:ON\s+CONFLICT\b.*)?)$",
    re.IGNORECASE | re.DOTALL,
)
_ROWS_PER_INSERT = 500


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database (tests and benches make scratch ones)."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


def sqlite_values(params: Any) -> Any:
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
    # Asked for every result, the savepoints' and inserts' too: those have no columns, and
    # `description` would build a list of them only to find that out.
    result = cursor.pgresult
    if result is None or not result.nfields:
        return tuple
    index = {column.name: i for i, column in enumerate(cursor.description)}
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


_SESSION_ZONE = "SET TIME ZONE 'UTC'"


def _adapt(raw: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> None:
    """Rows, numbers and flags as the repositories expect them from SQLite."""
    raw.row_factory = _row_factory
    raw.adapters.register_loader("numeric", _NumberLoader)
    raw.adapters.register_dumper(bool, _BoolAsIntDumper)


KEYED_APPLICATION = "outpost keyed reads"


async def connect_keyed(url: str) -> psycopg.AsyncConnection[Any]:
    """A connection for the hot path's reads by key (storage/keyed_reads.py), used on the
    event loop itself."""
    raw = await psycopg.AsyncConnection.connect(
        url,
        autocommit=True,
        cursor_factory=psycopg.AsyncClientCursor,
        application_name=KEYED_APPLICATION,  # recognisable in pg_stat_activity
    )
    _adapt(raw)
    await raw.execute(_SESSION_ZONE)
    return raw


_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE)\s+\w+\s*$", re.IGNORECASE)


class NoRows:
    """The cursor of a statement that returns nothing (a deferred savepoint)."""

    description = None
    rowcount = -1
    lastrowid = None

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def fetchone(self) -> Any:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def fetchmany(self, size: int) -> list[Any]:
        return []


NO_ROWS = NoRows()


class PgConnection:
    """One psycopg connection in autocommit mode: transactions are our explicit BEGIN/COMMIT,
    as on SQLite with isolation_level=None."""

    def __init__(self, raw: psycopg.Connection[Any], id_tables: frozenset[str]) -> None:
        self._raw = raw
        self.id_tables = id_tables
        # Savepoints not sent yet: each rides with the next statement (see `execute`).
        self._deferred: list[str] = []
        self._prepared: dict[str, str] = {}  # hot statement (psycopg's format) -> its name

    @property
    def raw(self) -> psycopg.Connection[Any]:
        """The psycopg connection, with any deferred savepoint sent: code using the driver
        directly (COPY) must find the transaction where the statements left it."""
        if self._deferred:
            self._raw.execute(self._take_deferred())
        return self._raw

    def _take_deferred(self) -> str:
        prefix, self._deferred = "".join(f"{s}; " for s in self._deferred), []
        return prefix

    @classmethod
    def connect(cls, url: str, id_tables: frozenset[str] = frozenset()) -> PgConnection:
        raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
        _adapt(raw)
        # Times render in UTC unless a query names a zone (exports name the team's).
        raw.execute(_SESSION_ZONE)
        return cls(raw, id_tables)

    def execute(self, sql: str, params: Any = ()) -> PgCursor | NoRows:
        if not params and _SAVEPOINT.match(sql):
            # A group commit wraps every unit in SAVEPOINT … RELEASE (storage/batch.py): sent
            # alone, each is a round trip that returns nothing. Held back, it goes in one
            # query string with the unit's next statement (the simple protocol runs them in
            # order, inside the transaction), halving the round trips of a check-in.
            self._deferred.append(sql.strip())
            return NO_ROWS
        prepared, text, values = self._statement(sql, params, want_id=True)
        held = len(self._deferred)
        cursor = self._raw.cursor()
        # Always a params container, even empty: psycopg then undoes the `%%` doubling.
        cursor.execute(self._take_deferred() + text, values)
        for _ in range(held):
            cursor.nextset()  # past the savepoints' results to the statement's own
        return PgCursor(cursor, prepared.returns_id)

    def fetch_together(self, statements: list[tuple[str, Any]]) -> list[list[Any]]:
        """Several statements as one query string, one round trip (storage/batch.py)."""
        cursor = psycopg.ClientCursor(self._raw)
        texts = []
        for sql, params in statements:
            _, text, values = self._statement(sql, params, want_id=False)
            texts.append(cursor.mogrify(text, values))
        held = len(self._deferred)
        # Already literal: no parameters, so psycopg sends the text as it is.
        cursor.execute(self._take_deferred() + "; ".join(texts))
        for _ in range(held):
            cursor.nextset()
        results = [cursor.fetchall() if cursor.description else []]
        while cursor.nextset():
            results.append(cursor.fetchall() if cursor.description else [])
        return results

    def _statement(self, sql: str, params: Any, want_id: bool) -> tuple[Prepared, str, Any]:
        """What is sent for `sql`: psycopg's text and values, or a hot statement's EXECUTE."""
        prepared = prepare(sql, isinstance(params, dict), self.id_tables, want_id)
        values = sqlite_values(params) if params is not None else ()
        if is_hot(sql):
            return (prepared, *self._executed(prepared.sql, values))
        return prepared, prepared.sql, values

    def _executed(self, pyformat_sql: str, values: Any) -> tuple[str, Any]:
        """`EXECUTE name(…)` of a hot statement (storage/dialects/prepared.py), prepared
        on this connection at its first use. PREPARE goes alone: a prepared statement
        outlives any transaction, so it is known prepared only once it succeeded."""
        name = self._prepared.get(pyformat_sql)
        if name is None:
            name = f"outpost_{len(self._prepared) + 1}"
            self.raw.execute(f"PREPARE {name} AS {numbered(pyformat_sql)[0]}")
            self._prepared[pyformat_sql] = name
        return execute_call(name, pyformat_sql, values)

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        batch = [sqlite_values(row) for row in rows]
        if not batch:
            return
        if len(batch) == 1 and is_hot(sql):
            self.execute(sql, batch[0])  # one row: as the statement itself, prepared
            return
        named = isinstance(batch[0], dict)
        prepared = prepare(sql, named, self.id_tables, want_id=False)
        values = None if named else _VALUES.match(prepared.sql)
        # DO UPDATE may not meet one key twice in a statement: those go row by row.
        if values is None or "DO UPDATE" in values.group(3).upper():
            with self.raw.cursor() as cursor:
                cursor.executemany(prepared.sql, batch)
            return
        # One INSERT of many rows instead of a statement per row: a round trip each is
        # what makes a bulk write slow on a server database.
        head, one, tail = values.group(1), values.group(2), values.group(3)
        with self._raw.cursor() as cursor:
            for i in range(0, len(batch), _ROWS_PER_INSERT):
                chunk = batch[i : i + _ROWS_PER_INSERT]
                cursor.execute(
                    f"{self._take_deferred()}{head}{','.join([one] * len(chunk))}{tail}",
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
        """Streams a `copy_statement` (storage/dialects/copy_csv.py) into `out`: each row of
        its binary COPY is a run of finished CSV lines and their number. Returns the number
        of lines. psycopg binds the parameters client-side (COPY takes none); `settings`
        hold for this COPY only."""
        lines = reported = 0
        with self.raw.transaction(), self.raw.cursor() as cursor:
            for name, value in settings:
                cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
            with cursor.copy(to_pyformat(sql, True), params) as copy:
                # bytea: the text's bytes as the server sent them, never decoded here.
                copy.set_types(["bytea", "int8"])
                for text, count in copy.rows():
                    out.write(text)
                    lines += count
                    if lines >= reported + every:
                        reported = lines
                        progress(reported)
        if lines > reported:
            progress(lines)
        return lines

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
        # A savepoint still held back changes nothing about it: no need to send it first.
        return self._raw.info.transaction_status != TransactionStatus.IDLE

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def close(self) -> None:
        self._raw.close()
