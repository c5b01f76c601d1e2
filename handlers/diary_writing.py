"""The member's work diary: open it, write text/photo/voice entries, edit them, read them back.

Flow "diary" (data: the day entries go to) collects entries until /done or the Done button.
Text sent outside any flow is never dropped: it waits in flow "diary_ask" until the member
says whether it is a diary entry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.access import Actor
from bot.context import AppContext
from bot.delivery import confirm_once
from bot.i18n import t
from bot.rules.leave import parse_day
from bot.rules.team_hours import local_datetime
from bot.rules.text import split_message
from bot.services.diary import Draft, EditOutcome, add_entry, diary_days, edit_entry
from handlers.common import (
    Context,
    actor_of,
    answer_query,
    edit_pressed,
    is_private,
    main_menu,
    member_team,
    not_a_member_text,
    open_member_command,
    reply,
)
from handlers.flows import (
    end_flow,
    is_menu_button,
    move_flow,
    press_menu_button,
    route_step,
)
from storage.diary import Entry
from storage.models import FlowState, Team

FLOW = "diary"
ASK_FLOW = "diary_ask"
ASK_KIND = "diary.ask"  # the question's record in notifications (bot/delivery.py)
ASK_KEEP_MAX = 20  # texts kept while the member has not answered "is this a diary entry?"


def draft_of(message: Message) -> Draft | None:
    """The diary-relevant part of a message: its text, or its photo/voice and caption."""
    when = int(message.date.astimezone(UTC).timestamp())
    base: dict[str, Any] = {"chat_id": message.chat_id, "message_id": message.message_id}
    if message.text:
        return Draft(**base, kind="text", text=message.text, message_date=when)
    if message.photo:
        best = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return Draft(
            **base,
            kind="photo",
            text=message.caption,
            message_date=when,
            file_id=best.file_id,
            file_unique_id=best.file_unique_id,
            file_size=best.file_size,
        )
    if message.voice:
        duration = message.voice.duration
        seconds = int(duration.total_seconds()) if isinstance(duration, timedelta) else duration
        return Draft(
            **base,
            kind="voice",
            text=message.caption,
            message_date=when,
            file_id=message.voice.file_id,
            file_unique_id=message.voice.file_unique_id,
            file_size=message.voice.file_size,
            duration_s=seconds,
        )
    return None


def render_entries(lang: str, entries: list[Entry], tz: str) -> str:
    lines = []
    for e in entries:
        at = local_datetime(datetime.fromtimestamp(e.message_date, UTC), tz).strftime("%H:%M")
        icon = {"text": "✏️", "photo": "📷", "voice": "🎙"}[e.kind]
        body = e.text or ""
        if e.kind == "voice" and e.duration_s is not None:
            body = f"({e.duration_s // 60}:{e.duration_s % 60:02d}) {body}"
        edited = " " + t(lang, "diary.edited_mark") if e.edited_at else ""
        lines.append(f"{at} {icon} {body.strip()}{edited}")
    return "\n".join(lines)


async def send_long(context: Context, chat_id: int, text: str, last_markup: Any = None) -> None:
    """A reply split cleanly under Telegram's limit; buttons go under the last part."""
    chunks = [c for c in split_message(text) if c.strip()]
    for i, chunk in enumerate(chunks):
        markup = last_markup if i == len(chunks) - 1 else None
        await context.bot.send_message(chat_id, chunk, reply_markup=markup)


def done_markup(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(lang, "diary.done_button"), callback_data="di:done")]]
    )


# -- opening and reading ---------------------------------------------------------------------


async def cmd_diary(update: Update, context: Context) -> None:
    opened = await open_member_command(update, context, "diary.members_only")
    if opened is None:
        return
    ctx, actor, team = opened
    if context.args:
        today, _late = diary_days(ctx.clock.now(), team.timezone)
        parsed = parse_day(context.args[0], today)
        if parsed.day is None:
            await reply(update, t(actor.language, "diary.bad_date", example=today.isoformat()))
            return
        await show_day(context, ctx, actor, team, parsed.day)
        return
    await open_diary(update, context, ctx, actor, team)


async def show_day(context: Context, ctx: AppContext, actor: Actor, team: Team, day: date) -> None:
    lang = actor.language
    entries = await ctx.storage.diary.of_person_day(actor.user_id, day)
    if not entries:
        await context.bot.send_message(
            actor.user_id, t(lang, "diary.empty_day", day=day.isoformat())
        )
        return
    header = t(lang, "diary.day_header", day=day.isoformat(), n=len(entries))
    await send_long(
        context, actor.user_id, header + "\n" + render_entries(lang, entries, team.timezone)
    )


async def open_diary(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team
) -> None:
    lang = actor.language
    today, late = diary_days(ctx.clock.now(), team.timezone)
    if late is not None:
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(lang, "diary.for_day", day=late.isoformat()),
                        callback_data=f"di:open:{late}",
                    )
                ],
                [
                    InlineKeyboardButton(
                        t(lang, "diary.for_day", day=today.isoformat()),
                        callback_data=f"di:open:{today}",
                    )
                ],
            ]
        )
        await context.bot.send_message(
            actor.user_id, t(lang, "diary.which_day"), reply_markup=buttons
        )
        return
    await start_collecting(context, ctx, actor, team, today)


async def start_collecting(
    context: Context, ctx: AppContext, actor: Actor, team: Team, day: date
) -> None:
    lang = actor.language
    await ctx.storage.flows.set(
        actor.user_id, FLOW, "collect", {"day": day.isoformat()}, now=ctx.now_ts()
    )
    entries = await ctx.storage.diary.of_person_day(actor.user_id, day)
    if entries:
        header = t(lang, "diary.day_header", day=day.isoformat(), n=len(entries))
        await send_long(
            context, actor.user_id, header + "\n" + render_entries(lang, entries, team.timezone)
        )
    await context.bot.send_message(
        actor.user_id, t(lang, "diary.opened", day=day.isoformat()), reply_markup=done_markup(lang)
    )


async def cmd_done(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    state = await ctx.storage.flows.get(actor.user_id)
    if state is None or state.flow != FLOW:
        await reply(update, t(actor.language, "diary.not_open"))
        return
    await finish(context, ctx, actor, state)


async def finish(context: Context, ctx: AppContext, actor: Actor, state: FlowState) -> None:
    await ctx.storage.flows.clear(actor.user_id)
    day = date.fromisoformat(state.data["day"])
    n = len(await ctx.storage.diary.of_person_day(actor.user_id, day))
    await context.bot.send_message(
        actor.user_id,
        t(actor.language, "diary.closed", day=day.isoformat(), n=n),
        reply_markup=main_menu(actor.language),
    )


# -- writing ---------------------------------------------------------------------------------


async def store(
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    team: Team,
    day: date,
    draft: Draft,
) -> None:
    entry = await add_entry(ctx, context.bot, actor.user_id, team.id, day, draft)
    if entry is None:
        return  # the same message delivered twice: saved the first time
    n = len(await ctx.storage.diary.of_person_day(actor.user_id, day))
    key = f"diary.saved.{draft.kind}"
    await reply(update, t(actor.language, key, n=n, day=day.isoformat()))


async def current_day(ctx: AppContext, actor: Actor, team: Team, state: FlowState) -> date:
    """The flow's day, unless it went stale (left open overnight): then today."""
    day = date.fromisoformat(state.data["day"])
    today, late = diary_days(ctx.clock.now(), team.timezone)
    if day in (today, late):
        return day
    await ctx.storage.flows.set(
        actor.user_id, FLOW, "collect", {"day": today.isoformat()}, now=ctx.now_ts()
    )
    return today


async def on_diary_message(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    message = update.effective_message
    team = await member_team(ctx, actor)
    if message is None or team is None:
        await ctx.storage.flows.clear(actor.user_id)
        return
    text = (message.text or "").strip()
    if is_menu_button(context, text):
        # A menu button ends the diary and does what it says.
        await finish(context, ctx, actor, state)
        await press_menu_button(update, context, ctx, actor, text)
        return
    draft = draft_of(message)
    if draft is None or (draft.kind == "text" and not text):
        await reply(update, t(actor.language, "diary.unsupported"))
        return
    await store(
        update, context, ctx, actor, team, await current_day(ctx, actor, team, state), draft
    )


async def on_media(update: Update, context: Context) -> None:
    """A photo or voice note: a diary entry in the diary, else the same question as text."""
    if not is_private(update) or update.message is None:
        return
    ctx, actor = await actor_of(update, context)
    state = await ctx.storage.flows.get(actor.user_id)
    if await route_step(update, context, ctx, actor, state):
        return
    await ask_if_diary(update, context, ctx, actor)


async def ask_if_diary(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
    """Free text (or media) outside any flow: kept, and the member is asked."""
    message = update.effective_message
    team = await member_team(ctx, actor)
    draft = draft_of(message) if message else None
    if team is None or draft is None:
        if actor.known:
            await reply(
                update, t(actor.language, "unknown_text"), reply_markup=main_menu(actor.language)
            )
        else:
            await reply(update, not_a_member_text(actor))
        return
    await keep_and_ask(update, context, ctx, actor, team, [draft.to_dict()])


async def keep_and_ask(
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    team: Team,
    drafts: list[dict[str, Any]],
) -> None:
    data = {"drafts": drafts}
    await move_flow(update, ctx, actor, ASK_FLOW, "confirm", data)
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
    rows = []
    if late is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    t(lang, "diary.yes_for", day=late.isoformat()), callback_data=f"di:yes:{late}"
                )
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    t(lang, "diary.yes_for", day=today.isoformat()), callback_data=f"di:yes:{today}"
                )
            ]
        )
    else:
        rows.append([InlineKeyboardButton(t(lang, "diary.yes"), callback_data=f"di:yes:{today}")])
    rows.append([InlineKeyboardButton(t(lang, "diary.no"), callback_data="di:no")])

    async def send() -> None:
        await reply(update, t(lang, "diary.ask", n=n), reply_markup=InlineKeyboardMarkup(rows))

    # Once per message: its repeat after a crash asks only if the question never went out.
    await confirm_once(ctx, ASK_KIND, actor.user_id, str(update.update_id), send)


async def on_more_while_asking(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """More messages before the answer: kept too, and the question is asked again."""
    message = update.effective_message
    team = await member_team(ctx, actor)
    draft = draft_of(message) if message else None
    if team is None:
        await ctx.storage.flows.clear(actor.user_id)
        return
    text = (message.text or "").strip() if message else ""
    if is_menu_button(context, text):
        await ctx.storage.flows.clear(actor.user_id)
        await press_menu_button(update, context, ctx, actor, text)
        return
    drafts = list(state.data.get("drafts", []))
    if draft is not None and len(drafts) < ASK_KEEP_MAX:
        drafts.append(draft.to_dict())
    await keep_and_ask(update, context, ctx, actor, team, drafts)


async def on_diary_button(update: Update, context: Context) -> None:
    """di:open:<day>, di:done, di:yes:<day>, di:no — checked against the flow in storage."""
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    lang = actor.language
    team = await member_team(ctx, actor)
    parts = (query.data or "").split(":")
    state = await ctx.storage.flows.get(actor.user_id)
    if team is None:
        await answer_query(query, t(lang, "button.stale"))
        return
    today, late = diary_days(ctx.clock.now(), team.timezone)
    day = _day(parts[2]) if len(parts) > 2 else None
    action = parts[1] if len(parts) > 1 else ""
    if action == "open" and day in (today, late):
        await answer_query(query)
        await edit_pressed(query, None)
        await start_collecting(context, ctx, actor, team, day or today)
    elif action == "done" and state is not None and state.flow == FLOW:
        await answer_query(query)
        await edit_pressed(query, None)
        await finish(context, ctx, actor, state)
    elif action in ("yes", "no") and state is not None and state.flow == ASK_FLOW:
        if action == "yes" and day not in (today, late):
            await answer_query(query, t(lang, "button.stale"))
            return
        await answer_query(query)
        await edit_pressed(query, None)
        if action == "no":
            await end_flow(update, ctx, actor)
            await context.bot.send_message(
                actor.user_id, t(lang, "diary.not_saved"), reply_markup=main_menu(lang)
            )
            return
        assert day is not None
        for raw in state.data.get("drafts", []):
            await add_entry(ctx, context.bot, actor.user_id, team.id, day, Draft.from_dict(raw))
        # Ended once the entries are stored: a crash before this keeps them asked, not lost.
        await end_flow(update, ctx, actor)
        n = len(await ctx.storage.diary.of_person_day(actor.user_id, day))
        await context.bot.send_message(
            actor.user_id,
            t(lang, "diary.saved_asked", n=n, day=day.isoformat()),
            reply_markup=main_menu(lang),
        )
    else:
        await answer_query(query, t(lang, "button.stale"))


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# -- edits -----------------------------------------------------------------------------------


async def on_edited(update: Update, context: Context) -> None:
    """A Telegram edit of an entry's message updates the entry; the old text goes to history."""
    message = update.edited_message
    if message is None or not is_private(update):
        return
    ctx, actor = await actor_of(update, context)
    new_text = message.text if message.text is not None else message.caption
    edited_at = (message.edit_date or ctx.clock.now()).astimezone(UTC)
    edited = await edit_entry(
        ctx, actor.user_id, message.chat_id, message.message_id, new_text, edited_at
    )
    if edited.outcome is EditOutcome.NOT_AN_ENTRY:
        await update_kept_draft(ctx, actor, message.message_id, new_text)
    elif edited.outcome is EditOutcome.SAVED and edited.day:
        await reply(update, t(actor.language, "diary.edit_saved", day=edited.day.isoformat()))
    elif edited.outcome is EditOutcome.TOO_LATE and edited.day:
        await reply(update, t(actor.language, "diary.edit_too_late", day=edited.day.isoformat()))


async def update_kept_draft(
    ctx: AppContext, actor: Actor, message_id: int, text: str | None
) -> None:
    """An edit of a message still waiting for "is this a diary entry?" changes what is kept."""
    state = await ctx.storage.flows.get(actor.user_id)
    if state is None or state.flow != ASK_FLOW:
        return
    drafts = [
        {**d, "text": text} if d.get("message_id") == message_id else d
        for d in state.data.get("drafts", [])
    ]
    await ctx.storage.flows.set(
        actor.user_id, ASK_FLOW, state.step, {"drafts": drafts}, now=ctx.now_ts()
    )


async def menu_diary(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
    team = await member_team(ctx, actor)
    if team is None:
        await reply(update, t(actor.language, "diary.members_only"))
        return
    await open_diary(update, context, ctx, actor, team)
