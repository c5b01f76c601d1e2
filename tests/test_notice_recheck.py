"""A notice still true when it is sent: reminders, nudges and roll-call calls are checked
against the person's state at their send slot, after they were chosen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.services.reminders import send_checkin_reminders, send_deadline_nudges
from bot.services.rollcall import start_rollcall
from tests.sched_helpers import attend, diary, leave, set_state
from tests.world import World

DAY = date(2026, 11, 25)


async def test_member_day_sees_what_the_team_day_sees(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li")
    day = await world.storage.notice_facts.member_day(team.id, li.id, DAY)
    assert day is not None and day.state == "active"
    assert not (day.checked_in or day.on_leave or day.wrote_diary or day.unreachable)
    await attend(world, li.id, team.id, DAY)
    await diary(world, li.id, team.id, DAY)
    await leave(world, li.id, team.id, DAY, DAY)
    await set_state(world, li.id, team.id, "recalled")
    day = await world.storage.notice_facts.member_day(team.id, li.id, DAY)
    assert day is not None and day.state == "recalled"
    assert day.checked_in and day.on_leave and day.wrote_diary
    # Another day is another day; a stranger to the team is nobody's member.
    other = await world.storage.notice_facts.member_day(team.id, li.id, date(2026, 11, 26))
    assert other is not None and not other.checked_in and not other.on_leave
    assert await world.storage.notice_facts.member_day(team.id, 424242, DAY) is None


def _changes_at_slot(
    world: World, monkeypatch: pytest.MonkeyPatch, uid: int, change: Any
) -> list[int]:
    """Make `change` happen to `uid` after the notices were chosen, just before their slot."""
    scheduling = world.storage.notice_facts
    real = scheduling.member_day
    asked: list[int] = []

    async def member_day(team_id: int, telegram_id: int, day: date) -> Any:
        asked.append(telegram_id)
        if telegram_id == uid:
            await change()
        return await real(team_id, telegram_id, day)

    monkeypatch.setattr(scheduling, "member_day", member_day)
    return asked


@pytest.mark.parametrize("what", ["checked_in", "on_leave", "recalled"])
async def test_a_reminder_is_withdrawn_when_its_reason_went_away(
    world: World, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li")
    wang = await world.enroll(team, name="Wang")
    change = {
        "checked_in": lambda: attend(world, li.id, team.id, DAY),
        "on_leave": lambda: leave(world, li.id, team.id, DAY, DAY),
        "recalled": lambda: set_state(world, li.id, team.id, "recalled"),
    }[what]
    asked = _changes_at_slot(world, monkeypatch, li.id, change)
    result = await send_checkin_reminders(world.ctx, world.app.bot, team.id, world.clock.now())
    assert sorted(asked) == sorted([li.id, wang.id])  # each checked at its slot
    assert result.withdrawn == [li.id] and result.sent == [wang.id]
    assert world.emu.sent_messages(li.id) == []
    # The nudge later that morning knows too.
    nudged = await send_deadline_nudges(world.ctx, world.app.bot, team.id, world.clock.now())
    assert li.id not in nudged.sent


async def test_a_roll_call_does_not_count_someone_recalled_before_being_asked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li")
    wang = await world.enroll(team, name="Wang")
    _changes_at_slot(
        world, monkeypatch, li.id, lambda: set_state(world, li.id, team.id, "recalled")
    )
    started = await start_rollcall(world.ctx, world.app.bot, team, now=world.clock.now())
    assert started.targets == [wang.id]
    assert started.asked.withdrawn == [li.id]
    assert world.emu.sent_messages(li.id) == []
    assert started.rollcall_id is not None
    results = await world.storage.rollcalls.results(started.rollcall_id)
    # Never asked, so never "no answer" against their record.
    assert [r.telegram_id for r in results] == [wang.id]
