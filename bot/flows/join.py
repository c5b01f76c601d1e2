"""Joining a team by invite link (SPEC 3.1): what the link means for this person, then the
name and dispatching unit asked one after the other, then the join itself.

A link is checked again at every step (it may expire, run out or be revoked while the
person types), and so is the person's place: a recall or another link may have changed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.access import Actor, load_actor
from bot.context import AppContext
from bot.flows.states import JoinState
from bot.rules.joining import JoinOutcome, join_outcome
from bot.services.joining import (
    InviteCheck,
    InviteProblem,
    check_invite,
    complete_join,
    conflicting_team,
)
from storage.models import FlowState, Membership

FLOW = "join"


@dataclass(frozen=True)
class Placement:
    """What an invite code means for this person now: a problem with the link, or how it
    would place them, and the team a member would be moved from (to be asked first)."""

    check: InviteCheck
    outcome: JoinOutcome | None = None
    moving_from: str | None = None


async def placement(ctx: AppContext, actor: Actor, code: str) -> Placement:
    check = await check_invite(ctx, code)
    if check.problem or check.invite is None or check.team is None:
        return Placement(check)
    outcome = join_outcome(actor.memberships, check.team.id, check.invite.role)
    return Placement(check, outcome, conflicting_team(actor, check.invite))


async def begin(ctx: AppContext, actor: Actor, update_id: int, code: str) -> None:
    """Ask the name first; `update_id` is what opened the join."""
    await ctx.storage.people.ensure(actor.user_id, now=ctx.now_ts())
    data = {"code": code}
    await ctx.storage.flows.set(actor.user_id, FLOW, "name", data, now=ctx.now_ts(), by=update_id)


class JoinStep(StrEnum):
    ASK_UNIT = "ask_unit"  # the name is kept; the unit is asked next
    PROBLEM = "problem"  # the link no longer works (the flow ended)
    PLACED = "placed"  # already in the team: their place is kept as it is
    JOINED = "joined"


@dataclass(frozen=True)
class JoinAnswer:
    step: JoinStep
    problem: InviteProblem | None = None
    # The link as checked at the last step, and how it placed them (PLACED, JOINED).
    placement: Placement | None = None
    joined: Actor | None = None  # the person as they are now, once joined
    # The active membership a member left for this team: its supervisors are told.
    moved_from: Membership | None = None


async def answer(
    ctx: AppContext,
    actor: Actor,
    state: FlowState,
    value: str,
    update_id: int,
    username: str | None,
) -> JoinAnswer:
    """The person's answer to the join's current question (a clean, non-empty text)."""
    asked = JoinState(**state.data)
    if state.step == "name":
        data = {"code": asked.code, "name": value}
        await ctx.storage.flows.set(
            actor.user_id, FLOW, "unit", data, now=ctx.now_ts(), by=update_id
        )
        return JoinAnswer(JoinStep.ASK_UNIT)
    check = await check_invite(ctx, asked.code)
    if check.problem or check.invite is None or check.team is None:
        await _end(ctx, actor, update_id)
        return JoinAnswer(JoinStep.PROBLEM, check.problem)
    left = actor.member_of() if check.invite.role == "member" else None
    name = asked.name or value
    outcome = await complete_join(
        ctx,
        actor.user_id,
        check.invite,
        name=name,
        unit=value,
        username=username,
        language=actor.language,
    )
    # Ended only once joined: a crash before this leaves the last answer to be taken again.
    await _end(ctx, actor, update_id)
    if isinstance(outcome, InviteProblem):
        return JoinAnswer(JoinStep.PROBLEM, outcome)
    if outcome is not JoinOutcome.NEW:
        return JoinAnswer(JoinStep.PLACED, placement=Placement(check, outcome))
    moved = left if left and left.state == "active" and left.team_id != check.team.id else None
    joined = await load_actor(ctx, actor.user_id, actor.language)
    return JoinAnswer(
        JoinStep.JOINED, placement=Placement(check, outcome), joined=joined, moved_from=moved
    )


async def _end(ctx: AppContext, actor: Actor, update_id: int) -> None:
    await ctx.storage.flows.clear(actor.user_id, by=update_id, now=ctx.now_ts())
