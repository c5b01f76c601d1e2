"""Supervisors read their teams' diaries by day: `/diaries [team] [date]` and inline
navigation (previous/next day, member picker). Admins see every team; a supervisor only
their own. What may be read, and the audit of forged presses, is
bot/flows/diary_reading.py; here the outcome is shown."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.access import Actor
from bot.context import AppContext
from bot.flows import diary_reading as flow
from bot.flows.diary_reading import MemberDay, PickTeam, Refused, TeamDay, compact
from bot.i18n import t
from bot.rules.team_hours import local_datetime
from bot.rules.text import TELEGRAM_LIMIT
from handlers.common import Context, actor_of, answer_query, edit_pressed, is_private, reply
from handlers.diary_writing import render_entries, send_long
from handlers.pressed import Press, pressed
from storage.diary import Entry

log = logging.getLogger(__name__)
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH


async def cmd_diaries(update: Update, context: Context) -> None:
    opened = await _opened(update, context)
    if opened is not None:
        ctx, actor = opened
        outcome = await flow.open_diaries(ctx, actor, list(context.args or []))
        await show_opened(update, actor.language, outcome)


async def show_opened(update: Update, lang: str, outcome: Refused | PickTeam | TeamDay) -> None:
    if isinstance(outcome, Refused):
        await reply(update, t(lang, outcome.key, **outcome.values))
    elif isinstance(outcome, PickTeam):
        await reply(update, t(lang, "diaries.pick_team"), reply_markup=pick_team_markup(outcome))
    else:
        await reply(update, team_text(lang, outcome), reply_markup=team_markup(lang, outcome))


async def _opened(update: Update, context: Context) -> tuple[AppContext, Actor] | None:
    ctx, actor = await actor_of(update, context)
    if not is_private(update):
        await reply(update, t(actor.language, "private_only"))
        return None
    return ctx, actor


def pick_team_markup(pick: PickTeam) -> InlineKeyboardMarkup:
    day = compact(pick.day) if pick.day else "-"
    rows = [
        [InlineKeyboardButton(tm.name, callback_data=f"dv:t:{tm.id}:{day}")]
        for tm in pick.teams[:50]
    ]
    return InlineKeyboardMarkup(rows)


def team_text(lang: str, view: TeamDay) -> str:
    lines = [t(lang, "diaries.header", team=view.team.name, day=view.day.isoformat())]
    for person, n in view.members:
        name = person.name or str(person.telegram_id)
        lines.append(t(lang, "diaries.line_some" if n else "diaries.line_none", name=name, n=n))
    if not view.members:
        lines.append(t(lang, "diaries.no_members"))
    return fit(lang, lines)


def team_markup(lang: str, view: TeamDay) -> InlineKeyboardMarkup:
    prefix = f"dv:m:{view.team.id}:{compact(view.day)}"
    buttons = [
        InlineKeyboardButton(
            f"{person.name or person.telegram_id} ({n})",
            callback_data=f"{prefix}:{person.telegram_id}",
        )
        for person, n in view.members[:MAX_MEMBER_BUTTONS]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(nav_row(lang, f"dv:t:{view.team.id}", view.day, "", view.today))
    return InlineKeyboardMarkup(rows)


# Telegram allows 100 buttons under a message; the rest of a big team is read by command.
MAX_MEMBER_BUTTONS = 60


def fit(lang: str, lines: list[str]) -> str:
    """The team view is edited in place, so it must stay one message: lines that do not fit
    are counted instead of shown."""
    kept: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > TELEGRAM_LIMIT - 100:
            kept.append(t(lang, "diaries.more", n=len(lines) - i))
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def nav_row(
    lang: str, prefix: str, day: date, suffix: str, today: date
) -> list[InlineKeyboardButton]:
    """Previous day always; next day only up to the team's today: nobody writes tomorrow."""
    prev_day, next_day = day - timedelta(days=1), day + timedelta(days=1)
    row = [
        InlineKeyboardButton(
            t(lang, "diaries.prev"), callback_data=f"{prefix}:{compact(prev_day)}{suffix}"
        )
    ]
    if next_day <= today:
        row.append(
            InlineKeyboardButton(
                t(lang, "diaries.next"), callback_data=f"{prefix}:{compact(next_day)}{suffix}"
            )
        )
    return row


async def on_diaries_button(update: Update, context: Context) -> None:
    """dv:t:<team>:<day|-> (team view) and dv:m:<team>:<day>:<member> (one member's day)."""
    press = await pressed(update, context)
    lang = press.actor.language
    outcome = await flow.press(press.ctx, press.actor, press.query.data or "")
    if isinstance(outcome, Refused):
        text = t(lang, outcome.key, **outcome.values)
        await answer_query(press.query, text, show_alert=outcome.alert)
        return
    await answer_query(press.query)
    if isinstance(outcome, TeamDay):
        await edit_pressed(press.query, team_text(lang, outcome), team_markup(lang, outcome))
    else:
        await show_member_day(context, press, outcome)


def member_markup(lang: str, view: MemberDay) -> InlineKeyboardMarkup:
    team_id, day = view.team.id, view.day
    back = t(lang, "diaries.back")
    return InlineKeyboardMarkup(
        [
            nav_row(lang, f"dv:m:{team_id}", day, f":{view.member_id}", view.today),
            [InlineKeyboardButton(back, callback_data=f"dv:t:{team_id}:{compact(day)}")],
        ]
    )


async def show_member_day(context: Context, press: Press, view: MemberDay) -> None:
    lang, chat_id = press.actor.language, press.actor.user_id
    entries = list(view.entries)
    header = t(
        lang,
        "diaries.member_header",
        name=view.name,
        team=view.team.name,
        day=view.day.isoformat(),
        n=len(entries),
    )
    tz = view.team.timezone
    body = render_entries(lang, entries, tz) if entries else t(lang, "diaries.member_none")
    markup = member_markup(lang, view)
    if not any(e.file_id and e.kind in ("photo", "voice") for e in entries):
        await send_long(context, chat_id, header + "\n" + body, last_markup=markup)
        return
    await send_long(context, chat_id, header + "\n" + body)
    await send_media(context, chat_id, entries, tz)
    # The navigation comes last, under everything the day holds.
    await context.bot.send_message(chat_id, t(lang, "diaries.nav"), reply_markup=markup)


# Telegram's album takes 2 to 10 items.
ALBUM_MAX = 10


def _caption(entry: Entry, tz: str) -> str:
    at = local_datetime(datetime.fromtimestamp(entry.message_date, UTC), tz)
    icon = "📷" if entry.kind == "photo" else "🎙"
    return f"{at:%H:%M} {icon} {entry.text or ''}".strip()[:CAPTION_LIMIT]


async def send_media(context: Context, chat_id: int, entries: list[Entry], tz: str) -> None:
    """The day's photos (as albums where several) and voice notes themselves, by Telegram's
    own file ids: the reader sees and hears them, not just their captions."""
    photos = [e for e in entries if e.kind == "photo" and e.file_id]
    for i in range(0, len(photos), ALBUM_MAX):
        chunk = photos[i : i + ALBUM_MAX]
        try:
            if len(chunk) == 1:
                await context.bot.send_photo(
                    chat_id, chunk[0].file_id or "", caption=_caption(chunk[0], tz)
                )
            else:
                await context.bot.send_media_group(
                    chat_id,
                    [InputMediaPhoto(e.file_id or "", caption=_caption(e, tz)) for e in chunk],
                )
        except BadRequest as exc:
            log.warning("diary photos not shown to %s: %s", chat_id, exc)
    for e in entries:
        if e.kind != "voice" or not e.file_id:
            continue
        try:
            await context.bot.send_voice(chat_id, e.file_id, caption=_caption(e, tz))
        except BadRequest as exc:
            log.warning("diary voice note not shown to %s: %s", chat_id, exc)
