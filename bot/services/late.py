"""The note a notice carries when it goes out late (after the bot was down)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.i18n import t
from bot.rules.team_hours import local_datetime
from bot.rules.text import TELEGRAM_TEXT_LIMIT
from bot.services.fanout import Part


@dataclass(frozen=True)
class LateNote:
    due: datetime  # aware UTC: when the notice should have gone out
    tz: str  # the zone its reader's schedule runs in

    def text(self, lang: str) -> str:
        due = local_datetime(self.due, self.tz).strftime("%Y-%m-%d %H:%M")
        return t(lang, "late.note", due=due, tz=self.tz)


def noted(text: str, lang: str, late: LateNote | None) -> str:
    """The text with the late note at its end (the notice's own first line stays first)."""
    return text if late is None else f"{text}\n\n{late.text(lang)}"


def noted_parts(parts: tuple[Part, ...], lang: str, late: LateNote | None) -> tuple[Part, ...]:
    """The note appended to the last plain-text part, or as a part of its own when that
    part has buttons or no room left."""
    if late is None:
        return parts
    note = late.text(lang)
    last = max((i for i, p in enumerate(parts) if p.reply_markup is None), default=None)
    if last is None or len(parts[last].text) + len(note) + 2 > TELEGRAM_TEXT_LIMIT:
        return (*parts, Part(note))
    fixed = Part(noted(parts[last].text, lang, late))
    return (*parts[:last], fixed, *parts[last + 1 :])
