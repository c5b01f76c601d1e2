"""The evening presence check judged like the morning: an out-of-area evening location
alerts the supervisor at once, is stored with an evening outcome of its own, and the 21:00
summary shows the night (and who cannot be reached)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.rules.team_hours import Schedule
from bot.services.summary import send_supervisor_summaries
from tests.sched_helpers import leave, texts_to
from tests.world import SITE_LAT, SITE_LON, World, offset

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 25)


async def test_an_evening_out_of_area_alerts_and_the_summary_shows_the_night(world: World) -> None:
    team = await world.team()
    await world.storage.teams.set_schedule(team.id, Schedule(evening_enabled=True), False)
    boss = await world.join(team, role="supervisor", name="Boss")
    li = await world.join(team, name="Li")
    wang = await world.join(team, name="Wang")
    zhao = await world.join(team, name="Zhao")
    sun = await world.join(team, name="Sun")
    await leave(world, sun.id, team.id, DAY, DAY)
    li.send_location(SITE_LAT, SITE_LON)
    await li.next_message()
    alerts_before = len([x for x in texts_to(world, boss.id) if "out of area" in x.lower()])

    world.clock.set(datetime(2026, 11, 25, 20, 30, tzinfo=SH))
    li.send_location(*offset(SITE_LAT, SITE_LON, north_m=40))
    assert "Evening presence recorded: on site" in (await li.next_message())["text"]
    wang.send_location(*offset(SITE_LAT, SITE_LON, north_m=2200))
    assert "OUT OF AREA, 2.2 km" in (await wang.next_message())["text"]
    assert "send the reason" in (await wang.next_message())["text"]
    # The supervisor hears at once, with the point, as for a morning check-in.
    alert = await boss.next_message()
    while "Evening check out of area" not in alert.get("text", ""):
        alert = await boss.next_message()
    assert "Wang" in alert["text"] and "2.2 km" in alert["text"]
    assert "location" in await boss.next_message()
    wang.send_text("Took my father to the county hospital")
    assert "Reason recorded" in (await wang.next_message())["text"]
    assert "county hospital" in (await boss.next_message())["text"]
    # A second location from afar the same night alerts nobody again.
    wang.send_location(*offset(SITE_LAT, SITE_LON, north_m=2300))
    await wang.next_message()
    evening_alerts = [x for x in texts_to(world, boss.id) if "Evening check out of area" in x]
    assert len(evening_alerts) == 1 and alerts_before == 0

    # Stored with an evening outcome, not a morning timing.
    rows = await world.storage.db.fetchall(
        "SELECT telegram_id, place, timing FROM checkins WHERE kind = 'evening' ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        (li.id, "on_site", "evening_present"),
        (wang.id, "out_of_area", "evening_out_of_area"),
        (wang.id, "out_of_area", "evening_out_of_area"),
    ]
    assert (await world.storage.checkins.day_state(li.id, team.id, DAY))["timing"] == "on_time"

    await world.storage.people.set_unreachable(zhao.id, True)
    at = datetime(2026, 11, 25, 21, 0, tzinfo=SH).astimezone(UTC)
    world.clock.set(at)
    await send_supervisor_summaries(world.ctx, world.app.bot, team.id, at)
    summary = texts_to(world, boss.id)[-1]
    assert "🌙 Evening check (20:00–23:59):" in summary
    assert "• On site: 1: Li" in summary
    assert "• Out of area: 1:\n  Wang: Took my father to the county hospital" in summary
    # 21:00 is inside the window: "not yet", never "absent"; Sun is on leave.
    assert "• No evening location yet: 1: Zhao" in summary
    assert "Sun" not in summary.split("🌙")[1]
    unreachable = summary.split("📵 Unreachable")[1].split("\n\n")[0]
    assert "Zhao" in unreachable and "Li" not in unreachable


async def test_a_chinese_supervisor_reads_the_night_in_chinese(world: World) -> None:
    team = await world.team()
    await world.storage.teams.set_schedule(team.id, Schedule(evening_enabled=True), False)
    boss = await world.join(team, role="supervisor", name="张队长", language_code="zh-hans")
    await world.storage.people.set_language(boss.id, "zh", now=0)
    wang = await world.join(team, name="王芳")
    wang.send_location(SITE_LAT, SITE_LON)
    await wang.next_message()
    await world.join(team, name="李静")
    world.clock.set(datetime(2026, 11, 26, 0, 30, tzinfo=SH))
    # The next morning, yesterday's summary on demand: the window is over.
    boss.send_command("summary", "2026-11-25")
    text = (await boss.next_message())["text"]
    while "晚间" not in text:
        text = (await boss.next_message())["text"]
    assert "🌙 晚间在岗核查（20:00–23:59）" in text
    assert "• 未发送晚间位置：2：李静、王芳" in text
