"""Group chats reveal nothing (issue 12, item 2): every command there gets the same short
answer whoever asks, touches nobody's private flow, and a stranger's forged approve button
learns nothing about teams or requests."""

from __future__ import annotations

from typing import Any

from tests.world import World

GROUP_COMMANDS = ("help", "export", "newteam", "cancel", "start", "checkin", "summary", "recall")


async def _group_answers(world: World, user: Any, group: Any) -> list[str]:
    answers = []
    for command in GROUP_COMMANDS:
        mark = world.emu.mark()
        user.send_command(command, chat=group)
        record = await world.emu.wait_for(
            lambda r: r.method == "sendMessage" and r.params.get("chat_id") == group.id,
            since=mark,
        )
        answers.append(str(record.params["text"]))
    return answers


async def test_every_command_in_a_group_gets_the_same_answer_whoever_asks(world: World) -> None:
    team = await world.team()
    people = {
        "stranger": world.person("Eve"),
        "member": await world.enroll(team, name="Li Wei"),
        "supervisor": await world.enroll(team, "supervisor", name="Zhang"),
        "admin": world.person("Admin", user_id=world.admin_id),
    }
    # A group of its own for each asker: one group may get only 20 messages a minute, and
    # the bot keeps to that (bot/pacing.py), which would make this test wait.
    seen = {
        role: await _group_answers(world, user, world.emu.group(-100_770 - i, "Work group"))
        for i, (role, user) in enumerate(people.items())
    }
    texts = {text for answers in seen.values() for text in answers}
    assert len(texts) == 1, seen
    assert "private chat" in texts.pop()


async def test_cancel_in_a_group_leaves_the_private_flow_alone(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li Wei")
    await world.storage.flows.set(li.id, "leave", "reason", {"type": "sick"}, now=0)
    group = world.emu.group(-100_778, "Village work group")
    li.send_command("cancel", chat=group)
    await world.emu.wait_for(lambda r: r.params.get("chat_id") == group.id)
    state = await world.storage.flows.get(li.id)
    assert state is not None and state.flow == "leave"


async def test_a_strangers_forged_approve_button_learns_nothing(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team, name="Li Wei")
    request_id = await world.storage.db.execute(
        "INSERT INTO requests(kind, telegram_id, team_id, leave_type, first_day, last_day,"
        " days, reason, created_at) VALUES ('leave', ?, ?, 'personal', '2026-11-26',"
        " '2026-11-26', 1, 'family', 0)",
        (li.id, team.id),
    )
    eve = world.person("Eve")
    answers = []
    for data in (f"req:approve:{request_id}", "req:approve:999999", f"req:reject:{request_id}"):
        qid = eve.press_raw(data)
        record = await world.emu.wait_for(
            # mypy cannot type a lambda's captured default; the emulator passes a record
            lambda r, qid=qid: (  # type: ignore[misc]
                r.method == "answerCallbackQuery" and str(r.params.get("callback_query_id")) == qid
            ),
            since=0,
        )
        answers.append(record.params.get("text"))
    assert len(set(answers)) == 1 and "not for you" in answers[0], answers
