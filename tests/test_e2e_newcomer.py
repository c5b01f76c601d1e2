"""What a new administrator, supervisor and member trip on (issue 13), through the real bot
against the emulator: each test here failed before its fix."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.emulator import UserActor
from tests.conftest import SHANGHAI
from tests.world import SITE_LAT, SITE_LON, World


async def _request_id(prompt: dict[str, Any]) -> int:
    return int(prompt["text"].split("#")[1].split()[0])


async def _approved_makeup(world: World, boss: UserActor, li: UserActor, day: str) -> None:
    li.send_command("makeup", day)
    await li.next_message()
    li.send_text("Phone battery died in the field")
    summary = await li.next_message()
    li.press(summary, data="lv:ok")
    await li.next_message()
    prompt = await boss.next_message()
    boss.press(prompt, data=f"req:approve:{await _request_id(prompt)}")
    assert "counts as attended" in (await li.next_message())["text"]


async def test_checkin_on_a_made_up_day_is_recorded_not_a_crash(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    world.clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=SHANGHAI))
    await _approved_makeup(world, boss, li, "today")
    world.clock.advance(minutes=30)
    li.send_location(SITE_LAT, SITE_LON)
    text = (await li.next_message())["text"]
    assert "went wrong" not in text
    assert "already counted" in text and "made up" in text
    day = await world.storage.checkins.day_state(li.id, team.id, date(2026, 11, 25))
    assert day["timing"] == "made_up"
