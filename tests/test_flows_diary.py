"""The diary's conversations (bot/flows/diary.py) without Telegram: collecting a day's
entries, messages kept while the member is asked, edits of either, and which button press
a callback is given the flow the member is in."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.flows import diary
from bot.flows.diary import Press
from bot.services.diary import Draft, EditOutcome
from storage.models import Team
from tests.world import World

TZ = "Asia/Shanghai"
EVENING = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
NIGHT = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # 02:00 on the 26th: the 25th still open
DAY = date(2026, 11, 25)


def _draft(message_id: int, text: str = "fixed the pump") -> Draft:
    return Draft(chat_id=1, message_id=message_id, kind="text", text=text, message_date=0)


async def _team(world: World) -> Team:
    return await world.team(tz=TZ)


def test_presses_are_checked_against_the_flow_and_the_writable_days() -> None:
    late, today = "2026-11-25", "2026-11-26"
    assert diary.pressed(f"di:open:{late}", None, NIGHT, TZ) == diary.Pressed(Press.OPEN, DAY)
    assert diary.pressed(f"di:open:{late}", None, EVENING.replace(day=26), TZ).press is Press.STALE
    assert diary.pressed("di:done", diary.FLOW, NIGHT, TZ).press is Press.DONE
    assert diary.pressed("di:done", diary.ASK_FLOW, NIGHT, TZ).press is Press.STALE
    assert diary.pressed(f"di:yes:{today}", diary.ASK_FLOW, NIGHT, TZ).press is Press.YES
    assert diary.pressed(f"di:yes:{today}", diary.FLOW, NIGHT, TZ).press is Press.STALE
    assert diary.pressed("di:no", diary.ASK_FLOW, NIGHT, TZ).press is Press.NO
    # A yes without a day was an AssertionError in the handler once; now it is stale.
    assert diary.pressed("di:yes", diary.ASK_FLOW, NIGHT, TZ).press is Press.STALE
    assert diary.pressed("di:open:2026-02-30", None, NIGHT, TZ).press is Press.STALE


@given(st.text(max_size=40), st.sampled_from([None, diary.FLOW, diary.ASK_FLOW, "leave"]))
def test_any_callback_data_is_some_press_and_never_an_error(data: str, flow: str | None) -> None:
    pressed = diary.pressed(data, flow, NIGHT, TZ)
    assert (pressed.day is not None) == (pressed.press in (Press.OPEN, Press.YES))


def test_kept_messages_stop_growing_at_the_limit() -> None:
    kept: list[object] = []
    for n in range(diary.ASK_KEEP_MAX + 5):
        kept = diary.kept_with(kept, _draft(n))
    assert len(kept) == diary.ASK_KEEP_MAX
    assert diary.kept_with(kept[:1], None) == kept[:1]


async def test_a_day_is_collected_then_closed_with_its_count(world: World) -> None:
    team = await _team(world)
    li = await world.enroll(team, name="Li")
    world.clock.set(EVENING)
    assert await diary.open_day(world.ctx, li.id, DAY) == []
    assert await diary.collecting(world.ctx, li.id) == DAY
    state = await world.storage.flows.get(li.id)
    day = await diary.writing_day(world.ctx, li.id, team, state)
    assert day == DAY
    assert await diary.write(world.ctx, world.app.bot, li.id, team, day, _draft(1)) == 1
    # The same message delivered again is stored once.
    assert await diary.write(world.ctx, world.app.bot, li.id, team, day, _draft(1)) is None
    assert await diary.close(world.ctx, li.id, DAY) == 1
    assert await diary.collecting(world.ctx, li.id) is None


async def test_a_diary_left_open_overnight_writes_to_today(world: World) -> None:
    team = await _team(world)
    li = await world.enroll(team, name="Li")
    world.clock.set(EVENING)
    await diary.open_day(world.ctx, li.id, date(2026, 11, 20))
    state = await world.storage.flows.get(li.id)
    assert await diary.writing_day(world.ctx, li.id, team, state) == DAY
    assert await diary.collecting(world.ctx, li.id) == DAY


async def test_a_stale_diary_shape_is_no_open_diary(world: World) -> None:
    await world.storage.flows.set(7001, diary.FLOW, "collect", {"day": "soon"}, now=0)
    assert await diary.collecting(world.ctx, 7001) is None
    await world.storage.flows.set(7001, diary.ASK_FLOW, "confirm", {"drafts": "x"}, now=0)
    assert await diary.kept_drafts(world.ctx, 7001) is None


async def test_kept_messages_follow_edits_and_become_entries_on_yes(world: World) -> None:
    team = await _team(world)
    li = await world.enroll(team, name="Li")
    world.clock.set(EVENING)
    await diary.keep(world.ctx, li.id, 91, [_draft(5).to_dict(), _draft(6).to_dict()])
    assert (await world.storage.flows.get(li.id)).advanced_by == 91
    edited = await diary.edit(world.ctx, li.id, 1, 6, "pump and valve", EVENING)
    assert edited.outcome is EditOutcome.NOT_AN_ENTRY
    kept = await diary.kept_drafts(world.ctx, li.id)
    assert kept is not None and [d["text"] for d in kept] == ["fixed the pump", "pump and valve"]
    assert await diary.save_kept(world.ctx, world.app.bot, li.id, team, DAY, kept, by=1) == 2
    assert await world.storage.flows.get(li.id) is None
    texts = [e.text for e in await diary.day_entries(world.ctx, li.id, DAY)]
    assert texts == ["fixed the pump", "pump and valve"]
    # Now an entry: its edit is the entry's, the same day.
    saved = await diary.edit(world.ctx, li.id, 1, 5, "fixed the big pump", EVENING)
    assert saved.outcome is EditOutcome.SAVED and saved.day == DAY
