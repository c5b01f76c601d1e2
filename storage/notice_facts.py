"""What the scheduled notices read: one team-day's facts, a week's tallies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.rules.evening import EveningCheck
from bot.rules.reminders import LeaveSpan, MemberDay, on_leave
from bot.rules.summary import Attendance, PendingRequest
from storage.db import Database


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class TeamDay:
    attendance: list[Attendance]
    diary_writers: set[int]
    evening_on_site: set[int]
    leaves: list[LeaveSpan]


class NoticeFactsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def team_day(self, team_id: int, day: date) -> TeamDay:
        iso = day.isoformat()
        rows = await self.db.fetchall(
            "SELECT a.telegram_id, a.place, a.timing, c.out_of_area_reason AS reason"
            " FROM attendance_days a LEFT JOIN checkins c ON c.id = a.checkin_id"
            " WHERE a.team_id = ? AND a.local_day = ?",
            (team_id, iso),
        )
        attendance = [Attendance(r[0], r[1], r[2], r[3]) for r in rows]
        diary = await self.db.fetchall(
            "SELECT DISTINCT telegram_id FROM diary_entries"
            " WHERE team_id = ? AND local_day = ? AND deleted = 0",
            (team_id, iso),
        )
        evening = await self.db.fetchall(
            "SELECT DISTINCT telegram_id FROM checkins WHERE team_id = ? AND local_day = ?"
            " AND kind = 'evening' AND accepted = 1 AND place = 'on_site'",
            (team_id, iso),
        )
        return TeamDay(
            attendance=attendance,
            diary_writers={r[0] for r in diary},
            evening_on_site={r[0] for r in evening},
            leaves=await self.approved_leaves(team_id, day, day),
        )

    async def evening_checks(self, team_id: int, day: date) -> list[EveningCheck]:
        """The day's accepted evening locations, in the order they were sent."""
        rows = await self.db.fetchall(
            "SELECT telegram_id, place, out_of_area_reason FROM checkins"
            " WHERE team_id = ? AND local_day = ? AND kind = 'evening' AND accepted = 1"
            " ORDER BY message_date, id",
            (team_id, day.isoformat()),
        )
        return [EveningCheck(r[0], r[1], r[2]) for r in rows]

    async def member_day(self, team_id: int, telegram_id: int, day: date) -> MemberDay | None:
        """One member's facts for the day, as `team_day` gives them for the whole team (None
        when they are no longer a member): asked just before each notice goes out."""
        iso = day.isoformat()
        row = await self.db.fetchone(
            "SELECT m.state, p.unreachable,"
            " EXISTS(SELECT 1 FROM attendance_days a WHERE a.team_id = m.team_id"
            "   AND a.telegram_id = m.telegram_id AND a.local_day = ?) AS checked_in,"
            " EXISTS(SELECT 1 FROM diary_entries d WHERE d.team_id = m.team_id"
            "   AND d.telegram_id = m.telegram_id AND d.local_day = ? AND d.deleted = 0)"
            "   AS wrote_diary,"
            " EXISTS(SELECT 1 FROM checkins c WHERE c.team_id = m.team_id"
            "   AND c.telegram_id = m.telegram_id AND c.local_day = ? AND c.kind = 'evening'"
            "   AND c.accepted = 1 AND c.place = 'on_site') AS evening_done"
            " FROM memberships m JOIN people p ON p.telegram_id = m.telegram_id"
            " WHERE m.team_id = ? AND m.telegram_id = ? AND m.role = 'member'",
            (iso, iso, iso, team_id, telegram_id),
        )
        if row is None:
            return None
        leaves = await self.db.fetchall(
            "SELECT telegram_id, first_day, last_day, ended_early_on, leave_type FROM requests"
            " WHERE team_id = ? AND telegram_id = ? AND kind = 'leave' AND state = 'approved'"
            " AND first_day <= ? AND last_day >= ?",
            (team_id, telegram_id, iso, iso),
        )
        spans = [
            LeaveSpan(r[0], date.fromisoformat(r[1]), date.fromisoformat(r[2]), _day(r[3]), r[4])
            for r in leaves
        ]
        return MemberDay(
            telegram_id=telegram_id,
            state=row[0],
            unreachable=bool(row[1]),
            on_leave=on_leave(spans, telegram_id, day) is not None,
            checked_in=bool(row[2]),
            wrote_diary=bool(row[3]),
            evening_done=bool(row[4]),
        )

    async def approved_leaves(self, team_id: int, first: date, last: date) -> list[LeaveSpan]:
        """Approved leave of the team's members, including leave approved while a member was
        still in another team: leave belongs to the person, and a move does not cancel it."""
        rows = await self.db.fetchall(
            # Two indexed halves (by team, by person) rather than one OR that scans requests.
            "SELECT telegram_id, first_day, last_day, ended_early_on, leave_type FROM requests"
            " WHERE team_id = ? AND kind = 'leave' AND state = 'approved'"
            " AND first_day <= ? AND last_day >= ?"
            " UNION SELECT r.telegram_id, r.first_day, r.last_day, r.ended_early_on, r.leave_type"
            " FROM memberships m JOIN requests r ON r.telegram_id = m.telegram_id"
            " WHERE m.team_id = ? AND m.role = 'member' AND m.state = 'active'"
            " AND r.team_id != m.team_id AND r.kind = 'leave' AND r.state = 'approved'"
            " AND r.first_day <= ? AND r.last_day >= ?",
            (
                team_id,
                last.isoformat(),
                first.isoformat(),
                team_id,
                last.isoformat(),
                first.isoformat(),
            ),
        )
        return [
            LeaveSpan(r[0], date.fromisoformat(r[1]), date.fromisoformat(r[2]), _day(r[3]), r[4])
            for r in rows
        ]

    async def pending_requests(self, team_id: int) -> list[PendingRequest]:
        rows = await self.db.fetchall(
            "SELECT r.id, r.telegram_id, coalesce(p.name, CAST(r.telegram_id AS TEXT)) AS name,"
            " r.kind,"
            " r.leave_type, r.first_day, r.last_day, r.days, r.state FROM requests r"
            " LEFT JOIN people p ON p.telegram_id = r.telegram_id"
            " WHERE r.team_id = ? AND r.state IN ('pending', 'awaiting_admin')"
            " ORDER BY r.created_at, r.id",
            (team_id,),
        )
        return [
            PendingRequest(
                id=r["id"],
                telegram_id=r["telegram_id"],
                name=str(r["name"]),
                kind=r["kind"],
                leave_type=r["leave_type"],
                first_day=date.fromisoformat(r["first_day"]),
                last_day=date.fromisoformat(r["last_day"]),
                days=r["days"],
                state=r["state"],
            )
            for r in rows
        ]

    async def week_tallies(
        self, team_id: int, first: date, last: date
    ) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
        """Per member over first..last: days on site, late days, days with a diary entry."""
        span = (team_id, first.isoformat(), last.isoformat())
        rows = await self.db.fetchall(
            "SELECT telegram_id, count(*) FILTER (WHERE place = 'on_site'),"
            " count(*) FILTER (WHERE timing = 'late')"
            " FROM attendance_days WHERE team_id = ? AND local_day BETWEEN ? AND ?"
            " GROUP BY telegram_id",
            span,
        )
        diary = await self.db.fetchall(
            "SELECT telegram_id, count(DISTINCT local_day) FROM diary_entries"
            " WHERE team_id = ? AND local_day BETWEEN ? AND ? AND deleted = 0"
            " GROUP BY telegram_id",
            span,
        )
        return (
            {r[0]: r[1] for r in rows},
            {r[0]: r[2] for r in rows},
            {r[0]: r[1] for r in diary},
        )
