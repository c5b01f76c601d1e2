"""Rows for compliance tests, inserted directly: on this branch no flow writes diaries, leave
or roll calls yet, and a month of check-ins through the chat would be slow to set up."""

from __future__ import annotations

import itertools
from datetime import date

from storage import Storage

_ids = itertools.count(1)


async def member(
    storage: Storage,
    team_id: int,
    telegram_id: int,
    name: str,
    *,
    role: str = "member",
    state: str = "active",
    language: str | None = None,
    unit: str = "Bureau",
) -> None:
    async with storage.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people(telegram_id, name, unit, language, created_at)"
            " VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING",
            (telegram_id, name, unit, language),
        )
        await conn.execute(
            "INSERT INTO memberships(team_id, telegram_id, role, state, unit, joined_at)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            (team_id, telegram_id, role, state, unit),
        )


async def days(
    storage: Storage, team_id: int, telegram_id: int, rows: list[tuple[date, str, str]]
) -> None:
    """(day, place, timing) attendance rows."""
    await storage.db.executemany(
        "INSERT INTO attendance_days(telegram_id, team_id, local_day, place, timing, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 0)",
        [(telegram_id, team_id, d.isoformat(), p, t) for d, p, t in rows],
    )


async def evenings(
    storage: Storage,
    team_id: int,
    telegram_id: int,
    on: list[date],
    *,
    accepted: bool = True,
    place: str = "on_site",
) -> None:
    await storage.db.executemany(
        "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, kind, message_date,"
        " received_at, delay_s, delayed, local_day, accepted, place, timing)"
        " VALUES (?, ?, ?, ?, 'evening', 0, 0, 0, 0, ?, ?, ?, 'on_time')",
        [
            (telegram_id, team_id, telegram_id, next(_ids), d.isoformat(), int(accepted), place)
            for d in on
        ],
    )


async def leave(
    storage: Storage,
    team_id: int,
    telegram_id: int,
    leave_type: str,
    first: date,
    last: date,
    *,
    state: str = "approved",
    ended_early_on: date | None = None,
) -> None:
    await storage.db.execute(
        "INSERT INTO requests(kind, telegram_id, team_id, leave_type, first_day, last_day, days,"
        " reason, state, created_at, ended_early_on) VALUES ('leave', ?, ?, ?, ?, ?, ?, 'r', ?,"
        " 0, ?)",
        (
            telegram_id,
            team_id,
            leave_type,
            first.isoformat(),
            last.isoformat(),
            (last - first).days + 1,
            state,
            ended_early_on.isoformat() if ended_early_on else None,
        ),
    )


async def diary(
    storage: Storage, team_id: int, telegram_id: int, on: list[date], *, deleted: bool = False
) -> None:
    await storage.db.executemany(
        "INSERT INTO diary_entries(telegram_id, team_id, local_day, chat_id, message_id, kind,"
        " text, message_date, created_at, deleted) VALUES (?, ?, ?, ?, ?, 'text', 'x', 0, 0, ?)",
        [(telegram_id, team_id, d.isoformat(), telegram_id, next(_ids), int(deleted)) for d in on],
    )


async def rollcall(storage: Storage, team_id: int, outcomes: list[tuple[int, date, str]]) -> None:
    """One roll call per (member, day, outcome)."""
    for telegram_id, day, outcome in outcomes:
        rid = await storage.db.execute(
            "INSERT INTO rollcalls(team_id, started_at, deadline) VALUES (?, 0, 0)", (team_id,)
        )
        await storage.db.execute(
            "INSERT INTO rollcall_targets(rollcall_id, telegram_id, team_id, local_day, outcome)"
            " VALUES (?, ?, ?, ?, ?)",
            (rid, telegram_id, team_id, day.isoformat(), outcome),
        )
