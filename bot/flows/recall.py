"""The /recall wizard: an admin recalls a member with a reason (SPEC §3.8).

team -> member -> reason -> confirm; `/recall <user id> [reason]` jumps ahead, the member's
active team found in storage. Everything is checked again on the final press
(bot/services/recall.py). Each step returns the next `Question` or a `Problem`; the end is
`Recalled` (or a `Problem` saying why not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.access import Actor
from bot.context import AppContext
from bot.flows import progress
from bot.flows.export import MAX_TEAM_BUTTONS
from bot.flows.outcome import STALE, Problem, stored, typed_state
from bot.flows.states import RecallState
from bot.services.recall import RecallProblem, clean_reason, recall_member, tell_recalled
from storage.models import FlowState, Membership, Person, Team

if TYPE_CHECKING:
    import telegram

FLOW = "recall"
MAX_MEMBER_BUTTONS = 40
_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class Names:
    """Who is recalled from where, as the admin reads it."""

    team: Team | None
    name: str
    unit: str

    @property
    def team_name(self) -> str:
        return self.team.name if self.team else "?"


@dataclass(frozen=True)
class Question:
    step: str
    state: RecallState
    teams: tuple[Team, ...] = ()  # the team step's buttons
    team: Team | None = None  # the member step: whose members
    members: tuple[tuple[Membership, Person], ...] = ()  # the member step's buttons
    names: Names | None = None  # the reason and confirm steps


@dataclass(frozen=True)
class Cancelled:
    pass


@dataclass(frozen=True)
class Recalled:
    names: Names
    unit: str | None
    told: bool


def typed(flow: FlowState) -> RecallState:
    return typed_state(RecallState, flow)


async def names_of(ctx: AppContext, s: RecallState) -> Names:
    member, team_id = int(s.member or 0), int(s.team or 0)
    team = await ctx.storage.teams.get(team_id)
    person = await ctx.storage.people.get(member)
    membership = await ctx.storage.people.membership(member, team_id)
    name = (person.name if person else None) or str(member)
    unit = (membership.unit if membership else None) or (person.unit if person else None) or "-"
    return Names(team, name, unit)


async def _move(
    ctx: AppContext, actor: Actor, step: str, s: RecallState, update_id: int
) -> Question:
    await progress.move(ctx, actor.user_id, FLOW, step, stored(s), by=update_id)
    return await question(ctx, step, s)


async def question(ctx: AppContext, step: str, s: RecallState) -> Question:
    if step == "team":
        return Question(step, s, teams=await _teams(ctx))
    if step == "member":
        team = await ctx.storage.teams.get(int(s.team or 0))
        return Question(step, s, team=team, members=await _members(ctx, int(s.team or 0)))
    return Question(step, s, names=await names_of(ctx, s))


async def current_question(ctx: AppContext, flow: FlowState) -> Question:
    return await question(ctx, flow.step, typed(flow))


async def _teams(ctx: AppContext) -> tuple[Team, ...]:
    return tuple((await ctx.storage.teams.all())[:MAX_TEAM_BUTTONS])


async def _members(ctx: AppContext, team_id: int) -> tuple[tuple[Membership, Person], ...]:
    members = await ctx.storage.people.team_members(team_id, role="member", state="active")
    return tuple(members[:MAX_MEMBER_BUTTONS])


async def start(
    ctx: AppContext, actor: Actor, args: list[str], update_id: int
) -> Question | Problem:
    """The wizard from its first question, or from `/recall <user id> [reason]`."""
    if args:
        return await _direct(ctx, actor, args, update_id)
    if not await _teams(ctx):
        return Problem("recall.no_teams")
    return await _move(ctx, actor, "team", RecallState(), update_id)


async def _direct(
    ctx: AppContext, actor: Actor, args: list[str], update_id: int
) -> Question | Problem:
    member_id = int(args[0]) if _ID.fullmatch(args[0]) else None
    if member_id is None:
        return Problem("recall.usage")
    memberships = await ctx.storage.people.memberships(member_id)
    active = [m for m in memberships if m.role == "member" and m.state == "active"]
    if not active:
        return Problem("recall.not_found", {"id": member_id})
    s = RecallState(team=active[-1].team_id, member=member_id)
    reason = clean_reason(" ".join(args[1:]))
    if reason is None:
        return await _move(ctx, actor, "reason", s, update_id)
    return await _move(ctx, actor, "confirm", replace(s, reason=reason), update_id)


async def _pick_team(
    ctx: AppContext, actor: Actor, team: Team | None, update_id: int
) -> Question | Problem:
    if team is None:
        return STALE
    if not await _members(ctx, team.id):
        await progress.drop(ctx, actor.user_id)
        return Problem("recall.no_members", {"team": team.name})
    return await _move(ctx, actor, "member", RecallState(team=team.id), update_id)


async def answer_text(
    ctx: AppContext, actor: Actor, flow: FlowState, text: str, update_id: int
) -> Question | Problem:
    """A team's name or id, or the reason."""
    if flow.step == "team":
        team = await ctx.storage.teams.find(text)
        if team is None:
            return Problem("recall.team_unknown", {"name": text[:64]})
        return await _pick_team(ctx, actor, team, update_id)
    if flow.step == "reason":
        reason = clean_reason(text)
        if reason is None:
            return Problem("recall.reason_invalid")
        return await _move(ctx, actor, "confirm", replace(typed(flow), reason=reason), update_id)
    return STALE


async def press(
    ctx: AppContext,
    bot: telegram.Bot,
    actor: Actor,
    flow: FlowState,
    kind: str,
    value: str,
    update_id: int,
) -> Question | Problem | Cancelled | Recalled:
    """rc:t:<team>, rc:m:<member>, rc:no, rc:ok, each only at its step."""
    picked = int(value) if _ID.fullmatch(value) else None
    if kind == "t" and flow.step == "team" and picked is not None:
        return await _pick_team(ctx, actor, await ctx.storage.teams.get(picked), update_id)
    if kind == "m" and flow.step == "member" and picked is not None:
        s = replace(typed(flow), member=picked)
        return await _move(ctx, actor, "reason", s, update_id)
    if kind == "no":
        await progress.drop(ctx, actor.user_id)
        return Cancelled()
    if kind == "ok" and flow.step == "confirm":
        outcome = await _recall(ctx, bot, actor, typed(flow))
        # Ended only once recalled: a crash before this recalls again (which changes nothing).
        await progress.end(ctx, actor.user_id, by=update_id)
        return outcome
    return STALE


async def _recall(
    ctx: AppContext, bot: telegram.Bot, actor: Actor, s: RecallState
) -> Recalled | Problem:
    names = await names_of(ctx, s)
    if names.team is None:
        return STALE
    try:
        recall = await recall_member(
            ctx,
            member_id=int(s.member or 0),
            team=names.team,
            reason=str(s.reason),
            actor_id=actor.user_id,
        )
    except RecallProblem:
        return Problem("recall.not_active", {"name": names.name, "team": names.team.name})
    told = await tell_recalled(ctx, bot, recall)
    return Recalled(names, recall.unit, told)
