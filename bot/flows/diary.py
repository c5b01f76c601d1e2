"""The diary's two conversations (SPEC 3.3).

"diary" collects a member's entries for one day until they say done. "diary_ask" keeps
what a member sent outside any flow (text, photo, voice) until they say whether it is a
diary entry, and for which day: nothing typed is ever dropped unasked. Each step here
stores the state and the entries; handlers/diary_writing.py renders what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.context import AppContext
from bot.flows.states import DiaryQuestionState, DiaryState
from bot.flows.states import load as load_state
from bot.services.diary import Draft, Edited, EditOutcome, add_entry, diary_days, edit_entry
from storage.diary import Entry
from storage.models import FlowState, Team

if TYPE_CHECKING:
    import telegram

FLOW = "diary"
ASK_FLOW = "diary_ask"
ASK_KIND = "diary.ask"  # the question's record in notifications (bot/delivery.py)
ASK_KEEP_MAX = 20  # messages kept while the member has not answered "is this a diary entry?"


async def day_entries(ctx: AppContext, user_id: int, day: date) -> list[Entry]:
    return await ctx.storage.diary.of_person_day(user_id, day)


async def open_day(ctx: AppContext, user_id: int, day: date) -> list[Entry]:
    """Start collecting entries for `day`; the entries it already has."""
    await ctx.storage.flows.set(
        user_id, FLOW, "collect", {"day": day.isoformat()}, now=ctx.now_ts()
    )
    return await day_entries(ctx, user_id, day)


async def collecting(ctx: AppContext, user_id: int) -> date | None:
    """The day the open diary collects for; None when no diary is open (or its stored
    shape is one no step accepts: it cannot be written to)."""
    state = await ctx.storage.flows.get(user_id)
    typed = load_state(state.flow, state.step, state.data) if state and state.flow == FLOW else None
    return date.fromisoformat(typed.day) if isinstance(typed, DiaryState) else None


async def close(ctx: AppContext, user_id: int, day: date) -> int:
    """End the diary; how many entries the day has."""
    await ctx.storage.flows.clear(user_id)
    return len(await day_entries(ctx, user_id, day))


async def closed_today(ctx: AppContext, user_id: int, team: Team) -> tuple[date, int] | None:
    """With no diary open: today's day and entries, when it has some (a /done sent twice,
    or after the diary was closed), so the answer can say it is saved rather than absent."""
    today, _late = diary_days(ctx.clock.now(), team.timezone)
    n = len(await day_entries(ctx, user_id, today))
    return (today, n) if n else None


async def drop(ctx: AppContext, user_id: int) -> None:
    """End the diary, or forget what was kept, without a word (no longer a member, or a
    menu button the member pressed instead)."""
    await ctx.storage.flows.clear(user_id)


async def writing_day(ctx: AppContext, user_id: int, team: Team, state: FlowState) -> date:
    """The day an entry goes to: the diary's own, unless it went stale (left open
    overnight): then today, and the diary moves on to it."""
    day = date.fromisoformat(DiaryState(**state.data).day)
    today, late = diary_days(ctx.clock.now(), team.timezone)
    if day in (today, late):
        return day
    await ctx.storage.flows.set(
        user_id, FLOW, "collect", {"day": today.isoformat()}, now=ctx.now_ts()
    )
    return today


async def write(
    ctx: AppContext, bot: telegram.Bot, user_id: int, team: Team, day: date, draft: Draft
) -> int | None:
    """Store one entry; how many the day has now, or None when this very message was
    stored already (Telegram delivered it again)."""
    if await add_entry(ctx, bot, user_id, team.id, day, draft) is None:
        return None
    return len(await day_entries(ctx, user_id, day))


def kept_with(drafts: list[Any], draft: Draft | None) -> list[Any]:
    """The messages kept while asking, with one more (up to ASK_KEEP_MAX)."""
    if draft is None or len(drafts) >= ASK_KEEP_MAX:
        return list(drafts)
    return [*drafts, draft.to_dict()]


async def keep(ctx: AppContext, user_id: int, update_id: int, drafts: list[Any]) -> None:
    """Keep `drafts` and wait for the answer; `update_id` is what moved the flow here."""
    data = {"drafts": drafts}
    await ctx.storage.flows.set(user_id, ASK_FLOW, "confirm", data, now=ctx.now_ts(), by=update_id)


async def kept_drafts(ctx: AppContext, user_id: int) -> list[Any] | None:
    """What waits for "is this a diary entry?"; None when nothing is asked."""
    return _kept(await ctx.storage.flows.get(user_id))


def _kept(state: FlowState | None) -> list[Any] | None:
    typed = (
        load_state(state.flow, state.step, state.data) if state and state.flow == ASK_FLOW else None
    )
    return typed.drafts if isinstance(typed, DiaryQuestionState) else None


async def save_kept(
    ctx: AppContext,
    bot: telegram.Bot,
    user_id: int,
    team: Team,
    day: date,
    drafts: list[Any],
    *,
    by: int,
) -> int:
    """The member said yes (update `by`): what was kept becomes entries of `day`; how many
    it has now. The question ends only once they are stored: a crash in between leaves
    them asked, not lost."""
    for raw in drafts:
        await add_entry(ctx, bot, user_id, team.id, day, Draft.from_dict(raw))
    await ctx.storage.flows.clear(user_id, by=by, now=ctx.now_ts())
    return len(await day_entries(ctx, user_id, day))


async def decline(ctx: AppContext, user_id: int, *, by: int) -> None:
    """The member said no (update `by`): what was kept is forgotten."""
    await ctx.storage.flows.clear(user_id, by=by, now=ctx.now_ts())


async def edit(
    ctx: AppContext, user_id: int, chat_id: int, message_id: int, text: str | None, at: datetime
) -> Edited:
    """A Telegram edit of a message: an entry takes the new text (bot/services/diary.py);
    a message still waiting for "is this a diary entry?" is kept with it."""
    edited = await edit_entry(ctx, user_id, chat_id, message_id, text, at)
    if edited.outcome is EditOutcome.NOT_AN_ENTRY:
        await _edit_kept(ctx, user_id, message_id, text)
    return edited


async def _edit_kept(ctx: AppContext, user_id: int, message_id: int, text: str | None) -> None:
    state = await ctx.storage.flows.get(user_id)
    drafts = _kept(state)
    if state is None or drafts is None:
        return
    drafts = [{**d, "text": text} if d.get("message_id") == message_id else d for d in drafts]
    await ctx.storage.flows.set(user_id, ASK_FLOW, state.step, {"drafts": drafts}, now=ctx.now_ts())


class Press(StrEnum):
    """What a diary button does, checked against the flow the member is in now."""

    OPEN = "open"  # di:open:<day>: start writing for that day
    DONE = "done"  # di:done: the open diary is finished
    YES = "yes"  # di:yes:<day>: what was kept is that day's diary
    NO = "no"  # di:no: what was kept is not diary
    STALE = "stale"  # an old button, a day no longer writable, or a flow since left


@dataclass(frozen=True)
class Pressed:
    press: Press
    day: date | None = None


def pressed(data: str, flow: str | None, now: datetime, tz: str) -> Pressed:
    """Which press `data` (callback data: it points, it never vouches) is, given the flow
    the member is in and the days they may still write for (in their team's timezone)."""
    parts = data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    day = _day(parts[2]) if len(parts) > 2 else None
    writable = day is not None and day in diary_days(now, tz)
    if action == "open" and writable:
        return Pressed(Press.OPEN, day)
    if action == "done" and flow == FLOW:
        return Pressed(Press.DONE)
    if action == "yes" and flow == ASK_FLOW and writable:
        return Pressed(Press.YES, day)
    if action == "no" and flow == ASK_FLOW:
        return Pressed(Press.NO)
    return Pressed(Press.STALE)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
