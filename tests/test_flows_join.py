"""The join conversation's steps (bot/flows/join.py) without Telegram: a link checked again
at every step, the name then the unit, a person's place kept as it is."""

from __future__ import annotations

from bot.access import Actor, load_actor
from bot.flows import join
from bot.flows.current import current_flow, leave_flow
from bot.flows.join import JoinStep
from bot.rules.joining import JoinOutcome
from bot.services.teams import create_invite, revoke_invite
from storage.models import FlowState
from tests.world import World


async def _actor(world: World, user_id: int) -> Actor:
    return await load_actor(world.ctx, user_id, "zh")


async def _state(world: World, user_id: int) -> FlowState:
    state = await current_flow(world.ctx, user_id, join.FLOW)
    assert state is not None
    return state


async def test_name_then_unit_joins_and_the_flow_ends_by_the_last_answer(world: World) -> None:
    team = await world.team()
    invite = await create_invite(world.ctx, team, "member", actor_id=world.admin_id)
    newcomer = await _actor(world, 5001)
    placed = await join.placement(world.ctx, newcomer, invite.code)
    assert placed.outcome is JoinOutcome.NEW and placed.moving_from is None
    await join.begin(world.ctx, newcomer, 11, invite.code)
    state = await _state(world, 5001)
    assert (state.step, state.advanced_by) == ("name", 11)
    named = await join.answer(world.ctx, newcomer, state, "Li Wei", 12, "li")
    assert named.step is JoinStep.ASK_UNIT
    state = await _state(world, 5001)
    assert (state.step, state.data["name"], state.advanced_by) == ("unit", "Li Wei", 12)
    done = await join.answer(world.ctx, newcomer, state, "County Bureau", 13, "li")
    assert done.step is JoinStep.JOINED and done.joined is not None
    assert done.joined.can_act_as_member and done.moved_from is None
    assert await current_flow(world.ctx, 5001) is None
    assert await world.storage.flows.ended_by(5001) == 13
    person = await world.storage.people.get(5001)
    assert person.name == "Li Wei" and person.language == "zh"


async def test_a_link_revoked_while_typing_ends_the_join_with_its_problem(world: World) -> None:
    team = await world.team()
    invite = await create_invite(world.ctx, team, "member", actor_id=world.admin_id)
    newcomer = await _actor(world, 5002)
    await join.begin(world.ctx, newcomer, 21, invite.code)
    await join.answer(world.ctx, newcomer, await _state(world, 5002), "Li", 22, None)
    await revoke_invite(world.ctx, invite.code, actor_id=world.admin_id)
    answered = await join.answer(world.ctx, newcomer, await _state(world, 5002), "Unit", 23, None)
    assert answered.step is JoinStep.PROBLEM and answered.problem == "revoked"
    assert await current_flow(world.ctx, 5002) is None
    assert not (await _actor(world, 5002)).known


async def test_a_member_elsewhere_is_asked_before_moving_and_their_old_team_noted(
    world: World,
) -> None:
    east, west = await world.team("East"), await world.team("West")
    li = await world.enroll(east, name="Li")
    invite = await create_invite(world.ctx, west, "member", actor_id=world.admin_id)
    member = await _actor(world, li.id)
    placed = await join.placement(world.ctx, member, invite.code)
    assert placed.outcome is JoinOutcome.NEW and placed.moving_from == "East"
    await join.begin(world.ctx, member, 31, invite.code)
    await join.answer(world.ctx, member, await _state(world, li.id), "Li", 32, None)
    done = await join.answer(world.ctx, member, await _state(world, li.id), "Unit", 33, None)
    assert done.step is JoinStep.JOINED
    assert done.moved_from is not None and done.moved_from.team_id == east.id


async def test_someone_already_in_the_team_keeps_their_place(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li")
    invite = await create_invite(world.ctx, team, "member", actor_id=world.admin_id)
    member = await _actor(world, li.id)
    assert (await join.placement(world.ctx, member, invite.code)).outcome is JoinOutcome.ALREADY
    # Placed meanwhile (another link was used while the questions were asked): kept.
    await world.storage.flows.set(li.id, "join", "unit", {"code": invite.code, "name": "Li"}, now=0)
    answered = await join.answer(world.ctx, member, await _state(world, li.id), "Unit", 41, None)
    assert answered.step is JoinStep.PLACED and answered.placement is not None
    assert answered.placement.outcome is JoinOutcome.ALREADY
    assert (await join.placement(world.ctx, member, "nope")).check.problem == "unknown"


async def test_leaving_a_flow_says_whether_there_was_one(world: World) -> None:
    team = await world.team()
    invite = await create_invite(world.ctx, team, "member", actor_id=world.admin_id)
    await join.begin(world.ctx, await _actor(world, 5003), 51, invite.code)
    assert await leave_flow(world.ctx, 5003) is True
    assert await leave_flow(world.ctx, 5003) is False
    assert await current_flow(world.ctx, 5003) is None
