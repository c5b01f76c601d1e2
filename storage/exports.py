"""The data sets an export can hold: for each one its columns and the SQL that reads it.

Rows are streamed from the reader connection in batches (`Database.stream`), so an export never
holds the writer and memory stays flat however many rows match. Every data set ends with a
`timezone` column (the team's IANA zone, or the deployment's for rows without a team): writers
render instants (UTC epoch seconds in storage) in that zone.

Adding a data set is one `DataSet(...)` value here (or, for computed rows, one with `produce`)
and one entry in the registry in `bot/exporting/datasets.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from storage.csv_chunks import CsvPlan
    from storage.db import Database


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    REAL = "real"
    BOOL = "bool"
    INSTANT = "instant"  # UTC epoch seconds, rendered in the row's timezone
    DAY = "day"  # 'YYYY-MM-DD', already team-local


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    width: int = 12  # characters, for spreadsheet column widths
    # Text only the bot writes, from a fixed vocabulary (enum values, zone names, hex
    # digests): it never starts a formula and never holds a character CSV quotes, so the
    # COPY renderer writes it as it is instead of checking it row by row.
    vocabulary: bool = False


@dataclass(frozen=True)
class ExportFilter:
    """Team-local days `first_day`..`last_day` inclusive; `None` team/member means all."""

    first_day: date
    last_day: date
    default_timezone: str
    team_id: int | None = None
    member_id: int | None = None
    # Zone for the instants that bound rows without a local day (audit, recalls): the
    # filtered team's, else the deployment's.
    bounds_timezone: str | None = None
    # The injected clock's time, for data sets whose figures depend on what is settled yet
    # (monthly compliance: a day not yet decided is not "missed"); None means the system's.
    now: datetime | None = None

    def instant_bounds(self) -> tuple[float, float]:
        """[start, end) in UTC epoch seconds of the day range in the bounds timezone."""
        tz = ZoneInfo(self.bounds_timezone or self.default_timezone)
        start = datetime.combine(self.first_day, time(0), tz)
        end = datetime.combine(self.last_day + timedelta(days=1), time(0), tz)
        return start.timestamp(), end.timestamp()

    def params(self) -> dict[str, Any]:
        start, end = self.instant_bounds()
        return {
            "first": self.first_day.isoformat(),
            "last": self.last_day.isoformat(),
            "team": self.team_id,
            "member": self.member_id,
            "member_text": None if self.member_id is None else str(self.member_id),
            "tz": self.default_timezone,
            "start_ts": start,
            "end_ts": end,
        }


Rows = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class StoredCells:
    """PostgreSQL CSV exports: a data set whose rows keep their own rendered cells, from
    column `first` on, in `csv_key`/`csv_cells` columns of `table` (storage/stored_cells.py).
    The data set's first column is the row's id, its columns before `first` are looked up
    (their values are the same for all of a member's rows), its last is the row's hash.
    `query(f, render)` selects the id, the SQL `render` makes of the looked-up columns' SQL
    (evaluated in the lookup), the stored columns but the hash, then the row's `csv_key`,
    `csv_cells` and version (`xmin`). `row_hash` is the SQL of the hash given the row's id."""

    table: str
    first: int
    query: Callable[[ExportFilter, Callable[[Sequence[str]], str]], str]
    row_hash: Callable[[str], str]


Producer = Callable[[Any, ExportFilter, int], AsyncIterator[Rows]]


@dataclass(frozen=True)
class DataSet:
    name: str
    columns: tuple[Column, ...]
    # SQL data sets: the query for a filter (named parameters from ExportFilter.params()),
    # selecting exactly `columns` in order.
    query: Callable[[ExportFilter], str] | None = None
    # Computed data sets (e.g. monthly compliance): an async generator of row batches,
    # given the Storage facade, the filter and a batch size.
    produce: Producer | None = None
    # The query keeps rows whose day is within :first..:last and orders them by that day
    # first: exports of consecutive day ranges, put end to end, are the export of the whole
    # range. Big CSV exports are rendered a day range at a time, in parallel.
    by_day: bool = False
    # PostgreSQL: cells rendered once into the rows (storage/stored_cells.py).
    stored: StoredCells | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def conditions(
    flt: ExportFilter, *, day: str | None, team: str, member: str, overlap: tuple[str, str] | None
) -> str:
    where = []
    if day:
        where.append(f"{day} BETWEEN :first AND :last")
    if overlap:
        where.append(f"{overlap[0]} <= :last AND {overlap[1]} >= :first")
    if flt.team_id is not None:
        where.append(f"{team} = :team")
    if flt.member_id is not None:
        where.append(f"{member} = :member")
    return " WHERE " + " AND ".join(where) if where else ""


C = Column
TZ = C("timezone", Kind.TEXT, 16, vocabulary=True)
PERSON_COLUMNS = (C("member_id", Kind.INT, 12), C("member_name", Kind.TEXT, 16))
TEAM_COLUMNS = (C("team_id", Kind.INT, 8), C("team", Kind.TEXT, 16))


def checkins_query(f: ExportFilter, render: Callable[[Sequence[str]], str] | None = None) -> str:
    """CHECKINS' query; with `render`, its stored query (StoredCells): the team, person and
    membership met in one lookup per member (a LATERAL join, which SQLite lacks), their
    columns rendered there as one piece, and the row's stored cells last."""
    joins = (
        " LEFT JOIN teams t ON t.id = c.team_id"
        " LEFT JOIN people p ON p.telegram_id = c.telegram_id"
        " LEFT JOIN memberships m ON m.team_id = c.team_id AND m.telegram_id = c.telegram_id"
    )
    looked_up = ["c.team_id", "t.name", "c.telegram_id", "p.name", "coalesce(m.unit, p.unit)"]
    own = (
        " c.kind, c.local_day, c.message_date, c.received_at, c.delay_s, c.delayed, c.accepted,"
        " c.reject_reason, c.lat, c.lon, c.accuracy_m, c.distance_m, c.site_radius_m, c.is_live,"
        " c.live_period, c.is_forwarded, c.is_venue, c.is_from_offline, c.place, c.timing,"
        " c.effect, c.out_of_area_reason,"
    )
    where = conditions(f, day="c.local_day", team="c.team_id", member="c.telegram_id", overlap=None)
    order = " ORDER BY c.local_day, c.id"
    if render is None:
        return (
            f"SELECT c.id, {', '.join(looked_up)},{own} coalesce(t.timezone, :tz)"
            f" FROM checkins c{joins}{where}{order}"
        )
    return (
        f"SELECT c.id, w.line,{own} coalesce(w.timezone, :tz), c.csv_key, c.csv_cells, c.xmin"
        f" FROM checkins c LEFT JOIN LATERAL (SELECT {render(looked_up)} AS line, t.timezone"
        f" FROM (SELECT 1) one{joins}) w ON true{where}{order}"
    )


CHECKINS = DataSet(
    name="checkins",
    columns=(
        C("id", Kind.INT, 9),
        *TEAM_COLUMNS,
        *PERSON_COLUMNS,
        C("unit", Kind.TEXT, 18),
        C("kind", Kind.TEXT, 9, vocabulary=True),
        C("local_day", Kind.DAY, 11),
        C("message_time", Kind.INSTANT, 20),
        C("received_at", Kind.INSTANT, 20),
        C("delay_s", Kind.REAL, 8),
        C("delayed", Kind.BOOL, 8),
        C("accepted", Kind.BOOL, 9),
        C("reject_reason", Kind.TEXT, 14, vocabulary=True),
        C("lat", Kind.REAL, 11),
        C("lon", Kind.REAL, 11),
        C("accuracy_m", Kind.REAL, 10),
        C("distance_m", Kind.REAL, 10),
        C("site_radius_m", Kind.INT, 8),
        C("is_live", Kind.BOOL, 7),
        C("live_period_s", Kind.INT, 8),
        C("is_forwarded", Kind.BOOL, 9),
        C("is_venue", Kind.BOOL, 8),
        C("is_from_offline", Kind.BOOL, 9),
        C("place", Kind.TEXT, 11, vocabulary=True),
        C("timing", Kind.TEXT, 9, vocabulary=True),
        C("effect", Kind.TEXT, 10, vocabulary=True),
        C("out_of_area_reason", Kind.TEXT, 24),
        TZ,
    ),
    query=checkins_query,
    by_day=True,
)


LIVE_TRACKS = DataSet(
    name="live_tracks",
    columns=(
        C("point_id", Kind.INT, 9),
        C("checkin_id", Kind.INT, 9),
        *TEAM_COLUMNS,
        *PERSON_COLUMNS,
        C("local_day", Kind.DAY, 11),
        C("at", Kind.INSTANT, 20),
        C("received_at", Kind.INSTANT, 20),
        C("lat", Kind.REAL, 11),
        C("lon", Kind.REAL, 11),
        C("accuracy_m", Kind.REAL, 10),
        C("distance_m", Kind.REAL, 10),
        TZ,
    ),
    query=lambda f: (
        "SELECT lp.id, lp.checkin_id, c.team_id, t.name, c.telegram_id, p.name, c.local_day,"
        " lp.at, lp.received_at, lp.lat, lp.lon, lp.accuracy_m, lp.distance_m,"
        " coalesce(t.timezone, :tz)"
        " FROM live_points lp JOIN checkins c ON c.id = lp.checkin_id"
        " LEFT JOIN teams t ON t.id = c.team_id LEFT JOIN people p ON p.telegram_id = c.telegram_id"
        + conditions(f, day="c.local_day", team="c.team_id", member="c.telegram_id", overlap=None)
        + " ORDER BY c.local_day, lp.checkin_id, lp.at, lp.id"
    ),
    by_day=True,
)

DIARIES = DataSet(
    name="diaries",
    columns=(
        C("id", Kind.INT, 9),
        *TEAM_COLUMNS,
        *PERSON_COLUMNS,
        C("local_day", Kind.DAY, 11),
        C("kind", Kind.TEXT, 7),
        C("text", Kind.TEXT, 48),
        C("media_path", Kind.TEXT, 32),
        C("file_size", Kind.INT, 10),
        C("file_sha256", Kind.TEXT, 20),
        C("duration_s", Kind.INT, 8),
        C("message_time", Kind.INSTANT, 20),
        C("created_at", Kind.INSTANT, 20),
        C("edited_at", Kind.INSTANT, 20),
        C("deleted", Kind.BOOL, 8),
        TZ,
    ),
    query=lambda f: (
        "SELECT d.id, d.team_id, t.name, d.telegram_id, p.name, d.local_day, d.kind, d.text,"
        " d.media_path, d.file_size, d.file_sha256, d.duration_s, d.message_date, d.created_at,"
        " d.edited_at, d.deleted, coalesce(t.timezone, :tz)"
        " FROM diary_entries d LEFT JOIN teams t ON t.id = d.team_id"
        " LEFT JOIN people p ON p.telegram_id = d.telegram_id"
        + conditions(f, day="d.local_day", team="d.team_id", member="d.telegram_id", overlap=None)
        + " ORDER BY d.local_day, d.id"
    ),
    by_day=True,
)

REQUESTS = DataSet(
    name="leave",
    columns=(
        C("id", Kind.INT, 8),
        C("kind", Kind.TEXT, 8),
        *TEAM_COLUMNS,
        *PERSON_COLUMNS,
        C("leave_type", Kind.TEXT, 10),
        C("first_day", Kind.DAY, 11),
        C("last_day", Kind.DAY, 11),
        C("days", Kind.INT, 6),
        C("reason", Kind.TEXT, 32),
        C("retroactive", Kind.BOOL, 8),
        C("state", Kind.TEXT, 14),
        C("created_at", Kind.INSTANT, 20),
        C("decided_by", Kind.INT, 12),
        C("decided_at", Kind.INSTANT, 20),
        C("decision_reason", Kind.TEXT, 24),
        C("admin_decided_by", Kind.INT, 12),
        C("admin_decided_at", Kind.INSTANT, 20),
        C("ended_early_on", Kind.DAY, 11),
        TZ,
    ),
    query=lambda f: (
        "SELECT r.id, r.kind, r.team_id, t.name, r.telegram_id, p.name, r.leave_type,"
        " r.first_day, r.last_day, r.days, r.reason, r.retroactive, r.state, r.created_at,"
        " r.decided_by, r.decided_at, r.decision_reason, r.admin_decided_by, r.admin_decided_at,"
        " r.ended_early_on, coalesce(t.timezone, :tz)"
        " FROM requests r LEFT JOIN teams t ON t.id = r.team_id"
        " LEFT JOIN people p ON p.telegram_id = r.telegram_id"
        + conditions(
            f,
            day=None,
            team="r.team_id",
            member="r.telegram_id",
            overlap=("r.first_day", "r.last_day"),
        )
        + " ORDER BY r.first_day, r.id"
    ),
)

ROLLCALLS = DataSet(
    name="rollcalls",
    columns=(
        C("rollcall_id", Kind.INT, 8),
        *TEAM_COLUMNS,
        *PERSON_COLUMNS,
        C("local_day", Kind.DAY, 11),
        C("started_at", Kind.INSTANT, 20),
        C("deadline", Kind.INSTANT, 20),
        C("started_by", Kind.INT, 12),
        C("random_draw", Kind.BOOL, 8),
        C("outcome", Kind.TEXT, 12),
        C("answered_at", Kind.INSTANT, 20),
        C("lat", Kind.REAL, 11),
        C("lon", Kind.REAL, 11),
        C("distance_m", Kind.REAL, 10),
        C("closed_at", Kind.INSTANT, 20),
        TZ,
    ),
    query=lambda f: (
        "SELECT rt.rollcall_id, rt.team_id, t.name, rt.telegram_id, p.name, rt.local_day,"
        " rc.started_at, rc.deadline, rc.started_by, rc.random_draw, rt.outcome, rt.answered_at,"
        " rt.lat, rt.lon, rt.distance_m, rc.closed_at, coalesce(t.timezone, :tz)"
        " FROM rollcall_targets rt JOIN rollcalls rc ON rc.id = rt.rollcall_id"
        " LEFT JOIN teams t ON t.id = rt.team_id"
        " LEFT JOIN people p ON p.telegram_id = rt.telegram_id"
        + conditions(
            f, day="rt.local_day", team="rt.team_id", member="rt.telegram_id", overlap=None
        )
        + " ORDER BY rt.local_day, rt.rollcall_id, rt.telegram_id"
    ),
    by_day=True,
)


def _instant_range(f: ExportFilter, column: str, team: str, member_sql: str) -> str:
    where = [f"{column} >= :start_ts", f"{column} < :end_ts"]
    if f.team_id is not None:
        where.append(f"{team} = :team")
    if f.member_id is not None:
        where.append(member_sql)
    return " WHERE " + " AND ".join(where)


RECALLS = DataSet(
    name="recalls",
    columns=(
        C("id", Kind.INT, 7),
        *TEAM_COLUMNS,
        *PERSON_COLUMNS,
        C("unit", Kind.TEXT, 18),
        C("reason", Kind.TEXT, 32),
        C("recalled_by", Kind.INT, 12),
        C("recalled_at", Kind.INSTANT, 20),
        C("vacancy_closed_at", Kind.INSTANT, 20),
        C("closed_by", Kind.INT, 12),
        TZ,
    ),
    query=lambda f: (
        "SELECT r.id, r.team_id, t.name, r.telegram_id, p.name, r.unit, r.reason, r.recalled_by,"
        " r.recalled_at, r.vacancy_closed_at, r.closed_by, coalesce(t.timezone, :tz)"
        " FROM recalls r LEFT JOIN teams t ON t.id = r.team_id"
        " LEFT JOIN people p ON p.telegram_id = r.telegram_id"
        + _instant_range(f, "r.recalled_at", "r.team_id", "r.telegram_id = :member")
        + " ORDER BY r.recalled_at, r.id"
    ),
)

AUDIT = DataSet(
    name="audit",
    columns=(
        C("id", Kind.INT, 8),
        C("at", Kind.INSTANT, 20),
        C("actor_id", Kind.INT, 12),
        C("actor_name", Kind.TEXT, 16),
        C("action", Kind.TEXT, 18),
        *TEAM_COLUMNS,
        C("subject", Kind.TEXT, 20),
        C("before", Kind.TEXT, 40),
        C("after", Kind.TEXT, 40),
        TZ,
    ),
    query=lambda f: (
        "SELECT a.id, a.at, a.actor_id, p.name, a.action, a.team_id, t.name, a.subject,"
        " a.before, a.after, coalesce(t.timezone, :tz)"
        " FROM audit a LEFT JOIN teams t ON t.id = a.team_id"
        " LEFT JOIN people p ON p.telegram_id = a.actor_id"
        + _instant_range(
            f, "a.at", "a.team_id", "(a.actor_id = :member OR a.subject = :member_text)"
        )
        + " ORDER BY a.at, a.id"
    ),
)

SQL_DATASETS = (CHECKINS, LIVE_TRACKS, DIARIES, REQUESTS, ROLLCALLS, RECALLS, AUDIT)


class ExportRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def stream(
        self, dataset: DataSet, flt: ExportFilter, batch: int = 5000
    ) -> AsyncIterator[Rows]:
        """Batches of rows of one SQL data set, from the reader (never the writer)."""
        if dataset.query is None:
            raise ValueError(f"{dataset.name} is not an SQL data set")
        async for rows in self._prefetched(dataset.query(flt), flt.params(), batch):
            yield rows

    async def csv_plan(self, dataset: DataSet, flt: ExportFilter) -> CsvPlan:
        """What a process needs to render this data set's CSV itself (storage/csv_chunks.py):
        the SQL for ready lines and for text cells, with every team's zone baked in."""
        # Both build on this module's DataSet.
        from storage import csv_cells
        from storage.csv_chunks import CsvPlan

        zones = {r[0] for r in await self.db.fetchall("SELECT DISTINCT timezone FROM teams")}
        spans = csv_cells.zone_spans(zones | {flt.default_timezone}, flt)
        return CsvPlan(
            db_path=str(self.db.target),
            lines=csv_cells.lines_query(dataset, flt, spans),
            cells_sql=csv_cells.cells_query(dataset, flt, spans),
        )

    async def copy_plan(self, dataset: DataSet, flt: ExportFilter, every: int = 5000) -> str:
        """PostgreSQL: the COPY statement of the data set's CSV rows (no header); its
        `:first`/`:last` parameters may name any day range (`copy_rows`, told of progress
        about `every` rows)."""
        from storage.dialects.copy_csv import LINES_PER_ROW, copy_statement, describe_statement

        if not self.db.dialect.postgres:
            raise ValueError("COPY is PostgreSQL's; SQLite renders CSV with csv_plan")
        zones = {r[0] for r in await self.db.fetchall("SELECT DISTINCT timezone FROM teams")}
        described = describe_statement(dataset, flt)
        types: list[str] = await self.db.run(
            lambda conn: conn.column_types(described, flt.params())
        )
        return copy_statement(dataset, flt, zones, types, min(LINES_PER_ROW, every))

    async def copy_rows(
        self,
        statement: str,
        params: dict[str, Any],
        out: Any,
        on_rows: Callable[[int], None],
        every: int = 5000,
    ) -> int:
        """PostgreSQL: the rows of a `copy_plan` statement streamed by COPY into `out`."""
        from storage.dialects.copy_csv import SETTINGS

        loop = asyncio.get_running_loop()

        def progress(rows: int) -> None:  # on the connection's thread
            loop.call_soon_threadsafe(on_rows, rows)

        count: int = await self.db.run(
            lambda conn: conn.copy_out(statement, params, out, progress, every, SETTINGS)
        )
        return count

    async def copy_csv(
        self,
        dataset: DataSet,
        flt: ExportFilter,
        out: Any,
        on_rows: Callable[[int], None],
        every: int = 5000,
    ) -> int:
        """PostgreSQL: the data set's CSV rows (no header) streamed by COPY into `out`."""
        statement = await self.copy_plan(dataset, flt, every)
        return await self.copy_rows(statement, flt.params(), out, on_rows, every)

    async def _prefetched(
        self, sql: str, params: dict[str, Any], batch: int
    ) -> AsyncIterator[Rows]:
        # The next batch is fetched on the connection's thread while the caller formats this
        # one (the drivers release the GIL while the database works).
        batches = self.db.stream(sql, params, batch)
        pending = asyncio.ensure_future(anext(batches, None))
        try:
            while rows := await pending:
                pending = asyncio.ensure_future(anext(batches, None))
                yield rows
        finally:
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(BaseException):
                    await pending
            await batches.aclose()
