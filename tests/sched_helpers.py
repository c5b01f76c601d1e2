"""Facts for scheduling tests, written the way the other flows would store them."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from tests.world import World


async def attend(
    world: World, uid: int, team_id: int, day: date, place: str = "on_site", timing: str = "on_time"
) -> None:
    await world.storage.db.execute(
        "INSERT INTO attendance_days(telegram_id, team_id, local_day, place, timing,"
        " updated_at) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (telegram_id, team_id, local_day)"
        " DO UPDATE SET place = excluded.place, timing = excluded.timing",
        (uid, team_id, day.isoformat(), place, timing),
    )


_diary_ids = iter(range(10_000, 10**9))


async def diary(world: World, uid: int, team_id: int, day: date) -> None:
    await world.storage.db.execute(
        "INSERT INTO diary_entries(telegram_id, team_id, local_day, chat_id, message_id, kind,"
        " text, message_date, created_at) VALUES (?, ?, ?, ?, ?, 'text', 'work', 0, 0)",
        (uid, team_id, day.isoformat(), uid, next(_diary_ids)),
    )


async def leave(
    world: World,
    uid: int,
    team_id: int,
    first: date,
    last: date,
    state: str = "approved",
    leave_type: str = "personal",
) -> int:
    return await world.storage.db.execute(
        "INSERT INTO requests(kind, telegram_id, team_id, leave_type, first_day, last_day, days,"
        " reason, state, created_at) VALUES ('leave', ?, ?, ?, ?, ?, ?, 'family', ?, 0)",
        (
            uid,
            team_id,
            leave_type,
            first.isoformat(),
            last.isoformat(),
            (last - first).days + 1,
            state,
        ),
    )


async def set_state(world: World, uid: int, team_id: int, state: str) -> None:
    await world.storage.db.execute(
        "UPDATE memberships SET state = ? WHERE telegram_id = ? AND team_id = ?",
        (state, uid, team_id),
    )


async def logged(world: World, kind: str | None = None) -> set[tuple[str, int, str]]:
    rows = await world.storage.db.fetchall("SELECT kind, telegram_id, ref FROM notifications")
    return {(r[0], r[1], r[2]) for r in rows if kind is None or r[0] == kind}


def delivered(world: World, method: str = "sendMessage") -> Counter[int]:
    """Successful sends per chat, as the emulator saw them."""
    return Counter(
        r.params["chat_id"] for r in world.emu.requests if r.method == method and r.status == 200
    )


def texts_to(world: World, chat_id: int) -> list[str]:
    return [
        r.params["text"]
        for r in world.emu.requests
        if r.method == "sendMessage" and r.status == 200 and r.params["chat_id"] == chat_id
    ]


def markup_of(world: World, chat_id: int) -> list[Any]:
    return [
        r.params.get("reply_markup")
        for r in world.emu.requests
        if r.method == "sendMessage" and r.status == 200 and r.params["chat_id"] == chat_id
    ]
