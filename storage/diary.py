"""Work diary entries (text, photo, voice) and the earlier texts of edited entries."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from storage.db import Database


@dataclass(frozen=True)
class NewEntry:
    telegram_id: int
    team_id: int
    local_day: date
    chat_id: int
    message_id: int
    kind: str  # text | photo | voice
    text: str | None
    message_date: int
    file_id: str | None = None
    file_unique_id: str | None = None
    file_size: int | None = None
    file_sha256: str | None = None
    media_path: str | None = None
    duration_s: int | None = None


@dataclass(frozen=True)
class Entry:
    id: int
    telegram_id: int
    team_id: int
    local_day: date
    chat_id: int
    message_id: int
    kind: str
    text: str | None
    message_date: int
    file_id: str | None
    file_size: int | None
    file_sha256: str | None
    media_path: str | None
    duration_s: int | None
    edited_at: float | None


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        id=row["id"],
        telegram_id=row["telegram_id"],
        team_id=row["team_id"],
        local_day=date.fromisoformat(row["local_day"]),
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        kind=row["kind"],
        text=row["text"],
        message_date=row["message_date"],
        file_id=row["file_id"],
        file_size=row["file_size"],
        file_sha256=row["file_sha256"],
        media_path=row["media_path"],
        duration_s=row["duration_s"],
        edited_at=row["edited_at"],
    )


class DiaryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, e: NewEntry, *, now: float) -> Entry | None:
        """Stores an entry; a re-delivered message (same chat and message id) adds nothing."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO diary_entries(telegram_id, team_id, local_day, chat_id, message_id,"
                " kind, text, file_id, file_unique_id, file_size, file_sha256, media_path,"
                " duration_s, message_date, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(chat_id, message_id) DO NOTHING RETURNING *",
                (
                    e.telegram_id,
                    e.team_id,
                    e.local_day.isoformat(),
                    e.chat_id,
                    e.message_id,
                    e.kind,
                    e.text,
                    e.file_id,
                    e.file_unique_id,
                    e.file_size,
                    e.file_sha256,
                    e.media_path,
                    e.duration_s,
                    e.message_date,
                    now,
                ),
            ) as cur:
                row = await cur.fetchone()
            return _entry(row) if row else None

    async def by_message(self, chat_id: int, message_id: int) -> Entry | None:
        row = await self.db.fetchone(
            "SELECT * FROM diary_entries WHERE chat_id = ? AND message_id = ? AND deleted = 0",
            (chat_id, message_id),
        )
        return _entry(row) if row else None

    async def edit(self, entry_id: int, text: str | None, *, now: float) -> bool:
        """Replaces an entry's text, keeping the earlier one in the history, atomically."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT text FROM diary_entries WHERE id = ?", (entry_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None or row["text"] == text:
                return False
            await conn.execute(
                "INSERT INTO diary_history(entry_id, text, replaced_at) VALUES (?,?,?)",
                (entry_id, row["text"], now),
            )
            await conn.execute(
                "UPDATE diary_entries SET text = ?, edited_at = ? WHERE id = ?",
                (text, now, entry_id),
            )
            return True

    async def history(self, entry_id: int) -> list[str | None]:
        rows = await self.db.fetchall(
            "SELECT text FROM diary_history WHERE entry_id = ? ORDER BY id", (entry_id,)
        )
        return [r["text"] for r in rows]

    async def of_person_day(self, telegram_id: int, day: date) -> list[Entry]:
        rows = await self.db.fetchall(
            "SELECT * FROM diary_entries WHERE telegram_id = ? AND local_day = ? AND deleted = 0"
            " ORDER BY message_date, id",
            (telegram_id, day.isoformat()),
        )
        return [_entry(r) for r in rows]

    async def team_day_counts(self, team_id: int, day: date) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT telegram_id, count(*) AS n FROM diary_entries WHERE team_id = ?"
            " AND local_day = ? AND deleted = 0 GROUP BY telegram_id",
            (team_id, day.isoformat()),
        )
        return {r["telegram_id"]: r["n"] for r in rows}
