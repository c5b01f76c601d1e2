"""The catch-up after an outage, through the real bot and the emulator, with the clock
injected: down across the 1st at 08:00, across Monday 08:00, across a roll-call deadline,
past a leave's 48 h mark. Each notice goes out once and says it is late."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.app import build_application, polling
from bot.catchup import catch_up
from bot.clock import FixedClock
from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.services.compliance import send_monthly_compliance
from bot.services.rollcall import start_rollcall
from tests.conftest import ADMIN_ID
from tests.sched_helpers import attend, leave, texts_to
from tests.world import World

SH = ZoneInfo("Asia/Shanghai")
LATE = "Sent late: this was due"


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


async def _restart_at(world: World, *args: int) -> dict:  # type: ignore[type-arg]
    now = _at(*args)
    world.clock.set(now)
    return await catch_up(world.ctx, world.app.bot, now)


def _with(world: World, chat_id: int, marker: str) -> list[str]:
    return [x for x in texts_to(world, chat_id) if marker in x]


async def _admin(world: World) -> int:
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("start")
    await admin.next_message()
    return world.admin_id


async def test_down_across_the_first_at_0800_sends_last_months_report_once(world: World) -> None:
    team = await world.team()  # created 2026-11-25 07:00
    boss = await world.join(team, role="supervisor", name="Boss")
    li = await world.join(team, name="Li")
    admin = await _admin(world)
    await attend(world, li.id, team.id, date(2026, 11, 26))
    # Down from 30 November evening until 1 December 10:15.
    done = await _restart_at(world, 2026, 12, 1, 10, 15)
    assert done[(team.id, "monthly_compliance:2026-11")] == 2
    for reader in (boss.id, admin):
        [report] = _with(world, reader, "Monthly compliance")
        assert "2026-11" in report and f"{LATE} 2026-12-01 08:00 (Asia/Shanghai)" in report
        assert [m for m in world.emu.sent_messages(reader) if "document" in m]
    # A second restart, and the scheduled job itself, send nothing more.
    again = await _restart_at(world, 2026, 12, 1, 10, 20)
    assert not any(k[1].startswith("monthly_compliance") for k in again)
    assert await send_monthly_compliance(world.ctx, world.app.bot, team_id=team.id) == 0
    assert len(_with(world, boss.id, "Monthly compliance")) == 1
    # October was before the team existed: never owed.
    assert not any(k[1] == "monthly_compliance:2026-10" for k in done)


async def test_down_across_monday_0800_sends_that_weeks_digest_once(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    li = await world.join(team, name="Li")
    for day in (25, 26, 27):
        await attend(world, li.id, team.id, date(2026, 11, day))
    # Down from Sunday 29 November until Wednesday 2 December: Monday's digest (23–29
    # November) is still this week's news; the digest of the week before today is not it.
    done = await _restart_at(world, 2026, 12, 2, 9, 0)
    assert done[(team.id, "weekly_digest")].sent == [boss.id]
    [digest] = _with(world, boss.id, "2026-11-23")
    assert "Li: 3 / 0 / 0" in digest
    assert f"{LATE} 2026-11-30 08:00" in digest
    again = await _restart_at(world, 2026, 12, 2, 9, 5)
    assert (team.id, "weekly_digest") not in again
    assert len(_with(world, boss.id, "2026-11-23")) == 1


async def test_down_across_a_rollcall_deadline_closes_it_once_late(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    silent = await world.join(team, name="Silent")
    admin = await _admin(world)
    world.clock.set(_at(2026, 11, 25, 10, 0))
    started = await start_rollcall(world.ctx, world.app.bot, team, now=world.clock.now())
    assert started.rollcall_id is not None
    # Down from 10:05 until 12:00; the deadline (10:30) passed meanwhile.
    done = await _restart_at(world, 2026, 11, 25, 12, 0)
    result = done[(None, f"rollcall_close:{started.rollcall_id}")]
    assert sorted(result.sent) == sorted([boss.id, admin])
    [text] = _with(world, boss.id, "No answer: 1")
    assert "Silent" in text and f"{LATE} 2026-11-25 10:30" in text
    outcomes = await world.storage.rollcalls.results(started.rollcall_id)
    assert [(r.telegram_id, r.outcome) for r in outcomes] == [(silent.id, "no_answer")]
    again = await _restart_at(world, 2026, 11, 25, 12, 5)
    assert not any(k[1].startswith("rollcall_close") for k in again)
    assert len(_with(world, boss.id, "No answer: 1")) == 1


async def test_down_past_a_leaves_48h_mark_escalates_once_late(world: World) -> None:
    team = await world.team()
    await world.join(team, role="supervisor", name="Boss")
    li = await world.join(team, name="Li")
    admin = await _admin(world)
    request_id = await leave(
        world, li.id, team.id, date(2026, 12, 1), date(2026, 12, 2), state="pending"
    )
    created = _at(2026, 11, 25, 9, 0).timestamp()
    await world.storage.db.execute(
        "UPDATE requests SET created_at = ? WHERE id = ?", (created, request_id)
    )
    # Down from the 26th until the 27th 15:00: past both marks, the escalation goes out.
    done = await _restart_at(world, 2026, 11, 27, 15, 0)
    assert done[(None, "leave_followups")] == 1
    [escalated] = _with(world, admin, LATE)
    assert "2026-11-27 09:00" in escalated
    again = await _restart_at(world, 2026, 11, 27, 15, 5)
    assert again[(None, "leave_followups")] == 0


async def test_down_across_0900_sends_the_days_vacancy_reminder_once_late(world: World) -> None:
    from bot.services.recall import recall_member

    team = await world.team()
    li = await world.join(team, name="Li")
    admin = await _admin(world)
    await recall_member(world.ctx, member_id=li.id, team=team, reason="moved", actor_id=None)
    # Open 7 days by 2 December 09:00; the bot was down from 08:00 until 11:30.
    done = await _restart_at(world, 2026, 12, 2, 11, 30)
    assert done[(None, "vacancy_reminder")] == 1
    [reminder] = _with(world, admin, "vacancy")
    assert f"{LATE} 2026-12-02 09:00" in reminder
    again = await _restart_at(world, 2026, 12, 2, 11, 35)
    assert again[(None, "vacancy_reminder")] == 0
    # Restarted before 09:00 the next day: that day's reminder is the scheduler's, not owed yet.
    assert (None, "vacancy_reminder") not in await _restart_at(world, 2026, 12, 3, 8, 0)


async def test_a_real_restart_after_the_first_sends_the_report_through_the_start_up_pass(
    settings: Settings, emu: BotApiEmulator, clock: FixedClock
) -> None:
    first = build_application(settings, clock=clock)
    async with polling(first, poll_timeout=1):
        world = World(
            emu=emu, app=first, ctx=first.bot_data["outpost"], clock=clock, admin_id=ADMIN_ID
        )
        team = await world.team()
        boss = await world.join(team, role="supervisor", name="Boss")
        await world.join(team, name="Li")
    clock.set(datetime(2026, 12, 1, 9, 40, tzinfo=SH))
    second = build_application(settings, clock=clock)
    async with polling(second, poll_timeout=1):
        report = await boss.next_message()
        while "Monthly compliance" not in report.get("text", ""):
            report = await boss.next_message()
        assert f"{LATE} 2026-12-01 08:00" in report["text"] and team.name in report["text"]
