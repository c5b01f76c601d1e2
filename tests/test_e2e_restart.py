"""Conversations live in storage: a bot stopped mid-conversation and started again (same
database, same Telegram) carries on where the member was."""

from __future__ import annotations

from datetime import date

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.config import Settings
from bot.emulator import BotApiEmulator
from tests.conftest import ADMIN_ID
from tests.world import World


async def test_leave_and_diary_question_survive_a_restart(
    settings: Settings, emu: BotApiEmulator, clock: FixedClock
) -> None:
    first = build_application(settings, clock=clock)
    async with polling(first, poll_timeout=1):
        world = World(
            emu=emu, app=first, ctx=first.bot_data["outpost"], clock=clock, admin_id=ADMIN_ID
        )
        team = await world.team()
        boss = await world.join(team, role="supervisor", name="Zhang")
        li = await world.join(team, name="Li Wei")
        wang = await world.join(team, name="Wang Fang")
        li.send_command("leave")
        ask = await li.next_message()
        li.press(ask, data="lv:type:training")
        await li.next_message()
        li.send_text("tomorrow")
        assert "Last day" in (await li.next_message())["text"]
        wang.send_text("Painted the clinic door")
        question = await wang.next_message()
        assert "diary entry" in question["text"]

    async def next_reply(user):  # the restarted scheduler also catches up the 07:00 reminder
        while (message := await user.next_message())["text"].startswith("⏰"):
            reminders.append(user.id)
        return message

    reminders: list[int] = []
    second = build_application(settings, clock=clock)
    async with polling(second, poll_timeout=1):
        ctx = second.bot_data["outpost"]
        li.send_text("2026-11-28")
        assert "Reason" in (await next_reply(li))["text"]
        li.send_text("County training course")
        summary = await next_reply(li)
        assert "Training" in summary["text"] and "2026-11-26 to 2026-11-28" in summary["text"]
        li.press(summary, data="lv:ok")
        assert "sent to 1 approver" in (await next_reply(li))["text"]
        assert "County training course" in (await next_reply(boss))["text"]
        wang.press(question, data="di:yes:2026-11-25")
        assert "Entries for 2026-11-25: 1" in (await next_reply(wang))["text"]
        [entry] = await ctx.storage.diary.of_person_day(wang.id, date(2026, 11, 25))
        assert entry.text == "Painted the clinic door"
