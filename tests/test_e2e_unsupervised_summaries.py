"""Daily summaries of teams without a supervisor go to the administrators (issue 13, item 7's
principle: nothing goes unheard), one message per admin for every such team of a slot, saying
whose teams they are; each team's summary reaches an admin once."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.jobs import schedule_index, serve, sync_teams
from bot.rules.reminders import Kind
from bot.services.summary import send_supervisor_summaries, send_weekly_digest
from tests.sched_helpers import attend
from tests.world import SITE_LAT, SITE_LON, World

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY = date(2026, 12, 1)


async def test_summaries_of_teams_without_a_supervisor_reach_admins_in_one_message(
    world: World,
) -> None:
    world.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    led = await world.team("Xiaoshan")
    fuyang = await world.team("Fuyang")
    linan = await world.team("Linan")
    boss = await world.join(led, role="supervisor", name="Zhang")
    await world.join(led, name="Wu Lei")
    li = await world.join(fuyang, name="Li Wei")
    wang = await world.join(linan, name="Wang Fang")
    admin = world.person("Chen Admin", user_id=world.admin_id)
    admin.send_command("start")
    await admin.next_message()

    # Li checks in on the morning of the 1st; Wang does not.
    world.clock.set(datetime(2026, 12, 1, 7, 50, tzinfo=SHANGHAI))
    li.send_location(SITE_LAT, SITE_LON)
    assert "✅" in (await li.next_message())["text"]
    await attend(world, wang.id, linan.id, TUESDAY, place="out_of_area")

    await sync_teams(world.app)
    index = schedule_index(world.app)
    [slot] = [s for s in index.slots_of[fuyang.id] if s.kind == Kind.SUMMARY.value]
    served = sorted(index.teams_at[slot])
    assert {led.id, fuyang.id, linan.id} <= set(served)
    world.clock.set(datetime(2026, 12, 1, 21, 0, tzinfo=SHANGHAI))
    mark = world.emu.mark()
    assert await serve(world.app, slot, served) == []

    to_admin = [r.params["text"] for r in world.emu.requests[mark:] if r.params.get("chat_id")
                in (admin.id, str(admin.id)) and r.method == "sendMessage"]  # fmt: skip
    [text] = to_admin  # one message for both teams, not one each
    assert "No supervisor in 2 teams" in text and "Fuyang, Linan" in text
    assert "Fuyang: summary for 2026-12-01" in text and "Linan: summary for 2026-12-01" in text
    assert "Li Wei" in text and "Wang Fang" in text
    assert "Xiaoshan" not in text  # a team with a supervisor is its supervisor's
    boss_texts = [m.get("text", "") for m in world.emu.sent_messages(boss.id)]
    assert any("Xiaoshan: summary for 2026-12-01" in x for x in boss_texts)
    assert not any("Fuyang" in x for x in boss_texts)

    # The slot again (a retry, a second process) and the catch-up's per-team call: nothing.
    mark = world.emu.mark()
    assert await serve(world.app, slot, served) == []
    result = await send_supervisor_summaries(world.ctx, world.app.bot, fuyang.id, world.clock.now())
    assert result.sent == [] and result.already == [admin.id]
    assert not [r for r in world.emu.requests[mark:] if r.method == "sendMessage"]
    sent = await world.storage.notifications.sent_refs([("summary", f"{fuyang.id}:2026-12-01")])
    assert sent  # what the catch-up asks after a restart: the summary counts as sent


async def test_one_team_without_a_supervisor_summarised_alone_when_caught_up(
    world: World,
) -> None:
    """The catch-up sends team by team: an unsupervised team's summary still reaches the
    admins, with the late note, in the admin's language."""
    from bot.services.late import LateNote

    world.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    team = await world.team("富阳工作队")
    await world.join(team, name="李伟")
    admin = world.person("陈管理员", language_code="zh-hans", user_id=world.admin_id)
    admin.send_command("start")
    await admin.next_message()
    await world.storage.people.set_language(admin.id, "zh", now=0)
    at = datetime(2026, 12, 1, 21, 40, tzinfo=SHANGHAI)
    world.clock.set(at)
    due = datetime(2026, 12, 1, 21, 0, tzinfo=SHANGHAI)
    late = LateNote(due, "Asia/Shanghai")
    result = await send_supervisor_summaries(world.ctx, world.app.bot, team.id, at, late=late)
    assert result.sent == [admin.id]
    text = world.emu.sent_messages(admin.id)[-1]["text"]
    assert "以下 1 个工作队暂无负责人" in text and "富阳工作队：2026-12-01 日报" in text
    assert "21:00" in text  # the late note says when it was due


async def test_the_catch_up_also_sends_them_together(world: World) -> None:
    from bot.catchup import catch_up

    world.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    teams = [await world.team(name) for name in ("Fuyang", "Linan", "Jiande")]
    for team in teams:
        await world.join(team, name=f"Member of {team.name}")
    admin = world.person("Chen Admin", user_id=world.admin_id)
    admin.send_command("start")
    await admin.next_message()
    # The bot was down from the morning; back at 21:40, after the 21:00 summaries.
    world.clock.set(datetime(2026, 12, 1, 21, 40, tzinfo=SHANGHAI))
    mark = world.emu.mark()
    await catch_up(world.ctx, world.app.bot, world.clock.now())
    to_admin = [r.params["text"] for r in world.emu.requests[mark:] if r.method == "sendMessage"
                and str(r.params.get("chat_id")) == str(admin.id)]  # fmt: skip
    [text] = [x for x in to_admin if "📊" not in x]  # the month's digest is due too
    assert "No supervisor in 3 teams" in text and "21:00" in text
    assert all(f"{team.name}: summary for 2026-12-01" in text for team in teams)


async def test_the_weekly_digest_of_a_team_without_a_supervisor_reaches_the_admins(
    world: World,
) -> None:
    world.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    led = await world.team("Xiaoshan")
    fuyang = await world.team("Fuyang")
    boss = await world.join(led, role="supervisor", name="Zhang")
    await world.join(fuyang, name="Li Wei")
    admin = world.person("Chen Admin", user_id=world.admin_id)
    admin.send_command("start")
    await admin.next_message()

    monday = datetime(2026, 11, 30, 8, 0, tzinfo=SHANGHAI)
    world.clock.set(monday)
    mark = world.emu.mark()
    for team in (led, fuyang):
        sent = await send_weekly_digest(world.ctx, world.app.bot, team.id, monday)
        assert len(sent.sent) == 1
    to_admin = [r.params["text"] for r in world.emu.requests[mark:] if r.params.get("chat_id")
                in (admin.id, str(admin.id)) and r.method == "sendMessage"]  # fmt: skip
    [text] = to_admin  # Fuyang's week; Xiaoshan's is its supervisor's
    assert text.startswith("📊 Fuyang has no supervisor, so its weekly digest comes to you")
    assert "Fuyang: week 2026-11-23 – 2026-11-29" in text and "Li Wei" in text
    assert any("Xiaoshan: week" in m.get("text", "") for m in world.emu.sent_messages(boss.id))
    # Run again (a restart, a second process): nothing more.
    again = await send_weekly_digest(world.ctx, world.app.bot, fuyang.id, monday)
    assert again.sent == []
