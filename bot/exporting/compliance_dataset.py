"""Monthly compliance as an export data set: one row per member and month in the range,
computed by the same pure rules as the monthly report (bot/rules/compliance.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

from bot.rules.compliance import LEAVE_TYPES, MemberMonth, settled_until, team_month
from bot.rules.team_hours import local_datetime
from storage.exports import Column, DataSet, ExportFilter, Kind, Rows

COLUMNS = (
    Column("month", Kind.TEXT, 9),
    Column("team", Kind.TEXT, 20),
    Column("telegram_id", Kind.INT, 12),
    Column("member", Kind.TEXT, 20),
    Column("unit", Kind.TEXT, 20),
    Column("days_on_site", Kind.INT, 8),
    Column("made_up", Kind.INT, 8),
    Column("nights_on_site", Kind.INT, 8),
    Column("late", Kind.INT, 6),
    Column("missed", Kind.INT, 6),
    Column("out_of_area", Kind.INT, 8),
    *(Column(f"leave_{kind}", Kind.INT, 8) for kind in LEAVE_TYPES),
    Column("diary_days", Kind.INT, 8),
    Column("rollcall_absences_year", Kind.INT, 8),
    Column("spoof_signals", Kind.INT, 8),
    Column("verdict", Kind.TEXT, 14),
    Column("excellent_eligible", Kind.BOOL, 8),
    Column("competent_eligible", Kind.BOOL, 8),
    Column("timezone", Kind.TEXT, 16),
)


def months_in(first: date, last: date) -> list[tuple[int, int]]:
    """Every (year, month) the day range touches, in order."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _row(month: str, team: str, tz: str, m: MemberMonth) -> tuple[Any, ...]:
    return (
        month,
        team,
        m.telegram_id,
        m.name,
        m.unit,
        m.days_on_site,
        m.made_up,
        m.nights_on_site,
        m.late,
        m.missed,
        m.out_of_area,
        *(m.leave_days.get(kind, 0) for kind in LEAVE_TYPES),
        m.diary_days,
        m.absences_ytd,
        m.spoof_signals,
        m.verdict.value,
        m.excellent_eligible,
        m.competent_eligible,
        tz,
    )


async def produce(storage: Any, flt: ExportFilter, batch: int) -> AsyncIterator[Rows]:
    now = flt.now or datetime.now(UTC)
    for year, month in months_in(flt.first_day, flt.last_day):
        rows: list[tuple[Any, ...]] = []
        for team in await storage.compliance.month_inputs(year, month, flt.team_id):
            settled = settled_until(local_datetime(now, team.timezone), team.schedule)
            result = team_month(team, year, month, settled)
            for member in result.members:
                if flt.member_id is None or member.telegram_id == flt.member_id:
                    rows.append(
                        _row(f"{year:04d}-{month:02d}", team.team_name, team.timezone, member)
                    )
            if len(rows) >= batch:
                yield rows
                rows = []
        if rows:
            yield rows


COMPLIANCE = DataSet("compliance", COLUMNS, produce=produce)
