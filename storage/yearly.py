"""The yearly report (SPEC §3.8): per member and team, days on site, roll-call absences and
recalls in a calendar year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from storage.db import Database


@dataclass
class YearRow:
    team_name: str
    telegram_id: int
    name: str
    unit: str | None
    state: str
    days_on_site: int = 0
    absences: int = 0
    recalls: list[tuple[float, str]] = field(default_factory=list)  # (recalled_at, reason)


def _utc_year(year: int) -> tuple[float, float]:
    """[start, end) of a calendar year in UTC epoch seconds (no SQL date function: the same
    query on SQLite and PostgreSQL)."""
    start = datetime(year, 1, 1, tzinfo=UTC).timestamp()
    return start, datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()


class YearlyRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def year(self, year: int, team_id: int | None = None) -> list[YearRow]:
        first, last = f"{year:04d}-01-01", f"{year:04d}-12-31"
        scope, params = (" AND m.team_id = ?", (team_id,)) if team_id is not None else ("", ())
        members = await self.db.fetchall(
            "SELECT t.name AS team_name, m.team_id, m.telegram_id,"
            " coalesce(p.name, CAST(m.telegram_id AS TEXT)) AS name,"
            " coalesce(m.unit, p.unit) AS unit, m.state FROM memberships m"
            " JOIN teams t ON t.id = m.team_id JOIN people p ON p.telegram_id = m.telegram_id"
            " WHERE m.role = 'member'"
            + scope
            + " ORDER BY t.name, lower(coalesce(p.name, CAST(m.telegram_id AS TEXT)))",
            params,
        )
        rows = {
            (r["team_id"], r["telegram_id"]): YearRow(
                r["team_name"], r["telegram_id"], r["name"], r["unit"], r["state"]
            )
            for r in members
        }
        counts = (
            ("days_on_site", "attendance_days", "place = 'on_site' AND timing != 'missed'"),
            ("absences", "rollcall_targets", "outcome IN ('out_of_area', 'no_answer')"),
        )
        for attribute, table, condition in counts:
            for team_of, who, n in await self.db.fetchall(
                f"SELECT team_id, telegram_id, count(*) FROM {table} WHERE local_day"
                f" BETWEEN ? AND ? AND {condition} GROUP BY team_id, telegram_id",
                (first, last),
            ):
                if (team_of, who) in rows:
                    setattr(rows[(team_of, who)], attribute, n)
        for team_of, who, at, reason in await self.db.fetchall(
            "SELECT team_id, telegram_id, recalled_at, reason FROM recalls"
            " WHERE recalled_at >= ? AND recalled_at < ? ORDER BY recalled_at",
            _utc_year(year),
        ):
            if (team_of, who) in rows:
                rows[(team_of, who)].recalls.append((at, reason))
        return list(rows.values())
