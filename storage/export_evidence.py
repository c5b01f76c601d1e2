"""Evidence in exports (SPEC §6): each chained data set carries every row's hash (its latest
link in the hash chain, what `outpost audit verify` checks it against), and spoof signals
are a data set of their own.

The hash is added by wrapping a data set's query, so the data sets themselves and the
export paths (storage/exports.py, storage/csv_cells.py) stay as they are.
"""

from __future__ import annotations

from dataclasses import replace

from storage.exports import (
    PERSON_COLUMNS,
    TEAM_COLUMNS,
    TZ,
    Column,
    DataSet,
    ExportFilter,
    Kind,
    conditions,
)

ROW_HASH = Column("row_hash", Kind.TEXT, 66, vocabulary=True)

_LATEST = (
    "(SELECT l.hash FROM chain_links l WHERE l.source = '{source}' AND l.row_id = {row_id}"
    " ORDER BY l.chain DESC, l.seq DESC LIMIT 1)"
)


def latest_hash(source: str, row_id: str) -> str:
    """SQL of a row's hash: its latest link's, given the SQL of its id."""
    return _LATEST.format(source=source, row_id=row_id)


def with_row_hash(dataset: DataSet, source: str, row_id: str | None = None) -> DataSet:
    """`dataset` with a last `row_hash` column. `row_id` is SQL over the data set's columns,
    named h.c0, h.c1, ... (default: the first column, the row's id)."""
    inner = dataset.query
    if inner is None:
        raise ValueError(f"{dataset.name} is not an SQL data set")
    cols = [f"c{i}" for i in range(len(dataset.columns))]
    latest = latest_hash(source, row_id or "h.c0")

    def query(f: ExportFilter) -> str:
        return (
            f"WITH h({', '.join(cols)}) AS ({inner(f)})"
            f" SELECT {', '.join(f'h.{c}' for c in cols)}, {latest} FROM h"
        )

    return replace(dataset, columns=(*dataset.columns, ROW_HASH), query=query)


SPOOF_SIGNALS = DataSet(
    name="spoof_signals",
    columns=(
        Column("id", Kind.INT, 8),
        *TEAM_COLUMNS,
        *PERSON_COLUMNS,
        Column("local_day", Kind.DAY, 11),
        Column("signal", Kind.TEXT, 18),
        Column("source", Kind.TEXT, 9),
        Column("source_id", Kind.INT, 9),
        Column("inputs", Kind.TEXT, 60),
        Column("raised_at", Kind.INSTANT, 20),
        Column("cleared_at", Kind.INSTANT, 20),
        Column("cleared_by", Kind.INT, 12),
        Column("clear_reason", Kind.TEXT, 30),
        TZ,
    ),
    query=lambda f: (
        "SELECT s.id, s.team_id, t.name, s.telegram_id, p.name, s.local_day, s.signal, s.source,"
        " s.ref_id, s.inputs, s.raised_at, s.cleared_at, s.cleared_by, s.clear_reason,"
        " coalesce(t.timezone, :tz) FROM spoof_signals s LEFT JOIN teams t ON t.id = s.team_id"
        " LEFT JOIN people p ON p.telegram_id = s.telegram_id"
        + conditions(f, day="s.local_day", team="s.team_id", member="s.telegram_id", overlap=None)
        + " ORDER BY s.local_day, s.id"
    ),
    by_day=True,
)

# The roll-call data set is keyed by (roll call, member), the chain by the target's rowid.
ROLLCALL_ROW = (
    "(SELECT x.rowid FROM rollcall_targets x WHERE x.rollcall_id = h.c0 AND x.telegram_id = h.c3)"
)
