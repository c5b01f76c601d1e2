"""Where a person is in a conversation, and whether an update may move them.

The one place the handlers' flows reach the `flows` table (storage/flows.py): a handler
asks `verdict` before a step, then `move` or `end` with the update that did it, so a
repeat of that update (Telegram delivers it again after a crash) is recognised.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import Any

from bot.context import AppContext
from bot.flows.states import load as load_state
from storage.models import FlowState

log = logging.getLogger("outpost.flows")


class Verdict(Enum):
    FRESH = "fresh"  # the update may go to the flow's step
    STALE = "stale"  # the stored shape is not one its flow accepts: the flow was ended
    REPEAT = "repeat"  # this update already moved the flow: ask the current question again
    ENDED_REPEAT = "ended_repeat"  # this update already ended the flow: say it was taken


async def current(ctx: AppContext, user_id: int) -> FlowState | None:
    return await ctx.storage.flows.get(user_id)


async def current_of(ctx: AppContext, user_id: int, flow: str) -> FlowState | None:
    """The person's state if they are in `flow`, else None."""
    state = await current(ctx, user_id)
    return state if state is not None and state.flow == flow else None


async def verdict(
    ctx: AppContext, user_id: int, state: FlowState | None, update_id: int
) -> Verdict:
    """May `update_id` reach the step of `state`? A stale shape (left by an older version,
    or tampered with) ends the flow here, so no handler ever meets it."""
    if state is not None and load_state(state.flow, state.step, state.data) is None:
        log.warning("flow %s/%s of %s has a stale shape; ended", state.flow, state.step, user_id)
        await drop(ctx, user_id)
        return Verdict.STALE
    if state is not None:
        return Verdict.REPEAT if state.advanced_by == update_id else Verdict.FRESH
    if await ctx.storage.flows.ended_by(user_id) == update_id:
        return Verdict.ENDED_REPEAT
    return Verdict.FRESH


async def move(
    ctx: AppContext, user_id: int, flow: str, step: str, data: dict[str, Any], *, by: int
) -> None:
    """Put the person at `step` of `flow`, recording update `by` as what moved them there."""
    await ctx.storage.flows.set(user_id, flow, step, data, now=ctx.now_ts(), by=by)


async def end(ctx: AppContext, user_id: int, *, by: int) -> None:
    """End the person's flow, recording update `by` as what ended it. Called once the flow's
    work is stored: a crash before this makes the last answer count again, never vanish."""
    await ctx.storage.flows.clear(user_id, by=by, now=ctx.now_ts())


async def drop(ctx: AppContext, user_id: int) -> None:
    """End the person's flow with nothing to remember (cancelled, stale, no longer allowed)."""
    await ctx.storage.flows.clear(user_id)
