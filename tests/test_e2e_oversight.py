"""The supervisor summary, roll calls (manual and drawn), and the evening presence check,
through the real bot and the emulator."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.jobs import draw_and_schedule
from bot.rules.team_hours import Schedule
from bot.services.rollcall import close_rollcall, fire_plan
from bot.services.summary import send_supervisor_summaries
from tests.sched_helpers import attend, diary, leave, logged, markup_of, texts_to
from tests.world import SITE_LAT, SITE_LON, World, offset

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 25)


def _keyboard(markup) -> list[list[dict]]:
    if isinstance(markup, str):
        markup = json.loads(markup)
    return markup["inline_keyboard"]


async def test_summary_on_demand_and_daily(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    ann = await world.join(team, name="Ann")
    bo = await world.join(team, name="Bo")
    cai = await world.join(team, name="Cai")
    dan = await world.join(team, name="Dan")
    eve = await world.join(team, name="Eve")
    ann.send_location(SITE_LAT, SITE_LON)
    await ann.next_message()
    world.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=SH))
    bo.send_location(SITE_LAT, SITE_LON)
    await bo.next_message()
    cai.send_location(*offset(SITE_LAT, SITE_LON, east_m=3000))
    await cai.next_message()
    await cai.next_message()  # asks the reason
    cai.send_text("Taking a villager to hospital")
    await cai.next_message()
    for _ in range(3):  # the out-of-area alert, its point, and the reason
        await boss.next_message()
    await leave(world, eve.id, team.id, DAY, DAY, leave_type="sick")
    pending = await leave(
        world, dan.id, team.id, DAY + timedelta(days=2), DAY + timedelta(days=3), state="pending"
    )
    await diary(world, ann.id, team.id, DAY)

    # On demand, before the cutoff: Dan is "not checked in yet", not missed.
    boss.send_command("summary")
    text = (await boss.next_message())["text"]
    assert "Not checked in yet: 1:\nDan" in text and "On time: 1:\nAnn" in text
    buttons = await boss.next_message()
    [[approve, reject]] = _keyboard(buttons["reply_markup"])
    assert approve["callback_data"] == f"req:approve:{pending}"
    assert reject["callback_data"] == f"req:reject:{pending}"

    # The daily summary at 21:00.
    at = datetime(2026, 11, 25, 21, 0, tzinfo=SH).astimezone(UTC)
    world.clock.set(at)
    result = await send_supervisor_summaries(world.ctx, world.app.bot, team.id, at)
    assert result.sent == [boss.id]
    daily = texts_to(world, boss.id)[-2]
    assert "summary for 2026-11-25 (5 members)" in daily
    assert "Late: 1:\nBo" in daily
    assert "Cai (late): Taking a villager to hospital" in daily
    assert "Missed: 1:\nDan" in daily and "On leave: 1:\nEve (sick)" in daily
    assert "No diary: 3:\nBo, Cai, Dan" in daily
    assert f"#{pending} Dan" in daily
    assert (
        _keyboard(markup_of(world, boss.id)[-1])[0][0]["callback_data"] == f"req:approve:{pending}"
    )
    assert (await send_supervisor_summaries(world.ctx, world.app.bot, team.id, at)).sent == []
    for _ in range(2):  # the daily summary and its buttons, already checked above
        await boss.next_message()

    # A past day on demand, and bad input.
    boss.send_command("summary", "2026-11-24")
    assert "summary for 2026-11-24" in (await boss.next_message())["text"]
    assert "pending" in (await boss.next_message())["text"]  # the buttons again
    boss.send_command("summary", "someday")  # (yesterday is understood)
    assert "YYYY-MM-DD" in (await boss.next_message())["text"]
    # Members do not get summaries.
    ann.send_command("summary")
    assert "supervisors" in (await ann.next_message())["text"]


async def test_large_team_summary_is_split_cleanly(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    now = datetime(2026, 11, 25, 13, 0, tzinfo=SH)
    world.clock.set(now)
    names = []
    for i in range(260):
        uid = 50_000 + i
        name = f"Member-with-a-rather-long-name-{i:03d}"
        names.append(name)
        await world.storage.people.ensure(uid, now=0)
        await world.storage.people.set_profile(uid, name=name, unit="U")
        await world.storage.people.join(uid, team.id, "member", unit="U", code="x", now=0)
        if i % 2:
            await attend(world, uid, team.id, DAY)
    boss.send_command("summary")
    parts = [await boss.next_message() for _ in range(3)]
    assert all(len(p["text"]) <= 4096 for p in parts)
    joined = "\n".join(p["text"] for p in parts)
    assert all(n in joined for n in names)
    # Names are never cut in half across messages.
    for p in parts:
        for line in p["text"].split(", "):
            assert (
                "Member-with-a-rather-long-name-" not in line or len(line.split("name-")[-1]) >= 3
            )


async def test_rollcall_present_out_of_area_silent(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    here = await world.join(team, name="Here")
    far = await world.join(team, name="Far")
    silent = await world.join(team, name="Silent")
    away = await world.join(team, name="Away")
    await leave(world, away.id, team.id, DAY, DAY)
    world.person("Admin", user_id=world.admin_id)  # the admin has a chat with the bot
    world.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=SH))
    boss.send_command("rollcall")
    started = (await boss.next_message())["text"]
    assert "3 asked, 1 on leave" in started and "10:30" in started
    for u in (here, far, silent):
        assert "LIVE location" in (await u.next_message())["text"]
    # A static pin is not an answer: asked again.
    here.send_location(SITE_LAT, SITE_LON)
    assert "LIVE" in (await here.next_message())["text"]
    here.send_location(*offset(SITE_LAT, SITE_LON, north_m=50), live_period=900)
    assert "present" in (await here.next_message())["text"]
    far.send_location(*offset(SITE_LAT, SITE_LON, north_m=5000), live_period=900)
    assert "OUT OF AREA" in (await far.next_message())["text"]
    # The roll call answer is not a check-in.
    assert await world.storage.checkins.for_person_day(here.id, DAY) == []

    [(rollcall_id, _)] = await world.storage.rollcalls.open_ids()
    close_at = datetime(2026, 11, 25, 10, 30, tzinfo=SH).astimezone(UTC)
    world.clock.set(close_at)
    result = await close_rollcall(world.ctx, world.app.bot, rollcall_id, close_at)
    assert sorted(result.sent) == sorted([boss.id, world.admin_id])
    text = texts_to(world, boss.id)[-1]
    assert "Present: 1\n• Here" in text
    assert "Out of area: 1\n• Far (absences in 2026: 1)" in text
    assert "No answer: 1\n• Silent (absences in 2026: 1)" in text
    assert "Away" not in text
    outcomes = {
        r.telegram_id: r.outcome for r in await world.storage.rollcalls.results(rollcall_id)
    }
    assert outcomes == {here.id: "present", far.id: "out_of_area", silent.id: "no_answer"}
    # Closing twice changes nothing and sends nothing.
    assert (await close_rollcall(world.ctx, world.app.bot, rollcall_id, close_at)).sent == []
    # A location after the close is an ordinary check-in again.
    silent.send_location(SITE_LAT, SITE_LON, live_period=900)
    assert "Check-in recorded" in (await silent.next_message())["text"]
    absences = await world.storage.rollcalls.absences([here.id, far.id, silent.id], 2026)
    assert absences == {far.id: 1, silent.id: 1}


async def test_rollcall_one_member_and_refusals(world: World) -> None:
    team = await world.team()
    await world.join(team, role="supervisor", name="Boss")
    member = await world.join(team, name="Solo Member")
    other = await world.join(team, name="Other")
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("rollcall", "Solo Member")
    assert "1 asked" in (await admin.next_message())["text"]
    assert "LIVE" in (await member.next_message())["text"]
    other.send_command("rollcall")
    assert "supervisors and administrators" in (await other.next_message())["text"]
    admin.send_command("rollcall", "Nobody")
    assert "Nobody" in (await admin.next_message())["text"]


async def test_random_draw_is_told_to_nobody_but_the_admin_log(world: World) -> None:
    teams = [await world.team(name=f"Team {i}") for i in range(6)]
    for team in teams:
        await world.join(team, role="supervisor", name=f"Boss {team.id}")
        await world.join(team, name=f"Member {team.id}")
    monday = datetime(2026, 11, 23, 0, 5, tzinfo=SH)
    world.clock.set(monday)
    sent_before = len(world.emu.requests)
    jobs = await draw_and_schedule(world.app, random.Random(42))
    assert 3 <= len(jobs) <= 5
    assert await world.storage.audit.recent(action="rollcall.draw") == []
    # The admin log says which teams were drawn for when; no team hears a word of it.
    logs = await world.storage.audit.recent(action="rollcall.plan")
    plans = await world.storage.rollcalls.unfired_plans()
    assert sorted((x["team_id"], json.loads(x["after"])["at"]) for x in logs) == sorted(
        (p.team_id, datetime.fromtimestamp(p.at, SH).isoformat()) for p in plans
    )
    names = {t.id: t.name for t in teams}
    assert all(json.loads(x["after"])["team"] == names[x["team_id"]] for x in logs)
    assert {x["subject"] for x in logs} == {"2026-W48"}
    assert not [r for r in world.emu.requests[sent_before:] if r.method == "sendMessage"]
    # Drawing again the same week adds nothing.
    assert len(await draw_and_schedule(world.app, random.Random(7))) == len(jobs)
    assert len(await world.storage.audit.recent(action="rollcall.plan")) == len(jobs)
    first = plans[0]
    at = datetime.fromtimestamp(first.at, UTC)
    world.clock.set(at)
    started = await fire_plan(world.ctx, world.app.bot, first.id, at)
    assert started is not None and started.rollcall_id is not None
    [audit] = await world.storage.audit.recent(action="rollcall.draw")
    assert audit["team_id"] == first.team_id and audit["subject"] == str(started.rollcall_id)
    assert await fire_plan(world.ctx, world.app.bot, first.id, at) is None
    assert len(await world.storage.rollcalls.unfired_plans()) == len(plans) - 1


async def test_evening_presence_check(world: World) -> None:
    team = await world.team()
    await world.storage.teams.set_schedule(team.id, Schedule(evening_enabled=True), False)
    li = await world.join(team, name="Li")
    li.send_location(SITE_LAT, SITE_LON)
    await li.next_message()
    world.clock.set(datetime(2026, 11, 25, 21, 0, tzinfo=SH))
    li.send_location(*offset(SITE_LAT, SITE_LON, north_m=40))
    assert "Evening presence recorded: on site" in (await li.next_message())["text"]
    rows = await world.storage.checkins.for_person_day(li.id, DAY)
    assert [r["kind"] for r in rows] == ["morning", "evening"]
    day = await world.storage.checkins.day_state(li.id, team.id, DAY)
    assert day["timing"] == "on_time"  # the morning is untouched
    # Evening reminders only go to those with no evening location yet.
    from bot.services.reminders import send_evening_reminders

    wang = await world.join(team, name="Wang")
    at = datetime(2026, 11, 25, 21, 5, tzinfo=SH).astimezone(UTC)
    result = await send_evening_reminders(world.ctx, world.app.bot, team.id, at)
    assert result.sent == [wang.id]
    assert ("evening_reminder", wang.id, "2026-11-25") in await logged(world)
