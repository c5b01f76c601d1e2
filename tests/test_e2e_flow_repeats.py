"""A conversation step is applied once (issue 11). A crash after a step was stored but before
its update was marked handled makes Telegram deliver that update again; the repeat must not
answer the next question (the "Reason: 2026-12-23" leave) nor fall out of the flow (a join's
last answer coming back as "diary entry?"). Each test replays the exact crash window: the
update's "handled" mark is removed and the same update handled again."""

from __future__ import annotations

import asyncio
import json
from datetime import date
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
    """Handle `raw` again as if the bot had died after its step but before it finished: the
    step's transaction recorded the update as handled but unfinished (storage/flows.py), the
    poller's final mark never came."""
    update_id = int(raw["update_id"])
    await _until_finished(world, update_id)
    assert await world.storage.delivery.handled(update_id) is True
    await world.storage.db.execute(
        "UPDATE processed_updates SET finished = 0 WHERE update_id = ?", (update_id,)
    )
    await handle_update(world.app, read_update(raw, world.app.bot))


async def _until_finished(world: World, update_id: int) -> None:
    for _ in range(200):  # the reply goes out before the update is recorded as finished
        if await world.storage.delivery.is_processed(update_id):
            return
        await asyncio.sleep(0.01)


async def _asked_for_first_day(world: World) -> UserActor:
    """A member in /leave, personal leave chosen, asked for the first day."""
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("leave")
    li.press(await li.next_message(), data="lv:type:personal")
    await li.next_message()
    return li


def _said(user: UserActor, text: str) -> int:
    sent: dict[str, Any] = user.send_text(text)
    return int(sent["message_id"])


async def test_a_repeated_leave_day_is_not_taken_as_the_next_answer(world: World) -> None:
    li = await _asked_for_first_day(world)
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


async def test_a_repeated_message_is_kept_once_and_asked_about_once(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    sent = _said(li, "Painted the clinic door")
    question = await li.next_message()
    assert "diary entry" in question["text"]
    before = len(li.sent_messages())
    await _crash_before_marked_handled(world, _update_of(world, "message", sent))
    # The question went out before the crash (recorded once sent): it is not asked twice.
    assert len(li.sent_messages()) == before
    state = await world.storage.flows.get(li.id)
    assert len(state.data["drafts"]) == 1
    li.press(question, data="di:yes:2026-11-25")
    assert "Entries for 2026-11-25: 1" in (await li.next_message())["text"]
    [entry] = await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))
    assert entry.text == "Painted the clinic door"


async def test_a_diary_question_lost_in_a_crash_is_asked_after_it(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    sent = _said(li, "Painted the clinic door")
    assert "diary entry" in (await li.next_message())["text"]
    raw = _update_of(world, "message", sent)
    await _until_finished(world, int(raw["update_id"]))
    # The crash came after the message was kept but before the question was sent.
    await world.storage.db.execute(
        "DELETE FROM notifications WHERE kind = ? AND telegram_id = ?", ("diary.ask", li.id)
    )
    await _crash_before_marked_handled(world, raw)
    assert "diary entry" in (await li.next_message())["text"]
    await _crash_before_marked_handled(world, raw)  # now it went out: not again
    asked = [m for m in li.sent_messages() if "diary entry" in m.get("text", "")]
    assert len(asked) == 2


async def test_a_repeated_diary_yes_stores_each_entry_once(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    _said(li, "Painted the clinic door")
    question = await li.next_message()
    query_id = li.press(question, data="di:yes:2026-11-25")
    assert "Entries for 2026-11-25: 1" in (await li.next_message())["text"]
    await _crash_before_marked_handled(world, _update_of(world, "callback_query", query_id))
    assert len(await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))) == 1
    assert await world.storage.flows.get(li.id) is None


async def test_a_repeated_diary_entry_is_saved_once_to_its_day(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("diary")
    assert "2026-11-25" in (await li.next_message())["text"]
    sent = _said(li, "Fixed the pump")
    assert "2026-11-25" in (await li.next_message())["text"]
    await _until_finished(world, int(_update_of(world, "message", sent)["update_id"]))
    # No step was stored for an entry (it is the entry row itself, unique per message): the
    # crash window is the whole update, so it comes back unrecorded.
    await world.storage.db.execute(
        "DELETE FROM processed_updates WHERE update_id = ?",
        (int(_update_of(world, "message", sent)["update_id"]),),
    )
    before = len(li.sent_messages())
    await handle_update(world.app, read_update(_update_of(world, "message", sent), world.app.bot))
    assert len(li.sent_messages()) == before
    [entry] = await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))
    assert entry.text == "Fixed the pump"
    state = await world.storage.flows.get(li.id)
    assert state.flow == "diary" and state.data == {"day": "2026-11-25"}


async def test_a_repeated_export_answer_does_not_answer_the_next_question(world: World) -> None:
    team = await world.team()
    await world.team(name="Other")
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("export")
    admin.press(await admin.next_message(), text="Type a range")
    await admin.next_message()
    typed = _said(admin, "2026-11-01 2026-11-20")
    assert "2026-11-01 – 2026-11-20" in (await admin.next_message())["text"]
    await _crash_before_marked_handled(world, _update_of(world, "message", typed))
    # The team question again; the range is not taken for a team name.
    again = await admin.next_message()
    assert "2026-11-01 – 2026-11-20" in again["text"] and "No team" not in again["text"]
    state = await world.storage.flows.get(admin.id)
    assert state.step == "team" and state.data == {"first": "2026-11-01", "last": "2026-11-20"}
    named = _said(admin, team.name)
    assert team.name in (await admin.next_message())["text"]
    await _crash_before_marked_handled(world, _update_of(world, "message", named))
    ask_format = await admin.next_message()
    assert team.name in ask_format["text"]
    state = await world.storage.flows.get(admin.id)
    assert state.step == "format" and state.data["team"] == team.id
    query_id = admin.press(ask_format, text="CSV")
    done = await _next_containing(admin, "✅")
    assert "2026-11-01" in done["text"] and team.name in done["text"]
    await _crash_before_marked_handled(world, _update_of(world, "callback_query", query_id))
    assert "already taken" in (await _next_text(admin))["text"]
    (audit,) = await world.storage.audit.recent(limit=20, action="export")
    options = json.loads(audit["after"])
    assert (options["from"], options["to"], options["team_id"], options["format"]) == (
        "2026-11-01",
        "2026-11-20",
        team.id,
        "csv",
    )


async def test_a_repeated_recall_reason_is_not_taken_twice(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei", unit="County Bureau")
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("recall")
    admin.press(await admin.next_message(), text=team.name)
    admin.press(await admin.next_message(), text="Li Wei · County Bureau")
    await admin.next_message()
    reason = _said(admin, "needed back at the bureau")
    confirm = await admin.next_message()
    assert "Recall Li Wei" in confirm["text"]
    await _crash_before_marked_handled(world, _update_of(world, "message", reason))
    await admin.next_message()
    state = await world.storage.flows.get(admin.id)
    assert state.step == "confirm" and state.data["reason"] == "needed back at the bureau"
    admin.press(confirm, text="✅ Confirm")
    assert "needed back at the bureau" in (await li.next_message())["text"]
    (audit,) = await world.storage.audit.recent(limit=20, action="member.recall")
    assert audit["subject"] == str(li.id)


async def _next_text(user: UserActor) -> dict[str, Any]:
    message = await user.next_message()
    while "document" in message:
        message = await user.next_message()
    return message


async def _next_containing(user: UserActor, text: str) -> dict[str, Any]:
    message = await _next_text(user)
    while text not in message.get("text", ""):
        message = await _next_text(user)
    return message


async def test_an_older_step_update_coming_back_late_is_dropped(world: World) -> None:
    """An update whose step was stored (handled, unfinished) but which a later update has
    since moved past: it comes back only late (another chat of the person's, a stuck
    handler), and is dropped rather than taken as the current step's answer."""
    li = await _asked_for_first_day(world)
    first_day_id = _said(li, "2026-12-20")
    await li.next_message()
    first_day = _update_of(world, "message", first_day_id)
    _said(li, "2026-12-23")
    assert "Reason" in (await li.next_message())["text"]
    before = len(li.sent_messages())
    await _crash_before_marked_handled(world, first_day)
    assert len(li.sent_messages()) == before
    state = await world.storage.flows.get(li.id)
    assert state.step == "reason" and (state.data["first"], state.data["last"]) == (
        "2026-12-20",
        "2026-12-23",
    )
    assert "reason" not in state.data


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
