"""Loading one month's compliance inputs, for one team or every team at once.

A fixed handful of queries whatever the number of members (one per kind of record, each a
range scan on the month's local days), grouped in Python: 5,000 members cost the same few
round trips as five.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache

from bot.rules.compliance import DayRecord, LeaveSpan, MemberInput, TeamInput
from bot.rules.team_hours import local_day, month_days
from storage.db import Database
from storage.models import Team
from storage.spoof import SpoofRepo
from storage.teams import TeamRepo

Key = tuple[int, int]  # (team_id, telegram_id)


_DAY_PLACE_TIMING = "local_day || ' ' || place || ' ' || timing"


@lru_cache(maxsize=4096)
def _date(text: str) -> date:
    # A month has at most 31 distinct days: parse each once, not once per member-day.
    return date.fromisoformat(text)


def _days(packed: str) -> list[date]:
    return [_date(d) for d in packed.split(",")]


@dataclass
class _MemberRows:
    days: list[DayRecord] = field(default_factory=list)
    evenings: set[date] = field(default_factory=set)
    leaves: list[LeaveSpan] = field(default_factory=list)
    diary: set[date] = field(default_factory=set)


@dataclass(frozen=True)
class Recipient:
    telegram_id: int
    language: str | None


class ComplianceRepo:
    def __init__(self, db: Database, teams: TeamRepo) -> None:
        self.db = db
        self.teams = teams

    async def month_inputs(
        self, year: int, month: int, team_id: int | None = None
    ) -> list[TeamInput]:
        """Every (or one) team's inputs for the month, teams by name, members by name."""
        teams = await self._teams(team_id)
        if not teams:
            return []
        days = month_days(year, month)
        first, last = days[0].isoformat(), days[-1].isoformat()
        scope, params = self._scope(team_id)
        members = await self._members(first, last, scope, params)
        rows: dict[Key, _MemberRows] = defaultdict(_MemberRows)
        await self._attendance(rows, first, last, scope, params)
        if any(t.schedule.evening_enabled for t in teams):
            await self._evenings(rows, first, last, scope, params)
        await self._leaves(rows, first, last, scope, params)
        await self._diaries(rows, first, last, scope, params)
        absences = await self._absences(f"{year:04d}-01-01", last)
        signals = await SpoofRepo(self.db).open_counts(days[0], days[-1], team_id)
        by_team: dict[int, list[MemberInput]] = defaultdict(list)
        zones = {t.id: t.timezone for t in teams}
        for team_of, telegram_id, name, unit, joined_at in members:
            since = local_day(datetime.fromtimestamp(joined_at, UTC), zones[team_of])
            if since > days[-1]:
                continue  # not a member yet that month: not listed, not "meets" with 0 days
            r = rows.get((team_of, telegram_id), _MemberRows())
            by_team[team_of].append(
                MemberInput(
                    telegram_id=telegram_id,
                    name=name,
                    unit=unit,
                    days=tuple(r.days),
                    evening_days=frozenset(r.evenings),
                    leaves=tuple(r.leaves),
                    diary_days=frozenset(r.diary),
                    absences_ytd=absences.get(telegram_id, 0),
                    member_since=since,
                    spoof_signals=signals.get((team_of, telegram_id), 0),
                )
            )
        return [
            TeamInput(
                team_id=t.id,
                team_name=t.name,
                timezone=t.timezone,
                schedule=t.schedule,
                policy=t.policy,
                members=tuple(by_team.get(t.id, ())),
            )
            for t in teams
        ]

    @property
    def _distinct_days(self) -> str:
        return self.db.dialect.group_concat("local_day", distinct=True)

    async def _teams(self, team_id: int | None) -> list[Team]:
        if team_id is None:
            return await self.teams.all()
        team = await self.teams.get(team_id)
        return [team] if team else []

    @staticmethod
    def _scope(team_id: int | None) -> tuple[str, tuple[int, ...]]:
        if team_id is None:
            return "", ()
        return " AND team_id = ?", (team_id,)

    async def _members(
        self, first: str, last: str, scope: str, params: tuple[int, ...]
    ) -> list[tuple[int, int, str, str | None, float]]:
        # Active members, plus those recalled or gone since who still have days this month.
        sql = (
            "SELECT m.team_id, m.telegram_id, coalesce(p.name, p.username,"
            " CAST(m.telegram_id AS TEXT)) AS name, coalesce(m.unit, p.unit) AS unit,"
            " m.joined_at"
            " FROM memberships m JOIN people p ON p.telegram_id = m.telegram_id"
            " WHERE m.role = 'member' AND (m.state = 'active' OR EXISTS (SELECT 1 FROM"
            " attendance_days a WHERE a.telegram_id = m.telegram_id AND a.team_id = m.team_id"
            " AND a.local_day BETWEEN ? AND ?))"
            + scope.replace("team_id", "m.team_id")
            + " ORDER BY m.team_id, name COLLATE NOCASE, m.telegram_id"
        )
        rows = await self.db.fetchall(sql, (first, last, *params))
        return [
            (r["team_id"], r["telegram_id"], r["name"], r["unit"], r["joined_at"]) for r in rows
        ]

    async def _attendance(
        self, rows: dict[Key, _MemberRows], first: str, last: str, scope: str, params: tuple
    ) -> None:
        # One row per member (days concatenated by SQLite) rather than one per member-day:
        # building 150,000 Python row objects was most of the cost of a 5,000-member month.
        sql = (
            "SELECT team_id, telegram_id,"
            f" {self.db.dialect.group_concat(_DAY_PLACE_TIMING)}"
            " FROM attendance_days WHERE local_day BETWEEN ? AND ?"
            + scope
            + " GROUP BY team_id, telegram_id"
        )
        for team_id, telegram_id, packed in await self.db.fetchall(sql, (first, last, *params)):
            days = rows[(team_id, telegram_id)].days
            for item in packed.split(","):
                day, place, timing = item.split(" ")
                days.append(DayRecord(_date(day), place, timing))

    async def _evenings(
        self, rows: dict[Key, _MemberRows], first: str, last: str, scope: str, params: tuple
    ) -> None:
        sql = (
            f"SELECT team_id, telegram_id, {self._distinct_days}"
            " FROM checkins"
            " WHERE kind = 'evening' AND accepted = 1 AND place = 'on_site'"
            " AND local_day BETWEEN ? AND ?" + scope + " GROUP BY team_id, telegram_id"
        )
        for team_id, telegram_id, packed in await self.db.fetchall(sql, (first, last, *params)):
            rows[(team_id, telegram_id)].evenings.update(_days(packed))

    async def _leaves(
        self, rows: dict[Key, _MemberRows], first: str, last: str, scope: str, params: tuple
    ) -> None:
        sql = (
            "SELECT team_id, telegram_id, leave_type, first_day, last_day, ended_early_on"
            " FROM requests WHERE kind = 'leave' AND state = 'approved'"
            " AND first_day <= ? AND last_day >= ?" + scope
        )
        for r in await self.db.fetchall(sql, (last, first, *params)):
            rows[(r[0], r[1])].leaves.append(
                LeaveSpan(
                    leave_type=r[2] or "other",
                    first_day=date.fromisoformat(r[3]),
                    last_day=date.fromisoformat(r[4]),
                    ended_early_on=date.fromisoformat(r[5]) if r[5] else None,
                )
            )

    async def _diaries(
        self, rows: dict[Key, _MemberRows], first: str, last: str, scope: str, params: tuple
    ) -> None:
        sql = (
            f"SELECT team_id, telegram_id, {self._distinct_days}"
            " FROM diary_entries"
            " WHERE deleted = 0 AND local_day BETWEEN ? AND ?"
            + scope
            + " GROUP BY team_id, telegram_id"
        )
        for team_id, telegram_id, packed in await self.db.fetchall(sql, (first, last, *params)):
            rows[(team_id, telegram_id)].diary.update(_days(packed))

    async def _absences(self, first: str, last: str) -> dict[int, int]:
        """Roll-call absences per person from 1 January to the month's end, in any team:
        the rating limits are about the person's year."""
        rows = await self.db.fetchall(
            "SELECT telegram_id, count(*) FROM rollcall_targets"
            " WHERE outcome IN ('out_of_area', 'no_answer') AND local_day BETWEEN ? AND ?"
            " GROUP BY telegram_id",
            (first, last),
        )
        return {r[0]: r[1] for r in rows}

    async def supervisors(self, team_id: int) -> list[Recipient]:
        rows = await self.db.fetchall(
            "SELECT p.telegram_id, p.language FROM memberships m"
            " JOIN people p ON p.telegram_id = m.telegram_id"
            " WHERE m.team_id = ? AND m.role = 'supervisor' AND m.state = 'active'"
            " AND p.unreachable = 0 ORDER BY p.telegram_id",
            (team_id,),
        )
        return [Recipient(r[0], r[1]) for r in rows]

    async def languages(self, telegram_ids: list[int]) -> dict[int, str | None]:
        if not telegram_ids:
            return {}
        marks = ",".join("?" * len(telegram_ids))
        rows = await self.db.fetchall(
            f"SELECT telegram_id, language FROM people WHERE telegram_id IN ({marks})",
            telegram_ids,
        )
        return {r[0]: r[1] for r in rows}

    async def claim_notification(self, kind: str, telegram_id: int, ref: str, now: float) -> bool:
        """Inserts the 'sent' mark first; True only for the one caller that inserted it."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO notifications(kind, telegram_id, ref, sent_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (kind, telegram_id, ref, now),
            )
            return cur.rowcount == 1

    async def release_notification(self, kind: str, telegram_id: int, ref: str) -> None:
        """Undoes a claim whose sending failed, so a later run tries again."""
        await self.db.execute(
            "DELETE FROM notifications WHERE kind = ? AND telegram_id = ? AND ref = ?",
            (kind, telegram_id, ref),
        )
