"""The member's work diary: open it, write text/photo/voice entries, edit them, read them back.

The conversations themselves (a diary collecting entries for a day; messages kept while
the member is asked whether they are diary entries) are bot/flows/diary.py's: here a
message becomes a draft, and what the flow did becomes a reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.access import Actor
from bot.context import AppContext
from bot.delivery import confirm_once
from bot.flows import diary
from bot.flows.current import current_flow
from bot.flows.diary import ASK_FLOW as ASK_FLOW  # routed in the composition root
from bot.flows.diary import FLOW as FLOW
from bot.flows.diary import Press
from bot.i18n import t
from bot.rules.leave import parse_day
from bot.rules.team_hours import local_datetime
from bot.rules.text import split_message
from bot.services.diary import Draft, EditOutcome, diary_days
from handlers import common
from handlers.common import Context, actor_of, member_team, reply
from handlers.flows import is_menu_button, press_menu_button, route_step
from storage.diary import Entry
from storage.models import FlowState, Team

ICONS = {"text": "✏️", "photo": "📷", "voice": "🎙"}


def draft_of(message: Message) -> Draft | None:
    """The diary-relevant part of a message: its text, or its photo/voice and caption."""
    when = int(message.date.astimezone(UTC).timestamp())
    base: dict[str, Any] = {"chat_id": message.chat_id, "message_id": message.message_id}
    if message.text:
        return Draft(**base, kind="text", text=message.text, message_date=when)
    media = _photo(message) or _voice(message)
    return Draft(**base, **media, text=message.caption, message_date=when) if media else None


def _photo(message: Message) -> dict[str, Any] | None:
    if not message.photo:
        return None
    best = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
    file = {"file_id": best.file_id, "file_unique_id": best.file_unique_id}
    return {"kind": "photo", **file, "file_size": best.file_size}


def _voice(message: Message) -> dict[str, Any] | None:
    voice = message.voice
    if voice is None:
        return None
    duration = voice.duration
    seconds = int(duration.total_seconds()) if isinstance(duration, timedelta) else duration
    file = {"file_id": voice.file_id, "file_unique_id": voice.file_unique_id}
    return {"kind": "voice", **file, "file_size": voice.file_size, "duration_s": seconds}


def render_entries(lang: str, entries: list[Entry], tz: str) -> str:
    return "\n".join(entry_line(lang, e, tz) for e in entries)


def entry_line(lang: str, e: Entry, tz: str) -> str:
    at = local_datetime(datetime.fromtimestamp(e.message_date, UTC), tz).strftime("%H:%M")
    body = e.text or ""
    if e.kind == "voice" and e.duration_s is not None:
        body = f"({e.duration_s // 60}:{e.duration_s % 60:02d}) {body}"
    edited = " " + t(lang, "diary.edited_mark") if e.edited_at else ""
    return f"{at} {ICONS[e.kind]} {body.strip()}{edited}"


async def send_long(context: Context, chat_id: int, text: str, last_markup: Any = None) -> None:
    """A reply split cleanly under Telegram's limit; buttons go under the last part."""
    chunks = [c for c in split_message(text) if c.strip()]
    for i, chunk in enumerate(chunks):
        markup = last_markup if i == len(chunks) - 1 else None
        await context.bot.send_message(chat_id, chunk, reply_markup=markup)


async def send_day(
    context: Context, actor: Actor, team: Team, day: date, entries: list[Entry]
) -> None:
    header = t(actor.language, "diary.day_header", day=day.isoformat(), n=len(entries))
    text = header + "\n" + render_entries(actor.language, entries, team.timezone)
    await send_long(context, actor.user_id, text)


def done_markup(lang: str) -> InlineKeyboardMarkup:
    return _buttons([(t(lang, "diary.done_button"), "di:done")])


def _buttons(rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button a row: (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in rows]
    )


async def say(context: Context, actor: Actor, text: str, markup: Any = None) -> None:
    await context.bot.send_message(actor.user_id, text, reply_markup=markup)


# -- opening and reading ---------------------------------------------------------------------


async def cmd_diary(update: Update, context: Context) -> None:
    opened = await common.open_member_command(update, context, "diary.members_only")
    if opened is None:
        return
    ctx, actor, team = opened
    if not context.args:
        await open_diary(update, context, ctx, actor, team)
        return
    today, _late = diary_days(ctx.clock.now(), team.timezone)
    parsed = parse_day(context.args[0], today)
    if parsed.day is None:
        await reply(update, t(actor.language, "diary.bad_date", example=today.isoformat()))
        return
    await show_day(context, ctx, actor, team, parsed.day)


async def show_day(context: Context, ctx: AppContext, actor: Actor, team: Team, day: date) -> None:
    entries = await diary.day_entries(ctx, actor.user_id, day)
    if entries:
        await send_day(context, actor, team, day, entries)
    else:
        await say(context, actor, t(actor.language, "diary.empty_day", day=day.isoformat()))


async def open_diary(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team
) -> None:
    today, late = diary_days(ctx.clock.now(), team.timezone)
    if late is None:
        await start_collecting(context, ctx, actor, team, today)
        return
    lang = actor.language
    rows = [(t(lang, "diary.for_day", day=d.isoformat()), f"di:open:{d}") for d in (late, today)]
    await say(context, actor, t(lang, "diary.which_day"), _buttons(rows))


async def start_collecting(
    context: Context, ctx: AppContext, actor: Actor, team: Team, day: date
) -> None:
    entries = await diary.open_day(ctx, actor.user_id, day)
    if entries:
        await send_day(context, actor, team, day, entries)
    text = t(actor.language, "diary.opened", day=day.isoformat())
    await say(context, actor, text, done_markup(actor.language))


async def cmd_done(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    day = await diary.collecting(ctx, actor.user_id)
    if day is not None:
        await finish(context, ctx, actor, day)
        return
    team = await member_team(ctx, actor)
    saved = await diary.closed_today(ctx, actor.user_id, team) if team else None
    if saved is None:
        await reply(update, t(actor.language, "diary.not_open"))
        return
    today, n = saved
    await reply(update, t(actor.language, "diary.already_closed", day=today.isoformat(), n=n))


async def finish(context: Context, ctx: AppContext, actor: Actor, day: date) -> None:
    n = await diary.close(ctx, actor.user_id, day)
    text = t(actor.language, "diary.closed", day=day.isoformat(), n=n)
    await say(context, actor, text, common.main_menu(actor.language))


# -- writing ---------------------------------------------------------------------------------


async def on_diary_message(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    message = update.effective_message
    team = await member_team(ctx, actor)
    if message is None or team is None:
        await diary.drop(ctx, actor.user_id)
        return
    if await ended_by_button(update, context, ctx, actor, message):
        return
    draft = draft_of(message)
    if draft is None or (draft.kind == "text" and not (message.text or "").strip()):
        await reply(update, t(actor.language, "diary.unsupported"))
        return
    day = await diary.writing_day(ctx, actor.user_id, team, state)
    await store(update, context, ctx, actor, team, day, draft)


async def ended_by_button(
    update: Update, context: Context, ctx: AppContext, actor: Actor, message: Message
) -> bool:
    """A menu button ends the diary (or the question) and does what it says."""
    text = (message.text or "").strip()
    if not is_menu_button(context, text):
        return False
    day = await diary.collecting(ctx, actor.user_id)
    if day is not None:
        await finish(context, ctx, actor, day)
    else:
        await diary.drop(ctx, actor.user_id)
    await press_menu_button(update, context, ctx, actor, text)
    return True


async def store(
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    team: Team,
    day: date,
    draft: Draft,
) -> None:
    n = await diary.write(ctx, context.bot, actor.user_id, team, day, draft)
    if n is not None:  # None: the same message delivered twice, saved the first time
        await reply(
            update, t(actor.language, f"diary.saved.{draft.kind}", n=n, day=day.isoformat())
        )


async def on_media(update: Update, context: Context) -> None:
    """A photo or voice note: a diary entry in the diary, else the same question as text."""
    if not common.is_private(update) or update.message is None:
        return
    ctx, actor = await actor_of(update, context)
    if await route_step(update, context, ctx, actor, await current_flow(ctx, actor.user_id)):
        return
    await ask_if_diary(update, context, ctx, actor)


async def ask_if_diary(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
    """Free text (or media) outside any flow: kept, and the member is asked."""
    message = update.effective_message
    team = await member_team(ctx, actor)
    draft = draft_of(message) if message else None
    if team is not None and draft is not None:
        await keep_and_ask(update, ctx, actor, team, [draft.to_dict()])
    elif actor.known:
        await reply(
            update, t(actor.language, "unknown_text"), reply_markup=common.main_menu(actor.language)
        )
    else:
        await reply(update, common.not_a_member_text(actor))


async def keep_and_ask(
    update: Update, ctx: AppContext, actor: Actor, team: Team, drafts: list[Any]
) -> None:
    await diary.keep(ctx, actor.user_id, update.update_id, drafts)
    await ask_about_drafts(update, ctx, actor, team, len(drafts))


async def ask_kept_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The "diary entry?" question asked again (for a message that was already kept)."""
    team = await member_team(ctx, actor)
    if team is not None:
        await ask_about_drafts(update, ctx, actor, team, len(state.data.get("drafts", [])))


async def ask_about_drafts(
    update: Update, ctx: AppContext, actor: Actor, team: Team, n: int
) -> None:
    lang = actor.language
    today, late = diary_days(ctx.clock.now(), team.timezone)
    rows = [(t(lang, "diary.yes"), f"di:yes:{today}")]
    if late is not None:
        rows = [(t(lang, "diary.yes_for", day=d.isoformat()), f"di:yes:{d}") for d in (late, today)]
    rows.append((t(lang, "diary.no"), "di:no"))

    async def send() -> None:
        await reply(update, t(lang, "diary.ask", n=n), reply_markup=_buttons(rows))

    # Once per message: its repeat after a crash asks only if the question never went out.
    await confirm_once(ctx, diary.ASK_KIND, actor.user_id, str(update.update_id), send)


async def on_more_while_asking(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """More messages before the answer: kept too, and the question is asked again."""
    team = await member_team(ctx, actor)
    if team is None:
        await diary.drop(ctx, actor.user_id)
        return
    message = update.effective_message
    if message is not None and await ended_by_button(update, context, ctx, actor, message):
        return
    drafts = diary.kept_with(state.data.get("drafts", []), draft_of(message) if message else None)
    await keep_and_ask(update, ctx, actor, team, drafts)


# -- the diary's buttons ---------------------------------------------------------------------

PressHandler = Callable[[Update, Context, AppContext, Actor, Team, date | None], Awaitable[None]]


async def on_diary_button(update: Update, context: Context) -> None:
    """di:open:<day>, di:done, di:yes:<day>, di:no — checked against the flow in storage."""
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    team = await member_team(ctx, actor)
    state = await current_flow(ctx, actor.user_id)
    press = (
        diary.pressed(
            query.data or "", state.flow if state else None, ctx.clock.now(), team.timezone
        )
        if team
        else None
    )
    if team is None or press is None or press.press is Press.STALE:
        await common.answer_query(query, t(actor.language, "button.stale"))
        return
    await common.answer_query(query)
    await common.edit_pressed(query, None)
    await PRESSES[press.press](update, context, ctx, actor, team, press.day)


async def press_open(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team, day: date | None
) -> None:
    assert day is not None
    await start_collecting(context, ctx, actor, team, day)


async def press_done(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team, day: date | None
) -> None:
    open_day = await diary.collecting(ctx, actor.user_id)
    if open_day is not None:
        await finish(context, ctx, actor, open_day)


async def press_no(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team, day: date | None
) -> None:
    await diary.decline(ctx, actor.user_id, by=update.update_id)
    await say(
        context, actor, t(actor.language, "diary.not_saved"), common.main_menu(actor.language)
    )


async def press_yes(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team, day: date | None
) -> None:
    assert day is not None
    drafts = await diary.kept_drafts(ctx, actor.user_id) or []
    n = await diary.save_kept(
        ctx, context.bot, actor.user_id, team, day, drafts, by=update.update_id
    )
    text = t(actor.language, "diary.saved_asked", n=n, day=day.isoformat())
    await say(context, actor, text, common.main_menu(actor.language))


PRESSES: dict[Press, PressHandler] = {
    Press.OPEN: press_open,
    Press.DONE: press_done,
    Press.NO: press_no,
    Press.YES: press_yes,
}


# -- edits -----------------------------------------------------------------------------------


async def on_edited(update: Update, context: Context) -> None:
    """A Telegram edit of an entry's message updates the entry; the old text goes to history."""
    message = update.edited_message
    if message is None or not common.is_private(update):
        return
    ctx, actor = await actor_of(update, context)
    text = message.text if message.text is not None else message.caption
    at = (message.edit_date or ctx.clock.now()).astimezone(UTC)
    edited = await diary.edit(ctx, actor.user_id, message.chat_id, message.message_id, text, at)
    if edited.outcome in (EditOutcome.SAVED, EditOutcome.TOO_LATE) and edited.day:
        key = "diary.edit_saved" if edited.outcome is EditOutcome.SAVED else "diary.edit_too_late"
        await reply(update, t(actor.language, key, day=edited.day.isoformat()))


async def menu_diary(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
    team = await member_team(ctx, actor)
    if team is None:
        await reply(update, t(actor.language, "diary.members_only"))
        return
    await open_diary(update, context, ctx, actor, team)
