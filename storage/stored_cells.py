"""Check-ins' CSV cells rendered once, for PostgreSQL exports (m0174).

Rendering every cell of every line is most of what a PostgreSQL CSV export costs the server
(bench/export.py), though a settled check-in's cells never change: only the member's name,
unit and team name, which lead the line, are looked up afresh. So `seal` renders the cells
after them (kind ... row_hash) once into the row, by the very SQL an export renders them with
(storage/dialects/copy_csv.py), under a key of that SQL's fingerprint and the team's zone. An
export takes a row's stored cells while its key matches and renders the row otherwise, so a
row not yet sealed, changed since (the m0174 trigger empties its cells), of a team that
moved zone, or sealed by an older renderer is exported exactly as before.

The bot seals the days before today each night (bot/jobs.py), a week of days per short
transaction, so a day's rows are rendered once rather than at every export.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from storage.export_evidence import latest_hash, with_row_hash
from storage.exports import CHECKINS, DataSet, ExportFilter, StoredCells, checkins_query

if TYPE_CHECKING:
    from storage.db import Database

CHECKIN_CELLS = StoredCells(
    table="checkins",
    # id, team_id, team, member_id, member_name, unit: the team's and person's names change.
    first=6,
    query=checkins_query,
    row_hash=partial(latest_hash, "checkins"),
)
STORED_CHECKINS = replace(with_row_hash(CHECKINS, "checkins"), stored=CHECKIN_CELLS)
# Days sealed per transaction: a week of a 5,000-member deployment is ~35,000 rows, a few
# seconds of the server's work, and holds no lock a check-in waits for (new rows are
# inserted, not updated, and their days are not sealed yet).
DAYS_PER_STATEMENT = 7
# Before any check-in: the first day a filter for "every day so far" starts at.
EARLIEST = date(2000, 1, 1)


async def seal_settled(db: Database, today: date, default_timezone: str) -> int:
    """The nightly run: check-ins of every day before `today` (the deployment's)."""
    flt = ExportFilter(EARLIEST, today - timedelta(days=1), default_timezone)
    return await seal(db, STORED_CHECKINS, flt)


async def _plan(db: Database, dataset: DataSet, flt: ExportFilter) -> tuple[set[str], list[str]]:
    from storage.dialects.copy_csv import describe_statement

    zones = {r[0] for r in await db.fetchall("SELECT DISTINCT timezone FROM teams")}
    described = describe_statement(dataset, flt)
    types: list[str] = await db.run(lambda conn: conn.column_types(described, flt.params()))
    return zones, types


async def _days(db: Database, stored: StoredCells, flt: ExportFilter) -> tuple[date, date] | None:
    row = await db.fetchone(
        f"SELECT min(local_day), max(local_day) FROM {stored.table}"
        " WHERE local_day BETWEEN :first AND :last",
        flt.params(),
    )
    if row is None or row[0] is None:
        return None
    return date.fromisoformat(row[0]), date.fromisoformat(row[1])


async def _settled(conn: Any) -> None:
    """The session settings the cells are rendered under (as an export's COPY runs)."""
    from storage.dialects.copy_csv import SETTINGS

    for name, value in SETTINGS:
        await conn.execute("SELECT set_config(?, ?, true)", (name, value))


async def seal(db: Database, dataset: DataSet, flt: ExportFilter) -> int:
    """PostgreSQL: renders the stored cells of the data set's rows in the filter's days
    whose cells are missing or stale; returns how many rows it rendered. Elsewhere: 0."""
    from storage.dialects.copy_csv import seal_statement

    stored = dataset.stored
    if stored is None or not db.dialect.postgres:
        return 0
    days = await _days(db, stored, flt)
    if days is None:
        return 0
    flt = replace(flt, first_day=days[0], last_day=days[1])
    zones, types = await _plan(db, dataset, flt)
    statement = seal_statement(dataset, flt, zones, types)
    (day, last), sealed = days, 0
    while day <= last:
        end = min(day + timedelta(days=DAYS_PER_STATEMENT - 1), last)
        async with db.transaction() as conn:
            await _settled(conn)
            cur = await conn.execute(statement, replace(flt, first_day=day, last_day=end).params())
            sealed += max(0, cur.rowcount)
        day = end + timedelta(days=1)
    return sealed


async def mismatches(db: Database, dataset: DataSet, default_timezone: str) -> list[int]:
    """PostgreSQL: ids of rows whose stored cells, under a current key, are not what the row
    renders: cells changed behind the bot, which an export would show (`audit verify`)."""
    from storage.dialects.copy_csv import mismatch_statement

    stored = dataset.stored
    if stored is None or not db.dialect.postgres:
        return []
    everything = ExportFilter(EARLIEST, date(9000, 1, 1), default_timezone)
    days = await _days(db, stored, everything)
    if days is None:
        return []
    flt = ExportFilter(days[0], days[1], default_timezone)
    zones, types = await _plan(db, dataset, flt)
    async with db.transaction() as conn:
        await _settled(conn)
        rows = await conn.execute_fetchall(
            mismatch_statement(dataset, flt, zones, types), flt.params()
        )
    return [int(r[0]) for r in rows]
