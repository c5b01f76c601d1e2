"""The work diary (SPEC §3.3): which day an entry belongs to, archiving its media, storing it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

import telegram
from telegram.error import TelegramError

from bot.context import AppContext
from bot.fileperms import private_dirs, write_private
from bot.rules.team_hours import local_datetime
from storage.diary import Entry, NewEntry

log = logging.getLogger(__name__)

# Until this local hour, a diary written "tonight" is still offered for the day before.
LATE_UNTIL = time(4, 0)
EXTENSIONS = {"photo": "jpg", "voice": "oga"}


@dataclass(frozen=True)
class Draft:
    """A message that is (or may become) a diary entry, as kept in flow state."""

    chat_id: int
    message_id: int
    kind: str
    text: str | None
    message_date: int
    file_id: str | None = None
    file_unique_id: str | None = None
    file_size: int | None = None
    duration_s: int | None = None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Draft:
        return cls(**data)  # type: ignore[arg-type]


def diary_days(now_utc: datetime, tz: str) -> tuple[date, date | None]:
    """Today, and the day before when it is still night (a late entry may be for it)."""
    local = local_datetime(now_utc, tz)
    today = local.date()
    late = today - timedelta(days=1) if local.time() < LATE_UNTIL else None
    return today, late


def may_edit(entry_day: date, now_utc: datetime, tz: str) -> bool:
    """Entries can be edited the same day (or, for yesterday's, until the late hour)."""
    today, late = diary_days(now_utc, tz)
    return entry_day in (today, late)


async def archive(
    bot: telegram.Bot, media_dir: Path, draft: Draft, day: date
) -> tuple[str | None, str | None, int | None]:
    """Fetches the file from Telegram and keeps its bytes beside the database, so an export
    stays complete after Telegram drops its copy. Returns (path, sha256, size); Nones when
    the download failed (the entry is still kept with its file_id)."""
    assert draft.file_id is not None
    try:
        file = await bot.get_file(draft.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("diary media %s not archived: %s", draft.file_id, exc)
        return None, None, draft.file_size
    digest = hashlib.sha256(data).hexdigest()
    path = media_dir / f"{day:%Y-%m}" / f"{digest[:32]}.{EXTENSIONS.get(draft.kind, 'bin')}"
    await asyncio.to_thread(_write_once, path, data)  # disk I/O off the event loop
    return str(path), digest, len(data)


def _write_once(path: Path, data: bytes) -> None:
    """Content-addressed: the same bytes sent twice are stored once."""
    if path.exists():
        return
    private_dirs(path.parent)  # people's photos and voices: owner only (bot/fileperms.py)
    tmp = path.with_suffix(".part")
    write_private(tmp, data)
    tmp.replace(path)  # atomic: a crash never leaves half a file under the final name


async def add_entry(
    ctx: AppContext, bot: telegram.Bot, telegram_id: int, team_id: int, day: date, draft: Draft
) -> Entry | None:
    path = sha = None
    size = draft.file_size
    if draft.file_id:
        path, sha, size = await archive(bot, ctx.settings.media_dir, draft, day)
    return await ctx.storage.diary.add(
        NewEntry(
            telegram_id=telegram_id,
            team_id=team_id,
            local_day=day,
            chat_id=draft.chat_id,
            message_id=draft.message_id,
            kind=draft.kind,
            text=draft.text,
            message_date=draft.message_date,
            file_id=draft.file_id,
            file_unique_id=draft.file_unique_id,
            file_size=size,
            file_sha256=sha,
            media_path=path,
            duration_s=draft.duration_s,
        ),
        now=ctx.now_ts(),
    )


class EditOutcome(StrEnum):
    SAVED = "saved"
    TOO_LATE = "too_late"  # entries can be edited the day they are for (SPEC 3.3)
    UNCHANGED = "unchanged"  # the same text again, or an edit of someone else's message
    NOT_AN_ENTRY = "not_an_entry"  # a message that is no diary entry (yet)


@dataclass(frozen=True)
class Edited:
    outcome: EditOutcome
    day: date | None = None


async def edit_entry(
    ctx: AppContext,
    author_id: int,
    chat_id: int,
    message_id: int,
    text: str | None,
    edited_at: datetime,
) -> Edited:
    """A Telegram edit of an entry's message: the entry takes the new text (the old one goes
    to its history) when its author edits it the same day."""
    entry = await ctx.storage.diary.by_message(chat_id, message_id)
    if entry is None:
        return Edited(EditOutcome.NOT_AN_ENTRY)
    if entry.telegram_id != author_id:
        return Edited(EditOutcome.UNCHANGED)
    team = await ctx.storage.teams.get(entry.team_id)
    if team is None or not may_edit(entry.local_day, edited_at, team.timezone):
        return Edited(EditOutcome.TOO_LATE, entry.local_day)
    saved = await ctx.storage.diary.edit(entry.id, text, now=ctx.now_ts())
    return Edited(EditOutcome.SAVED if saved else EditOutcome.UNCHANGED, entry.local_day)
