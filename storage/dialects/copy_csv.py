"""CSV exports on PostgreSQL: `COPY (SELECT …) TO STDOUT (FORMAT binary)`, streamed.

The server renders every line, exactly as csv.writer wrote it on SQLite (storage/csv_cells.py):
instants as ISO 8601 in the row's zone with its offset (the same baked offset spans, with a
general expression for instants outside them), booleans as true/false, floats as Python's repr
(PostgreSQL prints the same shortest round-trip digits, but '30' where Python writes '30.0'),
text with a formula start neutralised and quoted where csv.writer quotes. It joins up to
LINES_PER_ROW lines, CRLF-ended, into one row of the COPY, so the driver hands Python a few
hundred rows a million lines, and each row's bytes go to the file as they came.

Why rows of lines rather than COPY's own CSV: COPY sends a message a line, and reading a
million messages cost the exporting process ~1.6 CPU-s (psycopg) where the whole server side
costs ~6; the joined lines cost the server ~0.3 more and the client almost nothing
(bench/export.py). Quoting is decided once a row, by one pattern match over all its text
cells; vocabulary columns (storage/exports.Column.vocabulary) are written as they are.

Data sets with stored cells (check-ins, storage/stored_cells.py) are read through their
stored query: the member's looked-up columns come as one piece rendered inside the lookup,
once per member, and the rest of a settled row's line as the row stored it, when its key
still matches; rows without are rendered here as any other.

Costs, measured per million check-ins on the backend (bench/export.py's rows): to_char()
formats an instant in ~310 ns where the timestamp's own text output takes ~160 ns; a formula
check by `left(x::text, 1) IN (chr(…), …)` behind a per-row `pg_typeof` ~120 ns a cell where
`ascii(x)` takes ~30 ns. Which columns hold text is asked of the server once per export
(`TEXT_TYPES`), not per row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from storage.csv_cells import FORMULA_STARTS, OffsetSpan, zone_spans
from storage.exports import Column, DataSet, ExportFilter, Kind

_ISO = "'YYYY-MM-DD\"T\"HH24:MI:SS'"
_FORMULA_CODES = ", ".join(str(ord(c)) for c in FORMULA_STARTS)

# Type names (as the server reports a query's columns) of the columns a person can write in:
# only these are checked for formula starts; a number keeps its sign.
TEXT_TYPES = frozenset({"text", "varchar", "bpchar", "name"})

# Session settings an export's COPY runs under (SET LOCAL, its transaction only). The cells
# depend on the first two, whatever the server's defaults: timestamps print as ISO, floats as
# the shortest text that reads back the same (Python's repr digits). JIT compiles a COPY's
# expressions for seconds of CPU per statement and gains less than it costs here; parallel
# workers only feed the one process that renders every line, so the export runs day ranges
# on several connections instead (bot/exporting/sql_csv.py).
SETTINGS = (
    ("datestyle", "ISO, YMD"),
    ("extra_float_digits", "1"),
    ("jit", "off"),
    ("max_parallel_workers_per_gather", "0"),
    ("work_mem", "64MB"),
    # A day range is read in its day order from the day index, the people and teams met
    # through cached lookups: sorting the range's rows costs more (bench/export.py: ~0.7
    # CPU-s a million rows). Where no plan avoids a sort, the server still sorts.
    ("enable_sort", "off"),
)
# Lines joined into one row of the COPY, at most: the server sends a message a row and the
# driver hands each to Python, so a message a line costs more than rendering the line.
# Progress is told a row at a time, so an export asking for it more often gets smaller rows.
LINES_PER_ROW = 1000
# format() is a function of at most 100 arguments, one of them the template.
MAX_CELLS = 99
_CRLF = "E'\\r\\n'"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _general_instant(x: str, tz: str) -> str:
    """Any instant in any zone: slower (two zone conversions), for what the spans miss."""
    t = f"to_timestamp(floor({x}))"
    offset = f"extract(epoch FROM timezone({tz}, {t}) - timezone('UTC', {t}))::int"
    # isoformat writes the seconds of an offset only when there are some (old local time).
    return (
        f"to_char(timezone({tz}, {t}), {_ISO})"
        f" || CASE WHEN {offset} < 0 THEN '-' ELSE '+' END"
        f" || to_char(make_interval(secs => abs({offset})), 'HH24:MI')"
        f" || CASE WHEN abs({offset}) % 60 = 0 THEN ''"
        f" ELSE ':' || lpad((abs({offset}) % 60)::text, 2, '0') END"
    )


def _instant(x: str, tz: str, zones: dict[str, list[OffsetSpan]]) -> str:
    # Shifting the instant by the span's offset and printing it as a UTC wall time gives the
    # local wall time without a zone lookup per cell. The spans lie within years 1970..9999,
    # where the timestamp's ISO text is 'YYYY-MM-DD HH:MM:SS' (whole seconds after floor).
    branches = [
        f"WHEN {tz} = {_literal(name)} AND {x} >= {s.start} AND {x} < {s.end} THEN"
        f" replace((to_timestamp(floor({x}) + {s.offset_s}) AT TIME ZONE 'UTC')::text, ' ', 'T')"
        f" || {_literal(s.suffix)}"
        for name, spans in zones.items()
        for s in spans
    ]
    return (
        f"CASE WHEN {x} IS NULL THEN NULL {' '.join(branches)} ELSE {_general_instant(x, tz)} END"
    )


def _cell(kind: Kind, x: str, sql_type: str, tz: str, zones: dict[str, list[OffsetSpan]]) -> str:
    """A cell's text as csv.writer has it before quoting; NULL for None (format() prints
    nothing for it)."""
    if kind is Kind.INSTANT:
        return _instant(x, tz, zones)
    if kind is Kind.BOOL:
        return f"CASE WHEN {x} IS NULL THEN NULL WHEN {x} <> 0 THEN 'true' ELSE 'false' END"
    if kind is Kind.REAL:
        # Python's repr switches to an exponent from 1e16, PostgreSQL's text from 1e15.
        return (
            f"CASE WHEN {x} = trunc({x}) AND abs({x}) < 1e16"
            f" THEN trunc({x})::bigint::text || '.0' ELSE {x}::text END"
        )
    if kind is Kind.INT:
        return x
    if kind is Kind.TEXT and sql_type in TEXT_TYPES:
        # A text cell a spreadsheet would run as a formula gets a leading ' (as on SQLite,
        # storage/csv_cells.py); ascii() reads only the first character.
        return f"CASE WHEN ascii({x}) IN ({_FORMULA_CODES}) THEN '''' || {x} ELSE {x} END"
    # A number a query put in a text column stays a number; a day prints as stored.
    return f"{x}::text"


_NEEDS_QUOTES = "'[,\"\\r\\n]'"


def _quoted(cell: str) -> str:
    """csv.writer's minimal quoting of a rendered text cell."""
    return (
        f"CASE WHEN {cell} ~ {_NEEDS_QUOTES} THEN '\"' || replace({cell}, '\"', '\"\"') || '\"'"
        f" ELSE {cell} END"
    )


def describe_statement(dataset: DataSet, flt: ExportFilter) -> str:
    """A query whose result's column types are the data set's (no rows)."""
    if dataset.query is None:
        raise ValueError(f"{dataset.name} is not an SQL data set")
    return f"SELECT * FROM ({dataset.query(flt)}) q LIMIT 0"


def _line(
    columns: Sequence[Column],
    names: Sequence[str],
    sql_types: Sequence[str],
    tz: str,
    zones: dict[str, list[OffsetSpan]],
) -> str:
    """Cells as one CSV line, without the line end: `names` are their SQL, `tz` the row's
    zone. Whether to quote is asked once a row, of all its text cells at once: rows whose
    text holds a comma, a quote or a line break are few, and only they pay for a check of
    each cell."""
    fast: list[str] = []
    careful: list[str] = []
    texts: list[str] = []
    for column, col, sql_type in zip(columns, names, sql_types, strict=True):
        if column.kind is Kind.TEXT and sql_type in TEXT_TYPES and not column.vocabulary:
            # Compared byte by byte: a team name's case-blind collation allows no patterns.
            text = f'{col}::text COLLATE "C"'
            cell = _cell(column.kind, text, sql_type, tz, zones)
            texts.append(text)
            fast.append(cell)
            careful.append(_quoted(f"({cell})"))
        else:
            cell = col if column.vocabulary else _cell(column.kind, col, sql_type, tz, zones)
            fast.append(cell)
            careful.append(cell)
    template = _literal(",".join(["%s"] * len(names)))
    line = f"format({template}, {', '.join(fast)})"
    if not texts:
        return line
    return (
        f"CASE WHEN concat({', '.join(texts)}) ~ {_NEEDS_QUOTES}"
        f" THEN format({template}, {', '.join(careful)}) ELSE {line} END"
    )


class _Layout:
    """A data set's columns as the COPY's query `q` names them, and its lines' SQL.

    With stored cells (storage/stored_cells.py) `q` is the stored query: the row's id; the
    looked-up columns as one finished piece of line, rendered inside their lookup and so
    once per member (PostgreSQL memoizes it); the row's own columns (the hash is looked up
    only where the stored cells cannot serve); then the stored key, cells and row version."""

    def __init__(
        self, dataset: DataSet, sql_types: Sequence[str], zones: dict[str, list[OffsetSpan]]
    ) -> None:
        self.dataset, self.stored = dataset, dataset.stored
        self.sql_types, self.zones = sql_types, zones
        count = len(dataset.columns)
        self.names = [f"c{i}" for i in range(count)]
        self.tz = self.names[dataset.names.index("timezone")]
        self.query_names = list(self.names)
        if self.stored is not None:
            first = self.stored.first
            if dataset.names.index("timezone") < first:
                raise ValueError(f"{dataset.name}: the zone must be among the stored cells")
            self.looked_up = "h"
            self.key_column, self.cells_column, self.version_column = "ck", "cs", "cv"
            self.names[-1] = self.stored.row_hash("c0")
            self.query_names = [
                "c0",
                self.looked_up,
                *self.names[first:-1],
                self.key_column,
                self.cells_column,
                self.version_column,
            ]

    def query(self, flt: ExportFilter) -> str:
        if self.stored is None:
            assert self.dataset.query is not None
            return self.dataset.query(flt)
        return self.stored.query(flt, self._render_looked_up)

    def _render_looked_up(self, exprs: Sequence[str]) -> str:
        assert self.stored is not None
        first = self.stored.first
        columns = self.dataset.columns[1:first]
        if any(c.kind is Kind.INSTANT for c in columns):
            raise ValueError(f"{self.dataset.name}: a looked-up instant has no zone to render in")
        # With the commas either side: each is a concatenation fewer a row.
        line = _line(columns, exprs, self.sql_types[1:first], "NULL", self.zones)
        return f"',' || {line} || ','"

    def line(self) -> str:
        if self.stored is None:
            return _line(self.dataset.columns, self.names, self.sql_types, self.tz, self.zones)
        if self.dataset.columns[0].kind is not Kind.INT:
            raise ValueError(f"{self.dataset.name}: a row with stored cells has an integer id")
        return (
            f"c0::text || {self.looked_up} || CASE WHEN {self.key_column} ="
            f" {self.key()} THEN {self.cells_column} ELSE {self.tail()} END"
        )

    def tail(self, zones: dict[str, list[OffsetSpan]] | None = None) -> str:
        """The cells a row stores, rendered from the row."""
        assert self.stored is not None
        first = self.stored.first
        return _line(
            self.dataset.columns[first:],
            self.names[first:],
            self.sql_types[first:],
            self.tz,
            self.zones if zones is None else zones,
        )

    def key(self) -> str:
        """SQL of the key a row's stored cells must carry to be used: the renderer's
        fingerprint (the cells' SQL, written for no zone in particular) and the row's zone."""
        digest = hashlib.sha256(self.tail({}).encode()).hexdigest()[:16]
        return f"'{digest}:' || {self.tz}"


def _stored_layout(
    dataset: DataSet, flt: ExportFilter, zones_in_use: set[str], sql_types: Sequence[str]
) -> _Layout:
    if dataset.stored is None:
        raise ValueError(f"{dataset.name} stores no cells")
    zones = zone_spans(zones_in_use | {flt.default_timezone}, flt)
    return _Layout(dataset, sql_types, zones)


def mismatch_statement(
    dataset: DataSet, flt: ExportFilter, zones_in_use: set[str], sql_types: Sequence[str]
) -> str:
    """PostgreSQL: the ids of the data set's rows in the filter's days whose stored cells
    carry the current key but are not what their row renders (changed behind the bot)."""
    layout = _stored_layout(dataset, flt, zones_in_use, sql_types)
    return (
        f"WITH q({', '.join(layout.query_names)}) AS ({layout.query(flt)})"
        f" SELECT c0 FROM q WHERE {layout.key_column} = {layout.key()}"
        f" AND {layout.cells_column} IS DISTINCT FROM {layout.tail()}"
    )


def seal_statement(
    dataset: DataSet, flt: ExportFilter, zones_in_use: set[str], sql_types: Sequence[str]
) -> str:
    """PostgreSQL: the UPDATE that renders the stored cells of the data set's rows in the
    filter's days whose key is not current (named `:parameters` stay in it)."""
    layout = _stored_layout(dataset, flt, zones_in_use, sql_types)
    assert dataset.stored is not None
    # A row changed while this runs is left as it is now (its trigger emptied its cells): the
    # version rendered must still be the row's when the row is written, else the update,
    # re-checked against the newer version, skips it.
    return (
        f"UPDATE {dataset.stored.table} x SET csv_key = r.k, csv_cells = r.t"
        f" FROM (WITH q({', '.join(layout.query_names)}) AS ({layout.query(flt)})"
        f" SELECT c0, {layout.version_column} AS v, {layout.key()} AS k, {layout.tail()} AS t"
        f" FROM q WHERE {layout.key_column} IS DISTINCT FROM {layout.key()}) r"
        " WHERE x.id = r.c0 AND x.xmin = r.v"
    )


def copy_statement(
    dataset: DataSet,
    flt: ExportFilter,
    zones_in_use: set[str],
    sql_types: Sequence[str],
    lines_per_row: int = LINES_PER_ROW,
) -> str:
    """The COPY statement for a data set and filter (named `:parameters` stay in it), given
    the server's type name of each of its columns (`describe_statement`): each of its rows
    is up to `lines_per_row` finished CSV lines, CRLF-ended, and their number."""
    if dataset.query is None:
        raise ValueError(f"{dataset.name} is not an SQL data set")
    if len(dataset.columns) > MAX_CELLS:
        raise ValueError(f"{dataset.name}: format() takes at most {MAX_CELLS} cells")
    zones = zone_spans(zones_in_use | {flt.default_timezone}, flt)
    layout = _Layout(dataset, sql_types, zones)
    # row_number() counts the rows as they come, in the data set's order. Grouping by the
    # count hashes (enable_sort is off: a sort by the group would not keep the rows' order
    # within it), and a hash aggregate feeds each group's rows to string_agg as they come;
    # the few groups are then sorted. An ORDER BY in string_agg would sort every group
    # again, ~1.2 CPU-s a million rows.
    numbered = (
        f"WITH q({', '.join(layout.query_names)}) AS ({layout.query(flt)})"
        f" SELECT {layout.line()} AS line, row_number() OVER () AS n FROM q"
    )
    group = f"(n - 1) / {max(1, lines_per_row)}"
    select = (
        f"SELECT string_agg(line, {_CRLF}) || {_CRLF}, count(*)"
        f" FROM ({numbered}) lines GROUP BY {group} ORDER BY {group}"
    )
    return f"COPY ({select}) TO STDOUT WITH (FORMAT binary)"
