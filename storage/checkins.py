"""Check-ins (accepted and rejected, with every input that judged them), day state, tracks."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.rules.checkin import CheckinVerdict, DayEffect, LocationEvidence, Place, Site
from bot.rules.spoof import Finding, Fix
from storage.batch import fetch_together
from storage.db import Database
from storage.dialects.errors import INTEGRITY_ERRORS, is_unique_violation
from storage.dialects.prepared import hot
from storage.spoof import SignalTarget, assess_in_unit, history_statement


@dataclass(frozen=True)
class NewCheckin:
    telegram_id: int
    team_id: int | None
    chat_id: int
    message_id: int
    update_id: int | None
    evidence: LocationEvidence
    verdict: CheckinVerdict
    site: Site | None
    received_at: float
    kind: str = "morning"


@dataclass(frozen=True)
class RecordedCheckin:
    id: int
    duplicate: bool
    effect: DayEffect
    day_place: Place | None
    # The day's timing, which may also be "made_up" (an approved make-up), not just a
    # morning Timing: a later check-in on such a day must read it back without failing.
    day_timing: str | None


@dataclass(frozen=True)
class SpoofCheck:
    """The spoof rules for one check-in, given the member's fixes of the last `days` days."""

    check: Callable[[list[Fix]], list[Finding]]
    days: int


@dataclass(frozen=True)
class LivePoint:
    at: int
    lat: float
    lon: float
    accuracy_m: float | None
    distance_m: float | None


def _row_values(c: NewCheckin, effect: DayEffect) -> tuple[Any, ...]:
    ev, v, s = c.evidence, c.verdict, c.site
    return (
        c.telegram_id,
        c.team_id,
        c.chat_id,
        c.message_id,
        c.update_id,
        c.kind,
        int(ev.message_date.timestamp()),
        c.received_at,
        v.delay_s,
        int(v.delayed),
        v.local_day.isoformat(),
        ev.lat,
        ev.lon,
        ev.accuracy_m,
        ev.live_period,
        int(ev.is_live),
        int(ev.is_forwarded),
        int(ev.is_venue),
        int(ev.is_from_offline),
        s.lat if s else None,
        s.lon if s else None,
        s.radius_m if s else None,
        v.distance_m,
        int(v.accepted),
        v.reject_reason.value if v.reject_reason else None,
        v.place.value if v.place else None,
        # An evening row's timing is its evening outcome: a morning timing means nothing then.
        v.timing.value if v.timing else (v.evening.value if v.evening else None),
        effect.value,
    )


_INSERT = hot("""
INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, update_id, kind, message_date,
    received_at, delay_s, delayed, local_day, lat, lon, accuracy_m, live_period, is_live,
    is_forwarded, is_venue, is_from_offline, site_lat, site_lon, site_radius_m, distance_m,
    accepted, reject_reason, place, timing, effect)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT(chat_id, message_id) DO NOTHING
RETURNING id
""")
_DAY_STATE = hot(
    "SELECT place, timing FROM attendance_days"
    " WHERE telegram_id = ? AND team_id = ? AND local_day = ?"
)
# The check-in that counts opens the day. Written by key rather than by the id the insert
# returns, so both go in one trip (storage/batch.py): the row must be this message's and
# have counted, and a re-delivered message (its insert a no-op) finds the day it opened
# then and changes nothing. A day opened by another check-in still meets the primary key,
# as a plain insert would (another process counted first: this unit fails, and `record`
# judges the check-in again).
_DAY_COUNTS = hot(
    "INSERT INTO attendance_days(telegram_id, team_id, local_day, place, timing,"
    " checkin_id, first_checkin_id, updated_at)"
    " SELECT ?, ?, ?, ?, ?, c.id, c.id, ? FROM checkins c"
    " WHERE c.chat_id = ? AND c.message_id = ? AND c.effect = 'counts'"
    " AND NOT EXISTS (SELECT 1 FROM attendance_days d"
    " WHERE d.telegram_id = ? AND d.team_id = ? AND d.local_day = ?"
    " AND d.first_checkin_id = c.id)"
)
_DAY_UPGRADES = hot(
    "UPDATE attendance_days SET place = ?, checkin_id = ?, updated_at = ?"
    " WHERE telegram_id = ? AND team_id = ? AND local_day = ?"
)


class CheckinRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        c: NewCheckin,
        decide: Callable[[Place | None], DayEffect],
        assess: SpoofCheck | None = None,
    ) -> RecordedCheckin:
        """Stores one judged check-in and moves the member's day state, in one transaction.

        `decide` is the pure day rule, given the place of the check-in that counts so far. The
        (chat, message) key makes a re-delivered update a no-op that reports `duplicate`.
        Check-ins arriving together share a transaction (storage/batch.py): each still sees
        every earlier one, so first-accepted-counts and the on-site upgrade hold.

        `assess` raises spoof signals for an accepted check-in from the member's history, in
        the same unit: stored with the check-in, never deciding it.
        """

        def unit(conn: Any) -> RecordedCheckin:
            return _record(conn, c, decide, assess)

        try:
            return await self.db.write_grouped(unit)
        except INTEGRITY_ERRORS as exc:
            # Another process opened the member's day between this unit's read and its write
            # (the day's primary key refused it; the unit was rolled back): judged again,
            # once, against that day, as if it had arrived second.
            if not is_unique_violation(exc):
                raise
            return await self.db.write_grouped(unit)

    async def set_out_of_area_reason(self, checkin_id: int, reason: str) -> None:
        await self.db.execute(
            "UPDATE checkins SET out_of_area_reason = ? WHERE id = ?", (reason, checkin_id)
        )

    async def add_live_point(
        self, chat_id: int, message_id: int, point: LivePoint, *, received_at: float
    ) -> bool:
        """Appends a live-location position to the track of the check-in it edits."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO live_points(checkin_id, at, received_at, lat, lon, accuracy_m,"
                " distance_m) SELECT id, ?, ?, ?, ?, ?, ? FROM checkins"
                " WHERE chat_id = ? AND message_id = ? ON CONFLICT DO NOTHING",
                (
                    point.at,
                    received_at,
                    point.lat,
                    point.lon,
                    point.accuracy_m,
                    point.distance_m,
                    chat_id,
                    message_id,
                ),
            )
            return cur.rowcount > 0

    async def by_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        row = await self.db.fetchone(
            "SELECT * FROM checkins WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return dict(row) if row else None

    async def track(self, checkin_id: int) -> list[LivePoint]:
        rows = await self.db.fetchall(
            "SELECT at, lat, lon, accuracy_m, distance_m FROM live_points WHERE checkin_id = ?"
            " ORDER BY at, id",
            (checkin_id,),
        )
        return [
            LivePoint(r["at"], r["lat"], r["lon"], r["accuracy_m"], r["distance_m"]) for r in rows
        ]

    async def for_person_day(self, telegram_id: int, day: date) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT * FROM checkins WHERE telegram_id = ? AND local_day = ? ORDER BY id",
            (telegram_id, day.isoformat()),
        )
        return [dict(r) for r in rows]

    async def day_state(self, telegram_id: int, team_id: int, day: date) -> dict[str, Any] | None:
        row = await self.db.fetchone(
            "SELECT * FROM attendance_days WHERE telegram_id = ? AND team_id = ? AND local_day = ?",
            (telegram_id, team_id, day.isoformat()),
        )
        return dict(row) if row else None

    async def team_day(self, team_id: int, day: date) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT * FROM attendance_days WHERE team_id = ? AND local_day = ?",
            (team_id, day.isoformat()),
        )
        return [dict(r) for r in rows]

    async def count(self, *, accepted: bool | None = None) -> int:
        sql = "SELECT count(*) FROM checkins"
        params: tuple[Any, ...] = ()
        if accepted is not None:
            sql += " WHERE accepted = ?"
            params = (int(accepted),)
        row = await self.db.fetchone(sql, params)
        return int(row[0]) if row else 0


def _record(
    conn: sqlite3.Connection,
    c: NewCheckin,
    decide: Callable[[Place | None], DayEffect],
    assess: SpoofCheck | None = None,
) -> RecordedCheckin:
    """The unit of work of `CheckinRepo.record`, run on the writer thread."""
    day = c.verdict.local_day.isoformat()
    reads: list[tuple[str, Any]] = [(_DAY_STATE, (c.telegram_id, c.team_id or 0, day))]
    at = c.evidence.message_date.timestamp()
    if assess is not None and c.verdict.accepted and c.team_id is not None:
        reads.append(history_statement(c.telegram_id, c.verdict.local_day, at, days=assess.days))
    # The day so far and the member's recent fixes in one trip (two on SQLite, no trip).
    day_rows, *history = fetch_together(conn, reads)
    current = day_rows[0] if day_rows else None
    counting = Place(current["place"]) if current else None
    effect = decide(counting) if c.verdict.accepted and c.team_id else DayEffect.NO_CHANGE
    writes: list[tuple[str, Any]] = [(_INSERT, _row_values(c, effect))]
    if effect is DayEffect.COUNTS:
        writes.append((_DAY_COUNTS, _day_counts_values(c, day)))
    inserted, *_ = fetch_together(conn, writes)
    if not inserted:
        return _existing(conn, c)
    checkin_id = inserted[0][0]
    if assess is not None and history and c.team_id is not None:
        target = SignalTarget(c.telegram_id, c.team_id, c.verdict.local_day, "checkin", checkin_id)
        assess_in_unit(conn, assess.check, history[0], target, at)
    if effect is DayEffect.COUNTS:
        timing_value = c.verdict.timing.value if c.verdict.timing else None
        return RecordedCheckin(checkin_id, False, effect, c.verdict.place, timing_value)
    if effect is DayEffect.UPGRADES:
        # The place improves; the day keeps the first check-in's timing (lateness is not
        # forgiven by a later fix).
        conn.execute(
            _DAY_UPGRADES,
            (Place.ON_SITE.value, checkin_id, c.received_at, c.telegram_id, c.team_id, day),
        )
        timing = current["timing"] if current else None
        return RecordedCheckin(checkin_id, False, effect, Place.ON_SITE, timing)
    return RecordedCheckin(
        checkin_id, False, effect, counting, current["timing"] if current else None
    )


def _day_counts_values(c: NewCheckin, day: str) -> tuple[Any, ...]:
    key = (c.telegram_id, c.team_id, day)
    place = c.verdict.place.value if c.verdict.place else ""
    timing = c.verdict.timing.value if c.verdict.timing else ""
    return (*key, place, timing, c.received_at, c.chat_id, c.message_id, *key)


def _existing(conn: sqlite3.Connection, c: NewCheckin) -> RecordedCheckin:
    row = conn.execute(
        "SELECT c.id, c.effect, d.place, d.timing FROM checkins c LEFT JOIN attendance_days d"
        " ON d.telegram_id = c.telegram_id AND d.team_id = c.team_id"
        " AND d.local_day = c.local_day WHERE c.chat_id = ? AND c.message_id = ?",
        (c.chat_id, c.message_id),
    ).fetchone()
    return RecordedCheckin(
        row["id"],
        True,
        DayEffect(row["effect"]),
        Place(row["place"]) if row["place"] else None,
        row["timing"] or None,
    )
