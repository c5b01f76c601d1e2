"""Delivery at Telegram's pace: the real bot against the emulator answering every call after a
round trip, with Telegram's 30 messages a second. One chat's stalled call or 429 holds back
nobody else; a member's reply overtakes a fan-out already queued; a reminder is re-checked
at its slot, so nobody is reminded of a check-in they just made."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.config import Settings
from bot.emulator import BotApiEmulator, UserActor
from bot.emulator.schema import Schema
from bot.services.reminders import send_checkin_reminders
from tests.conftest import TOKEN
from tests.world import SITE_LAT, SITE_LON, World

# Small enough to keep the suite quick, big enough that one round trip per reply would show.
ROUND_TRIP_S = 0.04
JITTER_S = 0.01


@pytest.fixture
async def emu(schema: Schema, clock: FixedClock) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(
        schema=schema,
        clock=lambda: clock.now().timestamp(),
        token=TOKEN,
        latency=ROUND_TRIP_S,
        jitter=JITTER_S,
    ) as e:
        yield e
        e.assert_no_violations()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Telegram's own budget, as shipped.
    return replace(settings, rate_limit_per_s=30.0)


async def _reply_within(user: UserActor, seconds: float) -> dict[str, Any]:
    return await asyncio.wait_for(user.next_message(), seconds)


def _check_in(user: UserActor) -> None:
    user.send_location(SITE_LAT, SITE_LON, accuracy=10)


async def _others_answered_while_one_is_held_back(world: World, held: UserActor) -> float:
    """`held` checks in first, five others right after; each of them is answered promptly
    while `held` still waits. Returns when `held` checked in (monotonic)."""
    team = await world.team()
    others = [await world.enroll(team, name=f"Member {i}") for i in range(5)]
    started = time.monotonic()
    _check_in(held)
    await asyncio.sleep(0.3)  # the held member's confirmation is now stuck in Telegram
    for user in others:
        _check_in(user)
    for user in others:
        # Fetched, handled and answered while the first update is still being handled.
        assert (await _reply_within(user, 1.5))["text"].startswith("✅")
    assert time.monotonic() - started < 2.0
    assert world.emu.sent_messages(held.id) == []
    return started


async def test_a_stalled_call_holds_back_only_its_own_chat(world: World) -> None:
    slow = await world.enroll(await world.team("Slow"), name="Slow")
    world.emu.faults.add("stall", method="sendMessage", chat_id=slow.id, seconds=3.0)
    started = await _others_answered_while_one_is_held_back(world, slow)
    assert (await _reply_within(slow, 5))["text"].startswith("✅")
    assert time.monotonic() - started >= 3.0


async def test_a_429_for_one_chat_holds_back_only_that_chat(world: World) -> None:
    throttled = await world.enroll(await world.team("Throttled"), name="Throttled")
    world.emu.faults.add("429", method="sendMessage", chat_id=throttled.id, retry_after=2)
    started = await _others_answered_while_one_is_held_back(world, throttled)
    # The throttled chat waits as long as Telegram asked, then hears once.
    assert (await _reply_within(throttled, 5))["text"].startswith("✅")
    assert time.monotonic() - started >= 2.0
    assert len(world.emu.sent_messages(throttled.id)) == 1


async def test_a_reply_overtakes_a_queued_fan_out_and_nobody_is_reminded_after_checking_in(
    world: World,
) -> None:
    team = await world.team()
    members = [await world.enroll(team, name=f"Member {i:03}") for i in range(90)]
    # Reminders go out in id order: the last member's would be among the last sent.
    late = members[-1]
    fan_out = asyncio.create_task(
        send_checkin_reminders(world.ctx, world.app.bot, team.id, world.clock.now())
    )
    await asyncio.sleep(0.5)  # about 15 of 90 reminders sent, the rest queued in the bulk lane
    assert not fan_out.done()
    started = time.monotonic()
    _check_in(late)
    confirmation = await _reply_within(late, 2.0)
    replied_after = time.monotonic() - started
    assert confirmation["text"].startswith("✅")
    assert not fan_out.done(), "the reply waited for the fan-out"
    # Fetched (a round trip or two) and answered at the next slot, not after the queue.
    assert replied_after < 0.6, replied_after
    result = await fan_out
    # The late member had checked in before their slot came: their reminder was withdrawn.
    assert late.id in result.withdrawn and late.id not in result.sent
    assert [m["text"] for m in world.emu.sent_messages(late.id)] == [confirmation["text"]]
    assert sorted(result.sent) == sorted(m.id for m in members[:-1])
    # Withdrawn means never sent: it is not logged as sent, so no later pass thinks it was.
    assert not await world.storage.delivery.was_sent("checkin_reminder", late.id, "2026-11-25")


async def test_a_burst_is_confirmed_at_the_budget_not_one_round_trip_at_a_time(
    world: World,
) -> None:
    team = await world.team()
    members = [await world.enroll(team, name=f"Member {i:03}") for i in range(45)]
    world.emu.set_latency(0.1)  # one reply per round trip would be 10 a second
    started = time.monotonic()
    for user in members:
        _check_in(user)
    for user in members:
        assert (await _reply_within(user, 5))["text"].startswith("✅")
    took = time.monotonic() - started
    # One at a time would take 45 round trips (4.5 s); at 30/s it is about 1.5 s.
    assert took < 3.0, took
    assert took > 45 / 30 - 3 / 30 - 0.1, f"faster than Telegram's budget: {took:.2f}s"


async def test_paid_broadcast_sends_bulk_beyond_the_free_budget(world: World) -> None:
    world.ctx.settings = replace(world.ctx.settings, paid_broadcast=True)
    team = await world.team()
    members = [await world.enroll(team, name=f"Member {i:03}") for i in range(90)]
    started = time.monotonic()
    result = await send_checkin_reminders(world.ctx, world.app.bot, team.id, world.clock.now())
    took = time.monotonic() - started
    assert sorted(result.sent) == sorted(m.id for m in members)
    # 90 at the free 30/s would take 3 s; paid broadcast goes at up to 1,000/s.
    assert took < 1.5, took
    reminders = [r for r in world.emu.requests if r.method == "sendMessage"]
    assert len(reminders) == 90
    assert all(r.params.get("allow_paid_broadcast") is True for r in reminders)
    # A member's own reply is never paid for.
    assert (await _reply_within(members[0], 1))["text"].startswith("⏰")  # the reminder
    _check_in(members[0])
    assert (await _reply_within(members[0], 2))["text"].startswith("✅")
    [*_, reply] = [
        r
        for r in world.emu.requests
        if r.method == "sendMessage" and r.params["chat_id"] == members[0].id
    ]
    assert str(reply.params["text"]).startswith("✅")
    assert "allow_paid_broadcast" not in reply.params
