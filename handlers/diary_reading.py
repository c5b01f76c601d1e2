"""Supervisors read their teams' diaries by day: `/diaries [team] [date]` and inline
navigation (previous/next day, member picker). Admins see every team; a supervisor only
their own. Callback data points at team/day/member and is re-checked on every press."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.rules.leave import parse_day
from bot.rules.team_hours import local_datetime, local_day
from bot.rules.text import TELEGRAM_LIMIT
from handlers.common import (
    Context,
    actor_of,
    answer_query,
    edit_pressed,
    is_private,
    parse_id,
    reply,
)
from handlers.diary_writing import render_entries, send_long
from storage.diary import Entry
from storage.models import Team

log = logging.getLogger(__name__)
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH


def may_read(actor: Actor, team_id: int) -> bool:
    return actor.is_admin or actor.supervises(team_id)


async def readable_teams(ctx: AppContext, actor: Actor) -> list[Team]:
    teams = await ctx.storage.teams.all()
    return [team for team in teams if may_read(actor, team.id)]


def _compact(day: date) -> str:
    return day.strftime("%Y%m%d")


def _from_compact(value: str) -> date | None:
    """YYYYMMDD from a button; None unless a real day with a day before and after it (the
    view links both: a forged 99991231 must not overflow)."""
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        return None
    try:
        day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None
    return day if date.min < day < date.max else None


async def cmd_diaries(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    lang = actor.language
    if not is_private(update):
        await reply(update, t(lang, "private_only"))
        return
    teams = await readable_teams(ctx, actor)
    if not teams:
        await reply(update, t(lang, "diaries.not_allowed"))
        return
    args = list(context.args or [])
    day: date | None = None
    if args:
        parsed = parse_day(args[-1], local_day(ctx.clock.now(), teams[0].timezone))
        if parsed.day is not None:
            day = parsed.day
            args = args[:-1]
    team: Team | None = None
    if args:
        team = await ctx.storage.teams.find(" ".join(args))
        if team is None or not may_read(actor, team.id):
            # Same answer for "no such team" and "not yours": nothing leaks.
            await reply(update, t(lang, "diaries.no_team", ref=" ".join(args)))
            return
    elif len(teams) == 1:
        team = teams[0]
    if team is None:
        rows = [
            [
                InlineKeyboardButton(
                    tm.name, callback_data=f"dv:t:{tm.id}:{_compact(day) if day else '-'}"
                )
            ]
            for tm in teams[:50]
        ]
        await reply(update, t(lang, "diaries.pick_team"), reply_markup=InlineKeyboardMarkup(rows))
        return
    today = local_day(ctx.clock.now(), team.timezone)
    if day is not None and day > today:
        await reply(update, t(lang, "diaries.future", day=day.isoformat()))
        return
    text, markup = await team_view(ctx, lang, team, day or today)
    await reply(update, text, reply_markup=markup)


async def team_view(
    ctx: AppContext, lang: str, team: Team, day: date
) -> tuple[str, InlineKeyboardMarkup]:
    members = await ctx.storage.people.team_members(team.id, role="member")
    counts = await ctx.storage.diary.team_day_counts(team.id, day)
    lines = [t(lang, "diaries.header", team=team.name, day=day.isoformat())]
    buttons: list[InlineKeyboardButton] = []
    for _membership, person in members:
        n = counts.get(person.telegram_id, 0)
        name = person.name or str(person.telegram_id)
        lines.append(t(lang, "diaries.line_some" if n else "diaries.line_none", name=name, n=n))
        buttons.append(
            InlineKeyboardButton(
                f"{name} ({n})",
                callback_data=f"dv:m:{team.id}:{_compact(day)}:{person.telegram_id}",
            )
        )
    if not members:
        lines.append(t(lang, "diaries.no_members"))
    rows = [buttons[i : i + 2] for i in range(0, min(len(buttons), MAX_MEMBER_BUTTONS), 2)]
    rows.append(
        nav_row(lang, f"dv:t:{team.id}", day, "", local_day(ctx.clock.now(), team.timezone))
    )
    return fit(lang, lines), InlineKeyboardMarkup(rows)


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
            t(lang, "diaries.prev"), callback_data=f"{prefix}:{_compact(prev_day)}{suffix}"
        )
    ]
    if next_day <= today:
        row.append(
            InlineKeyboardButton(
                t(lang, "diaries.next"), callback_data=f"{prefix}:{_compact(next_day)}{suffix}"
            )
        )
    return row


async def on_diaries_button(update: Update, context: Context) -> None:
    """dv:t:<team>:<day|-> (team view) and dv:m:<team>:<day>:<member> (one member's day)."""
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    lang = actor.language
    parts = (query.data or "").split(":")
    team_id = parse_id(parts[2]) if len(parts) > 3 else None
    team = await ctx.storage.teams.get(team_id) if team_id is not None else None
    if team is None or not may_read(actor, team.id):
        await ctx.storage.audit.record(
            at=ctx.now_ts(), actor_id=actor.user_id, action="diary.forged", subject=query.data
        )
        await answer_query(query, t(lang, "diaries.not_allowed"), show_alert=True)
        return
    today = local_day(ctx.clock.now(), team.timezone)
    day = _from_compact(parts[3]) or today
    if day > today:
        # A button from yesterday's view, pressed today, can still point past today.
        await answer_query(query, t(lang, "diaries.future", day=day.isoformat()), show_alert=True)
        return
    if parts[1] == "t":
        await answer_query(query)
        text, markup = await team_view(ctx, lang, team, day)
        await edit_pressed(query, text, markup)
        return
    member_id = parse_id(parts[4]) if len(parts) > 4 else None
    membership = await ctx.storage.people.membership(member_id, team.id) if member_id else None
    if parts[1] != "m" or membership is None or membership.role != "member":
        await ctx.storage.audit.record(
            at=ctx.now_ts(),
            actor_id=actor.user_id,
            action="diary.forged",
            team_id=team.id,
            subject=query.data,
        )
        await answer_query(query, t(lang, "diaries.not_allowed"), show_alert=True)
        return
    await answer_query(query)
    person = await ctx.storage.people.get(membership.telegram_id)
    name = person.name if person and person.name else str(membership.telegram_id)
    entries = await ctx.storage.diary.of_person_day(membership.telegram_id, day)
    header = t(
        lang,
        "diaries.member_header",
        name=name,
        team=team.name,
        day=day.isoformat(),
        n=len(entries),
    )
    body = (
        render_entries(lang, entries, team.timezone) if entries else t(lang, "diaries.member_none")
    )
    markup = InlineKeyboardMarkup(
        [
            nav_row(lang, f"dv:m:{team.id}", day, f":{membership.telegram_id}", today),
            [
                InlineKeyboardButton(
                    t(lang, "diaries.back"), callback_data=f"dv:t:{team.id}:{_compact(day)}"
                )
            ],
        ]
    )
    if not any(e.file_id and e.kind in ("photo", "voice") for e in entries):
        await send_long(context, actor.user_id, header + "\n" + body, last_markup=markup)
        return
    await send_long(context, actor.user_id, header + "\n" + body)
    await send_media(context, actor.user_id, entries, team.timezone)
    # The navigation comes last, under everything the day holds.
    await context.bot.send_message(actor.user_id, t(lang, "diaries.nav"), reply_markup=markup)


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
