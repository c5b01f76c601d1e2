"""A conversation step is applied once (issue 11). A crash after a step was stored but before
its update was marked handled makes Telegram deliver that update again; the repeat must not
answer the next question (the "Reason: 2026-12-23" leave) nor fall out of the flow (a join's
last answer coming back as "diary entry?"). Each test replays the exact crash window: the
update's "handled" mark is removed and the same update handled again."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.emulator.actors import UserActor
from bot.updates import handle_update, read_update
from tests.world import World


def _update_of(world: World, key: str, message_or_query_id: Any) -> dict[str, Any]:
    for raw in reversed(world.emu.delivered_updates):
        if key == "message" and raw.get("message", {}).get("message_id") == message_or_query_id:
            return raw
        if key == "callback_query" and raw.get("callback_query", {}).get("id") == str(
            message_or_query_id
        ):
            return raw
    raise AssertionError(f"no delivered update for {key} {message_or_query_id}")


async def _crash_before_marked_handled(world: World, raw: dict[str, Any]) -> None:
    """Handle `raw` again as if the bot had died after its step but before recording it."""
    update_id = int(raw["update_id"])
    delivery = world.storage.delivery
    for _ in range(200):  # the reply goes out before the update is recorded as handled
        if await delivery.is_processed(update_id):
            break
        await asyncio.sleep(0.01)
    await world.storage.db.execute(
        "DELETE FROM processed_updates WHERE update_id = ?", (update_id,)
    )
    await handle_update(world.app, read_update(raw, world.app.bot))


def _said(user: UserActor, text: str) -> int:
    sent: dict[str, Any] = user.send_text(text)
    return int(sent["message_id"])


async def test_a_repeated_leave_day_is_not_taken_as_the_next_answer(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("leave")
    li.press(await li.next_message(), data="lv:type:personal")
    await li.next_message()
    first_day = _said(li, "2026-12-20")
    assert "Last day" in (await li.next_message())["text"]
    await _crash_before_marked_handled(world, _update_of(world, "message", first_day))
    # The repeat asks the current question again instead of taking 2026-12-20 as last day.
    assert "Last day" in (await li.next_message())["text"]
    state = await world.storage.flows.get(li.id)
    assert state.step == "last" and state.data["first"] == "2026-12-20"
    last_day = _said(li, "2026-12-23")
    assert "Reason" in (await li.next_message())["text"]
    await _crash_before_marked_handled(world, _update_of(world, "message", last_day))
    assert "Reason" in (await li.next_message())["text"]
    _said(li, "Family wedding")
    summary = (await li.next_message())["text"]
    assert "2026-12-20 to 2026-12-23" in summary and "Family wedding" in summary


async def test_a_repeated_calendar_press_does_not_fill_the_last_day(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("leave")
    li.press(await li.next_message(), data="lv:type:sick")
    calendar = await li.next_message()
    query_id = li.press(calendar, data="lv:day:2026-11-26")
    assert "Last day" in (await li.next_message())["text"]
    await _crash_before_marked_handled(world, _update_of(world, "callback_query", query_id))
    assert "Last day" in (await li.next_message())["text"]
    state = await world.storage.flows.get(li.id)
    assert state.step == "last" and "last" not in state.data


async def test_a_repeated_last_join_answer_is_not_a_diary_entry(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei", unit="County Bureau")
    unit = _update_of(world, "message", _last_text_message_id(world, li, "County Bureau"))
    await _crash_before_marked_handled(world, unit)
    answer = (await li.next_message())["text"]
    assert "diary" not in answer.lower() and "already taken" in answer
    assert await world.storage.flows.get(li.id) is None
    [membership] = await world.storage.people.memberships(li.id)
    assert membership.team_name == team.name


def _last_text_message_id(world: World, user: UserActor, text: str) -> int:
    for raw in reversed(world.emu.delivered_updates):
        message = raw.get("message", {})
        if message.get("from", {}).get("id") == user.id and message.get("text") == text:
            return int(message["message_id"])
    raise AssertionError(text)


async def test_a_repeated_default_press_answers_one_wizard_question(world: World) -> None:
    """/newteam: "use the default" answers radius, tz and time alike; a repeat of the press
    that answered the radius must not also answer the timezone."""
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("newteam")
    await admin.next_message()
    admin.send_text("Hilltop")
    await admin.next_message()
    admin.send_location(30.1674, 120.2589)
    radius_q = await admin.next_message()
    query_id = admin.press(radius_q, data="nt:default")
    assert "timezone" in (await admin.next_message())["text"].lower()
    await _crash_before_marked_handled(world, _update_of(world, "callback_query", query_id))
    assert "timezone" in (await admin.next_message())["text"].lower()
    state = await world.storage.flows.get(admin.id)
    assert state.step == "tz" and "tz" not in state.data


async def test_a_repeated_message_is_kept_once_for_the_diary_question(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    sent = _said(li, "Painted the clinic door")
    assert "diary entry" in (await li.next_message())["text"]
    await _crash_before_marked_handled(world, _update_of(world, "message", sent))
    again = await li.next_message()
    assert "diary entry" in again["text"]
    state = await world.storage.flows.get(li.id)
    assert len(state.data["drafts"]) == 1
    li.press(again, data="di:yes:2026-11-25")
    assert "Entries for 2026-11-25: 1" in (await li.next_message())["text"]


async def test_a_repeated_recall_reason_asks_the_confirmation_again(world: World) -> None:
    """/recall: the repeat of the reason that led to the confirmation asks it again, and the
    reason stays the one typed."""
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("recall", str(li.id))
    await admin.next_message()
    reason = _said(admin, "Moved to the county seat")
    assert "Moved to the county seat" in (await admin.next_message())["text"]
    await _crash_before_marked_handled(world, _update_of(world, "message", reason))
    again = await admin.next_message()
    assert "Moved to the county seat" in again["text"] and again.get("reply_markup")
    state = await world.storage.flows.get(admin.id)
    assert state.step == "confirm" and state.data["reason"] == "Moved to the county seat"
