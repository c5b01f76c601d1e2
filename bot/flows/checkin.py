"""The check-in's two short conversations: `/checkin` waiting for the location it asked
for, and the reason asked of a member who checked in out of area (SPEC 3.2)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import Actor, Readers, alert_readers
from bot.context import AppContext
from bot.flows.states import OutOfAreaReasonState
from storage.models import FlowState, Team

WAIT_FLOW = "checkin_wait"
REASON_FLOW = "oor_reason"


async def await_location(ctx: AppContext, user_id: int) -> None:
    """After /checkin, text typed next is most likely meant as the check-in: the flow lets
    it be answered so, rather than taken for a diary entry. A flow already open stays."""
    if await ctx.storage.flows.get(user_id) is None:
        await ctx.storage.flows.set(user_id, WAIT_FLOW, "location", {}, now=ctx.now_ts())


async def stop_waiting(ctx: AppContext, user_id: int) -> None:
    await ctx.storage.flows.clear(user_id)


async def flow_for_location(ctx: AppContext, user_id: int) -> FlowState | None:
    """The flow a shared location goes to; a /checkin that waited for it is done by it."""
    state = await ctx.storage.flows.get(user_id)
    if state is not None and state.flow == WAIT_FLOW:
        await ctx.storage.flows.clear(user_id)
        return None
    return state


async def ask_reason(ctx: AppContext, user_id: int, checkin_id: int) -> None:
    data = {"checkin_id": checkin_id}
    await ctx.storage.flows.set(user_id, REASON_FLOW, "reason", data, now=ctx.now_ts())


@dataclass(frozen=True)
class ReasonKept:
    """The reason is on the check-in; these are to hear it (none when there is no team)."""

    team: Team | None
    readers: Readers


async def keep_reason(ctx: AppContext, actor: Actor, state: FlowState, reason: str) -> ReasonKept:
    """Store the member's reason on the check-in the flow asked about. The flow stays open
    until the readers were told (the caller ends it): a crash in between tells them again."""
    asked = OutOfAreaReasonState(**state.data)
    await ctx.storage.checkins.set_out_of_area_reason(asked.checkin_id, reason)
    team = await _team_of(ctx, actor)
    if team is None:
        return ReasonKept(None, Readers((), False))
    return ReasonKept(team, await alert_readers(ctx, team, exclude=actor.user_id))


async def _team_of(ctx: AppContext, actor: Actor) -> Team | None:
    # The member's team even when recalled meanwhile: its supervisors asked for the reason.
    membership = actor.member_of()
    return await ctx.storage.teams.get(membership.team_id) if membership else None
