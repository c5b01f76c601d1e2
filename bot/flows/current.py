"""Which conversation a person is in, whatever it is, and leaving it."""

from __future__ import annotations

from bot.context import AppContext
from storage.models import FlowState


async def current_flow(ctx: AppContext, user_id: int, flow: str | None = None) -> FlowState | None:
    """The person's flow (only if it is `flow`, when given); None when they are in none."""
    state = await ctx.storage.flows.get(user_id)
    if state is None or (flow is not None and state.flow != flow):
        return None
    return state


async def leave_flow(ctx: AppContext, user_id: int) -> bool:
    """End whatever flow the person is in; False when they were in none (/cancel says so)."""
    state = await ctx.storage.flows.get(user_id)
    await ctx.storage.flows.clear(user_id)
    return state is not None
