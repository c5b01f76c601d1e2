"""The check-in's short conversations (bot/flows/checkin.py), who an alert goes to once
(bot/services/checkin.alert_once_key), and the person bookkeeping of bot/services/people.py
and bot/access.py that handlers/ once did themselves."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.access import load_actor, member_team, record_refusal
from bot.flows import checkin as flow
from bot.flows.current import current_flow
from bot.rules.checkin import LocationEvidence
from bot.rules.rollcall import RollcallAnswer
from bot.services.checkin import alert_once_key, check_in
from bot.services.people import actor_for, choose_language, mark_unreachable, reply_language
from tests.sched_helpers import set_state
from tests.test_checkin_follow_ups import _result
from tests.world import SITE_LAT, SITE_LON, World

MORNING = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


def test_an_alert_goes_once_per_check_in_by_day_and_once_per_night_by_evening() -> None:
    morning, evening = _result(), _result(kind="evening")
    assert alert_once_key(morning, 42) == ("alert.out_of_area", "1")
    assert alert_once_key(evening, 42) == ("alert.evening_out_of_area", "42:2026-11-25")


async def test_waiting_for_a_location_never_replaces_an_open_flow(world: World) -> None:
    await flow.await_location(world.ctx, 8001)
    assert (await current_flow(world.ctx, 8001, flow.WAIT_FLOW)) is not None
    # The location it waited for ends the wait and goes to the check-in itself.
    assert await flow.flow_for_location(world.ctx, 8001) is None
    assert await current_flow(world.ctx, 8001) is None
    await world.storage.flows.set(8001, "leave", "first", {"kind": "leave"}, now=0)
    await flow.await_location(world.ctx, 8001)
    kept = await flow.flow_for_location(world.ctx, 8001)
    assert kept is not None and kept.flow == "leave"


async def test_the_reason_is_kept_on_the_check_in_and_its_readers_named(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li")
    boss = await world.enroll(team, role="supervisor", name="Boss")
    world.clock.set(MORNING)
    actor = await load_actor(world.ctx, li.id, "en")
    far = LocationEvidence(
        lat=SITE_LAT + 0.05, lon=SITE_LON, accuracy_m=10.0, live_period=None,
        is_forwarded=False, is_venue=False, is_from_offline=False,
        message_date=MORNING, received_at=MORNING,
    )  # fmt: skip
    result = await check_in(world.ctx, actor, far, chat_id=li.id, message_id=3, update_id=None)
    await flow.ask_reason(world.ctx, li.id, result.recorded.id)
    state = await current_flow(world.ctx, li.id, flow.REASON_FLOW)
    assert state is not None
    kept = await flow.keep_reason(world.ctx, actor, state, "road closed")
    assert kept.team is not None and kept.team.id == team.id
    assert [p.telegram_id for p in kept.readers.people] == [boss.id] and kept.readers.supervisors
    stored = await world.storage.checkins.by_message(li.id, 3)
    assert stored is not None and stored["out_of_area_reason"] == "road closed"
    # The flow stays until the readers were told (the handler ends it).
    assert await current_flow(world.ctx, li.id, flow.REASON_FLOW) is not None


async def test_writing_to_the_bot_names_an_admin_and_makes_them_reachable(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li")
    await mark_unreachable(world.ctx, li.id)
    assert (await world.storage.people.get(li.id)).unreachable
    actor = await actor_for(world.ctx, li.id, "en", "Li from Telegram")
    assert actor.person is not None and actor.person.name == "Li"  # a member keeps theirs
    assert not (await world.storage.people.get(li.id)).unreachable
    stranger = await actor_for(world.ctx, 9999, "en", "Passer-by")
    assert stranger.person is None  # only an admin is named by writing
    admin = await actor_for(world.ctx, world.admin_id, "en", "Chief Admin")
    assert admin.person is not None and admin.person.name == "Chief Admin"


async def test_language_member_team_and_refusals(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li")
    assert await reply_language(world.ctx, li.id, "zh-hans") == "zh"  # nothing stored yet
    actor = await choose_language(world.ctx, await load_actor(world.ctx, li.id, "en"), "zh")
    assert actor.language == "zh" and await reply_language(world.ctx, li.id, "en") == "zh"
    assert await reply_language(world.ctx, None, None) == "en"
    found = await member_team(world.ctx, actor)
    assert found is not None and found.id == team.id
    await set_state(world, li.id, team.id, "recalled")
    assert await member_team(world.ctx, await load_actor(world.ctx, li.id, "en")) is None
    await record_refusal(world.ctx, actor, "policy")
    [row] = await world.storage.audit.recent(action="policy.refused")
    assert row["actor_id"] == li.id


def test_a_roll_call_judges_the_same_reading_of_a_location_as_the_check_in() -> None:
    evidence = LocationEvidence(
        lat=30.1, lon=120.2, accuracy_m=12.5, live_period=900,
        is_forwarded=True, is_venue=False, is_from_offline=True,
        message_date=MORNING, received_at=MORNING,
    )  # fmt: skip
    answer = RollcallAnswer.of(evidence)
    assert answer == RollcallAnswer(30.1, 120.2, 12.5, 900, True, False, True)
