"""CSV exports on PostgreSQL: `COPY (SELECT …) TO STDOUT (FORMAT csv)`, streamed.

The server renders and quotes every line; the bytes are passed through to the export file in
the driver's chunks, so memory stays flat and Python touches no cell. The SELECT renders each
cell exactly as csv.writer wrote it on SQLite (storage/csv_cells.py): instants as ISO 8601 in
the row's zone with its offset (the same baked offset spans, with a general expression for
instants outside them), booleans as true/false, floats as Python's repr (PostgreSQL prints the
same shortest round-trip digits, but '30' where Python writes '30.0'), and an empty text as an
empty cell (COPY would quote it). COPY ends lines with LF; csv.writer with CRLF: `CrLf` turns
the LFs outside quoted cells into CRLF on the way through.
"""

from __future__ import annotations

from storage.csv_cells import FORMULA_STARTS, OffsetSpan, zone_spans
from storage.exports import DataSet, ExportFilter, Kind

_ISO = "'YYYY-MM-DD\"T\"HH24:MI:SS'"
_FORMULA_STARTS = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)


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
    # The session's zone is UTC (storage/pg.py): shifting the instant by the span's offset
    # and formatting it in UTC gives the local wall time without a zone lookup per cell.
    branches = [
        f"WHEN {tz} = {_literal(name)} AND {x} >= {s.start} AND {x} < {s.end} THEN"
        f" to_char(to_timestamp(floor({x}) + {s.offset_s}), {_ISO}) || {_literal(s.suffix)}"
        for name, spans in zones.items()
        for s in spans
    ]
    return (
        f"CASE WHEN {x} IS NULL THEN NULL {' '.join(branches)} ELSE {_general_instant(x, tz)} END"
    )


def _cell(kind: Kind, x: str, tz: str, zones: dict[str, list[OffsetSpan]]) -> str:
    if kind is Kind.INSTANT:
        return _instant(x, tz, zones)
    if kind is Kind.BOOL:
        return f"CASE WHEN {x} IS NULL THEN NULL WHEN {x} <> 0 THEN 'true' ELSE 'false' END"
    if kind is Kind.REAL:
        return (
            f"CASE WHEN {x} = trunc({x}) AND abs({x}) < 1e15"
            f" THEN trunc({x})::bigint::text || '.0' ELSE {x}::text END"
        )
    if kind is Kind.INT:
        return x
    if kind is Kind.TEXT:
        # A text cell a spreadsheet would run as a formula gets a leading ' (as on SQLite,
        # storage/csv_cells.py); a number a query put in a text column stays a number.
        return (
            f"nullif(CASE WHEN pg_typeof({x}) IN ('text'::regtype, 'varchar'::regtype)"
            f" AND left({x}::text, 1) IN ({_FORMULA_STARTS}) THEN chr(39) || {x}"
            f" ELSE {x}::text END, '')"
        )
    return f"nullif({x}::text, '')"


def copy_statement(dataset: DataSet, flt: ExportFilter, zones_in_use: set[str]) -> str:
    """The COPY statement for a data set and filter (named `:parameters` stay in it)."""
    if dataset.query is None:
        raise ValueError(f"{dataset.name} is not an SQL data set")
    zones = zone_spans(zones_in_use | {flt.default_timezone}, flt)
    cols = [f"c{i}" for i in range(len(dataset.columns))]
    tz = cols[dataset.names.index("timezone")]
    cells = [
        _cell(column.kind, col, tz, zones)
        for column, col in zip(dataset.columns, cols, strict=True)
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
