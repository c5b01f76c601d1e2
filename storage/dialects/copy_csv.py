"""CSV exports on PostgreSQL: `COPY (SELECT …) TO STDOUT (FORMAT csv)`, streamed.

The server renders and quotes every line; the bytes are passed through to the export file in
the driver's chunks, so memory stays flat and Python touches no cell. The SELECT renders each
cell exactly as csv.writer wrote it on SQLite (storage/csv_cells.py): instants as ISO 8601 in
the row's zone with its offset (the same baked offset spans, with a general expression for
instants outside them), booleans as true/false, floats as Python's repr (PostgreSQL prints the
same shortest round-trip digits, but '30' where Python writes '30.0'), and an empty text as an
empty cell (COPY would quote it). COPY ends lines with LF; csv.writer with CRLF: `CrLf` turns
the LFs outside quoted cells into CRLF on the way through.

Costs, measured per million check-ins on the backend (bench/export.py's rows): to_char()
formats an instant in ~310 ns where the timestamp's own text output takes ~160 ns; a formula
check by `left(x::text, 1) IN (chr(…), …)` behind a per-row `pg_typeof` ~120 ns a cell where
`ascii(x)` takes ~30 ns. Which columns hold text is asked of the server once per export
(`TEXT_TYPES`), not per row.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.csv_cells import FORMULA_STARTS, OffsetSpan, zone_spans
from storage.exports import DataSet, ExportFilter, Kind

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
)


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
        return (
            f"CASE WHEN ascii({x}) IN ({_FORMULA_CODES}) THEN '''' || {x}"
            f" WHEN {x} = '' THEN NULL ELSE {x} END"
        )
    # A number a query put in a text column stays a number; a day prints as stored.
    return f"nullif({x}::text, '')"


def describe_statement(dataset: DataSet, flt: ExportFilter) -> str:
    """A query whose result's column types are the data set's (no rows)."""
    if dataset.query is None:
        raise ValueError(f"{dataset.name} is not an SQL data set")
    return f"SELECT * FROM ({dataset.query(flt)}) q LIMIT 0"


def copy_statement(
    dataset: DataSet, flt: ExportFilter, zones_in_use: set[str], sql_types: Sequence[str]
) -> str:
    """The COPY statement for a data set and filter (named `:parameters` stay in it), given
    the server's type name of each of its columns (`describe_statement`)."""
    if dataset.query is None:
        raise ValueError(f"{dataset.name} is not an SQL data set")
    zones = zone_spans(zones_in_use | {flt.default_timezone}, flt)
    cols = [f"c{i}" for i in range(len(dataset.columns))]
    tz = cols[dataset.names.index("timezone")]
    cells = [
        _cell(column.kind, col, sql_type, tz, zones)
        for column, col, sql_type in zip(dataset.columns, cols, sql_types, strict=True)
    ]
    select = f"WITH q({', '.join(cols)}) AS ({dataset.query(flt)}) SELECT {', '.join(cells)} FROM q"
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv)"


class CrLf:
    """LF → CRLF outside quoted cells, across chunk boundaries; counts the lines."""

    def __init__(self) -> None:
        self.quoted = False  # inside a quoted cell at the end of the last chunk
        self.lines = 0

    def __call__(self, chunk: bytes) -> bytes:
        if b'"' not in chunk and not self.quoted:
            self.lines += chunk.count(b"\n")
            return chunk.replace(b"\n", b"\r\n")
        parts = chunk.split(b'"')
        for i in range(len(parts)):
            if (i % 2 == 0) != self.quoted:  # a stretch outside quotes
                self.lines += parts[i].count(b"\n")
                parts[i] = parts[i].replace(b"\n", b"\r\n")
        self.quoted = self.quoted != ((len(parts) - 1) % 2 == 1)
        return b'"'.join(parts)
