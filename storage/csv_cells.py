"""SQL that renders a data set's rows as CSV text, so the per-cell work runs in SQLite's C.

A CSV export of a million check-ins spends most of its time in Python making an object of
every cell and turning it into text. `lines_query` wraps a data set's query so that SQLite
returns each row as one line of UTF-8 bytes, exactly as `csv.writer` would have written it,
with a `%s` where a float goes: only floats come back as numbers, because only Python's
shortest round-trip repr keeps their value (SQLite 3.40 prints 15 digits), and orjson writes
that repr in bulk (storage/csv_chunks.py). `cells_query` returns every cell as text instead;
it is the careful path for rows whose text needs CSV quoting. printf's %s would end a text
at a NUL character: none is ever stored (bot/http.py drops them from what Telegram sends).

Instants become ISO 8601 with the offset of the row's zone at that instant. The offset depends
on DST, so it is computed here in Python once per zone and span of constant offset
(`offset_spans`) and baked into the SQL as a CASE; an instant outside the spans (far from the
export's range, before 1970, a zone no team uses) falls back to `iso_instant` registered as an
SQL function, so every instant is rendered, the rare ones just slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.csv_chunks import CELL_FUNCTION, ISO_FUNCTION, LinesQuery
from storage.exports import DataSet, ExportFilter, Kind

# First characters that make a spreadsheet run a text cell as a formula (OWASP, "CSV
# injection"): such a cell is written with a leading ' so it stays text. Only text cells:
# a negative number in a numeric column is a number.
FORMULA_STARTS = "=+-@\t\r"
_FORMULA_CODES = ", ".join(str(ord(c)) for c in FORMULA_STARTS)

# Offsets are sampled this often and the changes found by bisection: zones change offset at
# most a few times a year, never twice within hours.
_SAMPLE_S = 6 * 3600
# How far around the export's range instants still take the fast path: a request created
# months before its leave, a diary edited weeks later.
_MARGIN = timedelta(days=400)
# Two days short of year 10000 UTC, so that no offset pushes a local time past 9999.
_FAST_UNTIL = 253_402_300_800 - 2 * 86_400


@dataclass(frozen=True)
class OffsetSpan:
    start: int  # epoch seconds, inclusive
    end: int  # epoch seconds, exclusive
    offset_s: int
    suffix: str  # '+08:00', as isoformat() writes it


def _offset(tz: ZoneInfo, ts: int) -> int:
    delta = datetime.fromtimestamp(ts, tz).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def _next_change(tz: ZoneInfo, lo: int, hi: int) -> int:
    """The first second in (lo, hi] whose offset differs from lo's (one exists)."""
    before = _offset(tz, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(tz, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


def offset_spans(tz: ZoneInfo, start: int, end: int) -> list[OffsetSpan]:
    """Spans of constant UTC offset covering [start, end), whole-minute offsets only.

    Offsets with seconds (local mean time of the 19th century) are left out: isoformat writes
    them as '+08:05:43' and the fallback function renders those instants.
    """
    spans: list[OffsetSpan] = []

    def close(until: int) -> None:
        if until > span_start and offset % 60 == 0:
            suffix = datetime.fromtimestamp(span_start, tz).isoformat()[19:]
            spans.append(OffsetSpan(span_start, until, offset, suffix))

    span_start, offset = start, _offset(tz, start)
    probe = start
    while probe < end:
        nxt = min(probe + _SAMPLE_S, end)
        if _offset(tz, nxt) == offset:
            probe = nxt
            continue
        change = _next_change(tz, probe, nxt)
        close(change)
        span_start, offset, probe = change, _offset(tz, change), change
    close(end)
    return spans


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _instant_sql(x: str, tz_col: str, zones: dict[str, list[OffsetSpan]]) -> str:
    # datetime() is several times cheaper than strftime(); CAST truncates, which is floor for
    # the non-negative instants the spans cover (they start at 1970 or later).
    branches = [
        f"WHEN {tz_col} = {_literal(name)} AND {x} >= {s.start} AND {x} < {s.end} THEN"
        f" replace(datetime(CAST({x} AS INTEGER) + {s.offset_s}, 'unixepoch'), ' ', 'T')"
        f" || {_literal(s.suffix)}"
        for name, spans in zones.items()
        for s in spans
    ]
    return (
        f"CASE WHEN {x} IS NULL THEN '' {' '.join(branches)} ELSE {ISO_FUNCTION}({x}, {tz_col}) END"
    )


def _text_sql(x: str) -> str:
    # Measured on bench/export.py's rows: this costs the fast path about 9% of its CPU;
    # searching each rendered batch in Python for such cell starts instead cost about 30%.
    # Most cells start with a letter or a CJK character, all at or above 'A' (which every
    # trigger is below): one comparison lets them through. unicode() reads only the first
    # character of the rest; typeof keeps a number a query put in a text column a number.
    return (
        f"CASE WHEN {x} >= 'A' THEN {x}"
        f" WHEN unicode({x}) IN ({_FORMULA_CODES}) AND typeof({x}) = 'text'"
        f" THEN '''' || {x} ELSE {x} END"
    )


def _cell_sql(kind: Kind, x: str, tz_col: str, zones: dict[str, list[OffsetSpan]]) -> str:
    if kind is Kind.TEXT:
        return f"coalesce({_text_sql(x)}, '')"
    if kind is Kind.INSTANT:
        return _instant_sql(x, tz_col, zones)
    if kind is Kind.BOOL:
        return f"CASE WHEN {x} IS NULL THEN '' WHEN {x} THEN 'true' ELSE 'false' END"
    # csv.writer writes None as ''; numbers and text pass through (floats keep their Python
    # repr, which SQLite's 15-digit text would not).
    return f"coalesce({x}, '')"


def _line_cell(kind: Kind, x: str, tz_col: str, zones: dict[str, list[OffsetSpan]]) -> str:
    """One cell of a line: printf's %s writes NULL as '' and integers as Python does."""
    if kind is Kind.REAL:
        return f"CASE WHEN {x} IS NULL THEN '' ELSE '%s' END"
    if kind is Kind.INT:
        # The column's INTEGER affinity keeps a fractional value as a float: Python's repr.
        return f"CASE WHEN typeof({x}) = 'real' THEN {CELL_FUNCTION}({x}) ELSE {x} END"
    if kind in (Kind.INSTANT, Kind.BOOL):
        return _cell_sql(kind, x, tz_col, zones)
    if kind is Kind.TEXT:
        return _text_sql(x)
    return x  # days: 'YYYY-MM-DD' as stored


def lines_query(
    dataset: DataSet, flt: ExportFilter, zones: dict[str, list[OffsetSpan]]
) -> LinesQuery:
    """The data set's query as one CSV line per row, as bytes, '%s' where a float goes.

    No quoting is done here: the renderer checks each batch for a comma, quote, line break
    or '%' that a text cell brought in, and such rows go the careful way (`cells_query`).
    """
    if dataset.query is None:
        raise ValueError(f"{dataset.name} is not an SQL data set")
    cols = [f"c{i}" for i in range(len(dataset.columns))]
    tz_col = cols[dataset.names.index("timezone")]
    pairs = list(zip(dataset.columns, cols, strict=True))
    cells = [_line_cell(column.kind, col, tz_col, zones) for column, col in pairs]
    floats = [col for column, col in pairs if column.kind is Kind.REAL]
    # One printf builds the line in one buffer; a chain of || copies it once per cell.
    template = ",".join(["%s"] * len(cells))
    line = f"CAST(printf('{template}' || char(13, 10), {', '.join(cells)}) AS BLOB)"
    sql = (
        f"WITH q({', '.join(cols)}) AS ({dataset.query(flt)})"
        f" SELECT {', '.join([line, *floats])} FROM q"
    )
    return LinesQuery(sql, len(cols))


def zone_spans(names: set[str], flt: ExportFilter) -> dict[str, list[OffsetSpan]]:
    """Offset spans of every zone an export's rows may carry, around its range."""
    start, end = flt.instant_bounds()
    # SQLite's datetime() gives NULL past year 9999 where Python raises: instants out there
    # take the fallback, which raises as the writer always did.
    lo = max(0, int(start - _MARGIN.total_seconds()))
    hi = min(_FAST_UNTIL, int(end + _MARGIN.total_seconds()))
    zones = {}
    for name in sorted(names):
        try:
            zones[name] = offset_spans(ZoneInfo(name), lo, hi)
        except (ValueError, KeyError, OSError):
            continue  # not a zone zoneinfo knows: the fallback raises as the writer used to
    return zones


def cells_query(dataset: DataSet, flt: ExportFilter, zones: dict[str, list[OffsetSpan]]) -> str:
    """The data set's query with each cell rendered as csv.writer would write it."""
    if dataset.query is None:
        raise ValueError(f"{dataset.name} is not an SQL data set")
    cols = [f"c{i}" for i in range(len(dataset.columns))]
    tz_col = cols[dataset.names.index("timezone")]
    cells = [
        _cell_sql(column.kind, col, tz_col, zones)
        for column, col in zip(dataset.columns, cols, strict=True)
    ]
    # A CTE used once is flattened into the outer query by SQLite: no temporary table.
    return f"WITH q({', '.join(cols)}) AS ({dataset.query(flt)}) SELECT {', '.join(cells)} FROM q"
