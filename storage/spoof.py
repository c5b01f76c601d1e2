"""Spoof signals: a member's fixes for the rules, the signals they raised, and clearing them."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.rules.spoof import Finding, Fix, SpoofThresholds
from storage.audit import write_audit
from storage.db import Database
from storage.dialects.prepared import hot

log = logging.getLogger(__name__)

# Live points are many; impossible travel only needs the recent ones.
LIVE_HOURS = 24
MAX_LIVE_POINTS = 500

_HISTORY = hot("""
SELECT 'checkin', id, message_date, lat, lon, accuracy_m, local_day FROM checkins
 WHERE telegram_id = :who AND local_day >= :since AND accepted = 1 AND lat IS NOT NULL
   AND id != :skip
UNION ALL
SELECT 'rollcall', rowid, answered_at, lat, lon, NULL, local_day FROM rollcall_targets
 WHERE telegram_id = :who AND local_day >= :since AND lat IS NOT NULL
   AND answered_at IS NOT NULL AND rowid != :skip_rollcall
UNION ALL
SELECT * FROM (SELECT 'live', p.id, p.at, p.lat, p.lon, p.accuracy_m, c.local_day
  FROM live_points p JOIN checkins c ON c.id = p.checkin_id
 WHERE c.telegram_id = :who AND c.local_day >= :since AND p.at >= :live_since
 ORDER BY p.at DESC LIMIT :live_max) AS recent_live
""")


@dataclass(frozen=True)
class StoredSignal:
    id: int
    telegram_id: int
    team_id: int
    day: date
    signal: str
    source: str
    ref_id: int
    inputs: dict[str, Any]
    raised_at: float
    cleared_at: float | None
    cleared_by: int | None
    clear_reason: str | None
    name: str | None = None

    @property
    def open(self) -> bool:
        return self.cleared_at is None


def history_statement(
    telegram_id: int, day: date, at: float, *, days: int
) -> tuple[str, dict[str, Any]]:
    """The query for the member's fixes of the last `days` days (live points: the last day),
    read before their new check-in is written (so nothing of its own to leave out)."""
    return _HISTORY, _history_params(telegram_id, day, at, days, 0, 0)


def _history_params(
    telegram_id: int, day: date, at: float, days: int, skip_checkin: int, skip_rollcall: int
) -> dict[str, Any]:
    return {
        "who": telegram_id,
        "since": (day - timedelta(days=days)).isoformat(),
        "skip": skip_checkin,
        "skip_rollcall": skip_rollcall,
        "live_since": at - LIVE_HOURS * 3600,
        "live_max": MAX_LIVE_POINTS,
    }


def _fixes(rows: Sequence[Sequence[Any]]) -> list[Fix]:
    fixes = [
        Fix(float(r[2]), r[3], r[4], r[5], date.fromisoformat(r[6]), source=r[0], ref=r[1])
        for r in rows
    ]
    return sorted(fixes, key=lambda f: f.at)


_INSERT = (
    "INSERT INTO spoof_signals(telegram_id, team_id, local_day, signal, source, ref_id, inputs,"
    " raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source, ref_id, signal) DO NOTHING"
)


@dataclass(frozen=True)
class SignalTarget:
    """The fix that raised signals: a check-in, a roll-call answer or a live location."""

    telegram_id: int
    team_id: int
    day: date
    source: str  # checkin | rollcall | live
    ref_id: int  # checkins.id (live: the check-in it edits) or rollcall_targets.rowid


def record_sync(
    conn: sqlite3.Connection, target: SignalTarget, findings: Sequence[Finding], at: float
) -> int:
    conn.executemany(_INSERT, _rows(target, findings, at))
    return len(findings)


def _rows(target: SignalTarget, findings: Sequence[Finding], at: float) -> list[tuple[Any, ...]]:
    return [
        (
            target.telegram_id,
            target.team_id,
            target.day.isoformat(),
            f.signal.value,
            target.source,
            target.ref_id,
            json.dumps(f.inputs, ensure_ascii=False, sort_keys=True),
            at,
        )
        for f in findings
    ]


def assess_in_unit(
    conn: sqlite3.Connection,
    assess: Callable[[list[Fix]], list[Finding]],
    history: Sequence[Sequence[Any]],
    target: SignalTarget,
    at: float,
) -> None:
    """Inside a check-in's grouped write, given the rows of `history_statement`: a bug in a
    signal must never cost the check-in."""
    try:
        findings = assess(_fixes(history))
    except Exception:
        log.exception("spoof signals failed for check-in %s; the check-in stands", target.ref_id)
        return
    record_sync(conn, target, findings, at)


def _signal(row: sqlite3.Row) -> StoredSignal:
    keys = row.keys()
    return StoredSignal(
        id=row["id"],
        telegram_id=row["telegram_id"],
        team_id=row["team_id"],
        day=date.fromisoformat(row["local_day"]),
        signal=row["signal"],
        source=row["source"],
        ref_id=row["ref_id"],
        inputs=json.loads(row["inputs"]),
        raised_at=row["raised_at"],
        cleared_at=row["cleared_at"],
        cleared_by=row["cleared_by"],
        clear_reason=row["clear_reason"],
        name=row["name"] if "name" in keys else None,
    )


_SELECT = (
    "SELECT s.*, p.name FROM spoof_signals s LEFT JOIN people p ON p.telegram_id = s.telegram_id"
)


class SpoofRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def history(
        self, telegram_id: int, day: date, at: float, *, days: int, skip_rollcall: int = 0
    ) -> list[Fix]:
        params = _history_params(telegram_id, day, at, days, 0, skip_rollcall)
        return _fixes(await self.db.fetchall(_HISTORY, params))

    async def record(self, target: SignalTarget, findings: Sequence[Finding], at: float) -> None:
        if findings:
            await self.db.executemany(_INSERT, _rows(target, findings, at))

    async def rollcall_ref(self, rollcall_id: int, telegram_id: int) -> tuple[int, date] | None:
        """The row id and day of a roll-call answer: what its signals point at."""
        row = await self.db.fetchone(
            "SELECT rowid, local_day FROM rollcall_targets"
            " WHERE rollcall_id = ? AND telegram_id = ?",
            (rollcall_id, telegram_id),
        )
        return (row[0], date.fromisoformat(row[1])) if row else None

    async def get(self, signal_id: int) -> StoredSignal | None:
        row = await self.db.fetchone(_SELECT + " WHERE s.id = ?", (signal_id,))
        return _signal(row) if row else None

    async def for_team(
        self, team_id: int, first: date, last: date, *, open_only: bool = True
    ) -> list[StoredSignal]:
        rows = await self.db.fetchall(
            _SELECT
            + " WHERE s.team_id = ? AND s.local_day BETWEEN ? AND ?"
            + (" AND s.cleared_at IS NULL" if open_only else "")
            + " ORDER BY s.local_day, p.name, s.telegram_id, s.id",
            (team_id, first.isoformat(), last.isoformat()),
        )
        return [_signal(r) for r in rows]

    async def for_member(
        self, telegram_id: int, team_id: int, first: date, last: date
    ) -> list[StoredSignal]:
        rows = await self.db.fetchall(
            _SELECT + " WHERE s.telegram_id = ? AND s.team_id = ? AND s.local_day BETWEEN ? AND ?"
            " ORDER BY s.local_day, s.id",
            (telegram_id, team_id, first.isoformat(), last.isoformat()),
        )
        return [_signal(r) for r in rows]

    async def open_counts(
        self, first: date, last: date, team_id: int | None = None
    ) -> dict[tuple[int, int], int]:
        """Signals not cleared, per (team, member), for the monthly table."""
        sql = (
            "SELECT team_id, telegram_id, count(*) FROM spoof_signals"
            " WHERE local_day BETWEEN ? AND ? AND cleared_at IS NULL"
        )
        params: list[Any] = [first.isoformat(), last.isoformat()]
        if team_id is not None:
            sql += " AND team_id = ?"
            params.append(team_id)
        rows = await self.db.fetchall(sql + " GROUP BY team_id, telegram_id", params)
        return {(r[0], r[1]): r[2] for r in rows}

    async def clear(self, signal_id: int, *, by: int, reason: str, at: float) -> bool:
        """Clears a signal with its reason and the audit row, once: a second clear is a no-op."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE spoof_signals SET cleared_at = ?, cleared_by = ?, clear_reason = ?"
                " WHERE id = ? AND cleared_at IS NULL RETURNING team_id, telegram_id, signal",
                (at, by, reason, signal_id),
            )
            row = await cur.fetchone()
            await cur.close()
            if row is None:
                return False
            await write_audit(
                conn,
                at=at,
                actor_id=by,
                action="spoof.clear",
                team_id=row["team_id"],
                subject=str(row["telegram_id"]),
                before={"signal": row["signal"], "id": signal_id, "state": "open"},
                after={"state": "cleared", "reason": reason},
            )
            return True

    async def members_matching(
        self, text: str, team_ids: set[int] | None
    ) -> list[tuple[int, str | None, int, str]]:
        """Members (any state) whose id, @username or name is `text`; a unique part of a
        name also matches when nothing matches exactly. (telegram id, name, team id, team)."""
        sql = (
            "SELECT m.telegram_id, p.name, m.team_id, t.name FROM memberships m"
            " JOIN people p ON p.telegram_id = m.telegram_id JOIN teams t ON t.id = m.team_id"
            " WHERE m.role = 'member' AND m.state != 'left'"
        )
        params: list[Any] = []
        if team_ids is not None:
            sql += f" AND m.team_id IN ({','.join('?' * len(team_ids))})"
            params += sorted(team_ids)
        needle = text.strip().lstrip("@").lower()
        exact = await self.db.fetchall(
            sql + " AND (CAST(m.telegram_id AS TEXT) = ? OR lower(p.username) = ?"
            " OR lower(p.name) = ?) ORDER BY m.team_id, m.telegram_id",
            [*params, needle, needle, needle],
        )
        rows = exact or await self.db.fetchall(
            sql + f" AND {self.db.dialect.contains('lower(p.name)', '?')}"
            " ORDER BY m.team_id, m.telegram_id",
            [*params, needle],
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def month_fixes(
        self, telegram_id: int, team_id: int, first: date, last: date
    ) -> list[dict[str, Any]]:
        """Accepted check-ins and roll-call answers of a member's month, for the picture."""
        rows = await self.db.fetchall(
            "SELECT 'checkin' AS source, id AS ref, local_day, lat, lon, kind, timing"
            " FROM checkins WHERE telegram_id = ? AND team_id = ? AND local_day BETWEEN ? AND ?"
            " AND accepted = 1 AND lat IS NOT NULL"
            " UNION ALL SELECT 'rollcall', rowid, local_day, lat, lon, 'rollcall', NULL"
            " FROM rollcall_targets WHERE telegram_id = ? AND team_id = ?"
            " AND local_day BETWEEN ? AND ? AND lat IS NOT NULL ORDER BY local_day",
            (telegram_id, team_id, first.isoformat(), last.isoformat()) * 2,
        )
        return [dict(r) for r in rows]

    async def set_thresholds(
        self, team_id: int, th: SpoofThresholds, *, actor_id: int | None, at: float
    ) -> None:
        """A team's spoof thresholds, with the audit row (a policy change)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "SELECT spoof_max_speed_kmh, spoof_frozen_m, spoof_repeat_days, spoof_edge_band,"
                " spoof_edge_days, spoof_static_live_s FROM policies WHERE team_id = ?",
                (team_id,),
            )
            before = await cur.fetchone()
            await cur.close()
            values = (
                th.max_speed_kmh,
                th.frozen_m,
                th.repeat_days,
                th.edge_band,
                th.edge_days,
                th.static_live_s,
            )
            await conn.execute(
                "UPDATE policies SET spoof_max_speed_kmh = ?, spoof_frozen_m = ?,"
                " spoof_repeat_days = ?, spoof_edge_band = ?, spoof_edge_days = ?,"
                " spoof_static_live_s = ? WHERE team_id = ?",
                (*values, team_id),
            )
            await write_audit(
                conn,
                at=at,
                actor_id=actor_id,
                action="team.spoof_thresholds",
                team_id=team_id,
                before=list(before) if before else None,
                after=list(values),
            )
