"""What a new administrator, supervisor and member trip on (issue 13), through the real bot
against the emulator: each test here failed before its fix."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.emulator import UserActor
from tests.conftest import SHANGHAI
from tests.world import SITE_LAT, SITE_LON, World


async def _request_id(prompt: dict[str, Any]) -> int:
    return int(prompt["text"].split("#")[1].split()[0])


async def _approved_makeup(world: World, boss: UserActor, li: UserActor, day: str) -> None:
    li.send_command("makeup", day)
    await li.next_message()
    li.send_text("Phone battery died in the field")
    summary = await li.next_message()
    li.press(summary, data="lv:ok")
    await li.next_message()
    prompt = await boss.next_message()
    boss.press(prompt, data=f"req:approve:{await _request_id(prompt)}")
    assert "counts as attended" in (await li.next_message())["text"]


async def _moves(world: World, user: UserActor, team: Any) -> dict[str, Any]:
    """The member opens an invite into another team and confirms the move; the welcome."""
    from bot.services.teams import create_invite

    invite = await create_invite(world.ctx, team, "member", actor_id=None)
    user.send_command("start", invite.code)
    user.press(await user.next_message(), data=f"join:{invite.code}")
    await user.next_message()
    user.send_text("Li Wei")
    await user.next_message()
    user.send_text("Bureau")
    return await user.next_message()


async def test_checkin_on_a_made_up_day_is_recorded_not_a_crash(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    world.clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=SHANGHAI))
    await _approved_makeup(world, boss, li, "today")
    world.clock.advance(minutes=30)
    li.send_location(SITE_LAT, SITE_LON)
    text = (await li.next_message())["text"]
    assert "went wrong" not in text
    assert "already counted" in text and "made up" in text
    day = await world.storage.checkins.day_state(li.id, team.id, date(2026, 11, 25))
    assert day["timing"] == "made_up"


async def test_newteam_checks_each_time_when_given_and_asks_the_cutoff(world: World) -> None:
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("newteam")
    await admin.next_message()
    admin.send_text("Night Shift")
    await admin.next_message()
    admin.send_location(SITE_LAT, SITE_LON)
    radius_q = await admin.next_message()
    admin.press(radius_q, data="nt:default")
    tz_q = await admin.next_message()
    admin.press(tz_q, data="nt:default")
    await admin.next_message()
    admin.send_text("05:00")  # before check-in opens: refused now, with the reason
    assert "05:30" in (await admin.next_message())["text"]
    admin.send_text("16:00")
    cutoff_q = await admin.next_message()
    assert "cutoff" in cutoff_q["text"].lower() and "16:10" in cutoff_q["text"]
    admin.send_text("12:00")  # before the end of the grace: refused with the reason
    refused = (await admin.next_message())["text"]
    assert "16:10" in refused and "went wrong" not in refused
    admin.send_text("18:00")
    confirm = await admin.next_message()
    assert "16:00" in confirm["text"] and "18:00" in confirm["text"]
    admin.press(confirm, data="nt:confirm")
    created = (await admin.next_message())["text"]
    assert "https://t.me/" in created
    team = await world.storage.teams.by_name("Night Shift")
    assert f"{team.schedule.on_time:%H:%M}-{team.schedule.cutoff:%H:%M}" == "16:00-18:00"


async def test_newteam_default_cutoff_fits_a_late_checkin_time(world: World) -> None:
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("newteam")
    await admin.next_message()
    admin.send_text("Afternoon")
    await admin.next_message()
    admin.send_location(SITE_LAT, SITE_LON)
    for _ in range(2):
        admin.press(await admin.next_message(), data="nt:default")
    await admin.next_message()
    admin.send_text("16:00")
    admin.press(await admin.next_message(), data="nt:default")
    admin.press(await admin.next_message(), data="nt:confirm")
    assert "https://t.me/" in (await admin.next_message())["text"]
    team = await world.storage.teams.by_name("Afternoon")
    assert team.schedule.cutoff > team.schedule.on_time


def _texts_to(world: World, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in world.emu.sent_messages(chat_id)]


async def _close_all(world: World) -> None:
    from datetime import UTC

    from bot.services.rollcall import close_rollcall

    now = world.clock.now().astimezone(UTC)
    for rollcall_id, _ in await world.storage.rollcalls.open_ids():
        await close_rollcall(world.ctx, world.app.bot, rollcall_id, now)


async def test_a_member_recalled_during_a_rollcall_is_neither_present_nor_absent(
    world: World,
) -> None:
    from tests.world import offset

    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    li = await world.join(team, name="Li Wei")
    await world.join(team, name="Wang Fang")
    world.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))
    boss.send_command("rollcall")
    await boss.next_message()
    assert "LIVE" in (await li.next_message())["text"]
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("recall", f"{li.id} back to the bureau")
    admin.press(await admin.next_message(), text="✅ Confirm")
    await admin.next_message()
    await li.next_message()  # told of the recall
    li.send_location(*offset(SITE_LAT, SITE_LON, north_m=20), live_period=900)
    answer = (await li.next_message())["text"]
    assert "present" not in answer and "recalled" in answer
    world.clock.advance(minutes=31)
    await _close_all(world)
    result = _texts_to(world, boss.id)[-1]
    assert "Li Wei" not in result and "Present: 0" in result
    assert await world.storage.rollcalls.absences([li.id], 2026) == {}


async def test_overlapping_rollcalls_count_one_no_show_once(world: World) -> None:

    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    wang = await world.join(team, name="Wang Fang")
    world.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))
    boss.send_command("rollcall", "Wang Fang")
    await boss.next_message()
    assert "LIVE" in (await wang.next_message())["text"]
    world.clock.advance(minutes=5)
    boss.send_command("rollcall")  # her team, while hers is still open
    await boss.next_message()
    world.clock.advance(minutes=40)
    await _close_all(world)
    assert await world.storage.rollcalls.absences([wang.id], 2026) == {wang.id: 1}
    results = [r for r in _texts_to(world, boss.id) if "No answer" in r]
    assert len(results) == 2 and all("Wang Fang" in r for r in results)
    # She is asked once: the second roll call shares the first one's question and answer.
    assert sum("LIVE" in tx for tx in _texts_to(world, wang.id)) == 1


async def test_overlapping_rollcalls_share_one_answer(world: World) -> None:
    from tests.world import offset

    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    wang = await world.join(team, name="Wang Fang")
    world.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))
    boss.send_command("rollcall", "Wang Fang")
    await boss.next_message()
    await wang.next_message()
    world.clock.advance(minutes=5)
    boss.send_command("rollcall")
    await boss.next_message()
    wang.send_location(*offset(SITE_LAT, SITE_LON, north_m=20), live_period=900)
    assert "present" in (await wang.next_message())["text"]
    world.clock.advance(minutes=40)
    await _close_all(world)
    results = [r for r in _texts_to(world, boss.id) if "Present" in r]
    assert len(results) == 2 and all("Present: 1\n• Wang Fang" in r for r in results)


async def test_days_before_joining_are_not_a_member_yet_everywhere(world: World) -> None:
    from bot.services.compliance import month_report

    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    world.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    new = await world.join(team, name="Newcomer Zhao")
    # The supervisor's summary of the day before she joined does not call her missed.
    boss.send_command("summary", "2026-11-30")
    summary = (await boss.next_message())["text"]
    assert "Newcomer Zhao" not in summary
    # November's report does not list her with 0 days and "meets".
    [november] = await month_report(world.ctx, 2026, 11, team.id)
    assert [m.name for m in november.members if m.name == "Newcomer Zhao"] == []
    # No make-up and no leave for days before she joined.
    new.send_command("makeup", "2026-11-30")
    refused = (await new.next_message())["text"]
    assert "2026-12-01" in refused and "member" in refused
    new.send_command("leave")
    msg = await new.next_message()
    new.press(msg, data="lv:type:personal")
    await new.next_message()
    new.send_text("2026-11-28")
    refused = (await new.next_message())["text"]
    assert "2026-12-01" in refused and "member" in refused
    rows = await world.storage.db.fetchall(
        "SELECT * FROM requests WHERE telegram_id = ?", (new.id,)
    )
    assert rows == []


async def test_out_of_area_in_a_team_without_supervisor_alerts_the_admins(world: World) -> None:
    from tests.world import offset

    team = await world.team()
    admin = world.person("Admin", user_id=world.admin_id)
    li = await world.join(team, name="Li Wei")
    li.send_location(*offset(SITE_LAT, SITE_LON, east_m=2300), accuracy=20)
    assert "OUT OF AREA" in (await li.next_message())["text"]
    await li.next_message()  # the reason prompt
    alert = await admin.next_message()
    assert "Li Wei" in alert["text"] and "2.3 km" in alert["text"]
    assert "location" in await admin.next_message()
    li.send_text("Fetching seed from the county town")
    saved = (await li.next_message())["text"]
    assert "administrator" in saved and "supervisor" not in saved.replace("no supervisor", "")
    assert "Fetching seed" in (await admin.next_message())["text"]


async def test_out_of_area_reply_names_the_supervisor_told(world: World) -> None:
    from tests.world import offset

    team = await world.team()
    await world.join(team, role="supervisor", name="Zhang Wei")
    li = await world.join(team, name="Li Wei")
    li.send_location(*offset(SITE_LAT, SITE_LON, east_m=2300), accuracy=20)
    await li.next_message()
    await li.next_message()
    li.send_text("On the road")
    assert "Zhang Wei" in (await li.next_message())["text"]


async def test_approved_leave_follows_a_member_moved_to_another_team(world: World) -> None:
    from datetime import UTC

    from bot.services.reminders import send_checkin_reminders, send_deadline_nudges
    from tests.test_e2e_leave import ask_leave

    alpha = await world.team("Alpha")
    beta = await world.team("Beta")
    boss = await world.join(alpha, role="supervisor", name="Zhang")
    li = await world.join(alpha, name="Li Wei")
    sent = await ask_leave(li, "today", "2026-11-27")
    prompt = await boss.next_message()
    boss.press(prompt, data=f"req:approve:{await _request_id(prompt)}")
    assert "approved" in (await li.next_message())["text"]
    assert "Beta" in (await _moves(world, li, beta))["text"]
    before = len(world.emu.sent_messages(li.id))
    for at in (datetime(2026, 11, 25, 7, 0), datetime(2026, 11, 25, 7, 41)):
        now = at.replace(tzinfo=SHANGHAI).astimezone(UTC)
        world.clock.set(now)
        await send_checkin_reminders(world.ctx, world.app.bot, beta.id, now)
        await send_deadline_nudges(world.ctx, world.app.bot, beta.id, now)
    assert len(world.emu.sent_messages(li.id)) == before, sent


async def test_an_env_admin_is_named_in_decisions_and_roll_calls(world: World) -> None:
    team = await world.team()
    admin = world.person("Chen Admin", user_id=world.admin_id)
    li = await world.join(team, name="Li Wei", language_code="zh-hans")
    li.send_command("leave")
    msg = await li.next_message()
    li.press(msg, data="lv:type:personal")
    await li.next_message()
    li.send_text("2026-12-01")
    await li.next_message()
    li.send_text("2026-12-02")
    await li.next_message()
    li.send_text("家里有事")
    li.press(await li.next_message(), data="lv:ok")
    await li.next_message()
    prompt = await admin.next_message()
    admin.press(prompt, data=f"req:reject:{await _request_id(prompt)}")
    await admin.next_message()
    admin.send_text("Harvest week")
    await admin.next_message()
    told = (await li.next_message())["text"]
    assert "Chen Admin" in told and str(world.admin_id) not in told
    world.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))
    admin.send_command("rollcall")
    await admin.next_message()
    await _close_all_later(world)
    result = [tx for tx in _texts_to(world, admin.id) if "Roll call #" in tx][-1]
    assert "Chen Admin" in result and "supervisor" not in result


async def _close_all_later(world: World) -> None:
    world.clock.advance(minutes=31)
    await _close_all(world)


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    import json

    markup = message.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


async def test_diaries_offer_no_day_after_today_and_explain_a_forged_one(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    boss.send_command("diaries")
    view = await boss.next_message()
    labels = [text for text, _ in _buttons(view)]
    assert "Next day ▶" not in labels and "◀ Previous day" in labels
    boss.press(view, data=f"dv:m:{team.id}:20261125:{li.id}")
    member = await boss.next_message()
    assert "Next day ▶" not in [text for text, _ in _buttons(member)]
    # A past day still leads forward.
    boss.send_command("diaries", "2026-11-20")
    past = await boss.next_message()
    assert "Next day ▶" in [text for text, _ in _buttons(past)]
    # An old button (or a crafted one) for tomorrow gets the right reason.
    q = boss.press_raw(f"dv:t:{team.id}:20261126")
    rec = await world.emu.wait_for(
        lambda r: r.method == "answerCallbackQuery" and str(r.params.get("callback_query_id")) == q,
        since=0,
    )
    assert "Only supervisors" not in rec.params["text"] and "2026-11-26" in rec.params["text"]


def _labels(user: UserActor) -> list[str]:
    """The reply keyboard the user's client shows now."""
    keyboard = user.reply_keyboard or {}
    return [b["text"] for row in keyboard.get("keyboard", []) for b in row]


async def test_each_role_gets_its_own_keyboard_and_start_text(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    boss.send_command("start")
    menu = await boss.next_message()
    assert "📍 Check in" not in _labels(boss) and "📋 Summary" in _labels(boss)
    assert "Check in" not in menu["text"] and "/summary" in menu["text"]
    boss.send_text("📋 Summary")  # a reply-keyboard button sends its label
    assert "Xiaoshan" in (await boss.next_message())["text"]
    admin = world.person("Chen Admin", user_id=world.admin_id)
    admin.send_command("start")
    menu = await admin.next_message()
    assert "📤 Export" in _labels(admin) and "📍 Check in" not in _labels(admin)
    # An admin sharing a location is not sent off to find an invite link.
    admin.send_location(SITE_LAT, SITE_LON)
    told = (await admin.next_message())["text"]
    assert "invite link" not in told and "administrator" in told


async def test_a_new_member_is_told_what_is_expected(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    done = world.emu.sent_messages(li.id)[-1]
    assert "07:30" in done["text"] and "12:00" in done["text"] and "300 m" in done["text"]
    assert "📍 Check in" in _labels(li)


async def test_recall_removes_the_member_keyboard_and_tells_the_supervisor(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    admin = world.person("Chen Admin", user_id=world.admin_id)
    admin.send_command("recall", f"{li.id} back to the bureau")
    admin.press(await admin.next_message(), text="✅ Confirm")
    await admin.next_message()
    await li.next_message()
    assert _labels(li) == []  # the notice removed the member keyboard
    heard = (await boss.next_message())["text"]
    assert "Li Wei" in heard and "back to the bureau" in heard
    li.send_command("start")
    await li.next_message()
    assert "📍 Check in" not in _labels(li)


async def test_the_supervisor_hears_when_a_member_moves_away(world: World) -> None:

    alpha = await world.team("Alpha")
    beta = await world.team("Beta")
    boss = await world.join(alpha, role="supervisor", name="Zhang")
    li = await world.join(alpha, name="Li Wei")
    await _moves(world, li, beta)
    heard = (await boss.next_message())["text"]
    assert "Li Wei" in heard and "Beta" in heard


async def test_supervisors_see_diary_photos_as_an_album_and_hear_voice_notes(
    world: World,
) -> None:
    from tests.test_e2e_diary import PHOTO, VOICE

    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    li.send_command("diary")
    await li.next_message()
    li.send_photo(PHOTO, caption="Broken pipe at No. 12")
    await li.next_message()
    li.send_photo(PHOTO, caption="Pipe mended")
    await li.next_message()
    li.send_voice(VOICE, duration=12)
    await li.next_message()
    boss.send_command("diaries")
    view = await boss.next_message()
    mark = world.emu.mark()
    boss.press(view, data=f"dv:m:{team.id}:20261125:{li.id}")
    await world.emu.wait_for(lambda r: r.method == "sendVoice", since=mark)
    sent = world.emu.sent_messages(boss.id)
    album = [m for m in sent if m.get("media_group_id")]
    assert [m["caption"].split(" ", 1)[1] for m in album] == [
        "📷 Broken pipe at No. 12",
        "📷 Pipe mended",
    ]
    assert len({m["media_group_id"] for m in album}) == 1
    [voice] = [m for m in sent if "voice" in m]
    assert voice["voice"]["duration"] == 12


async def test_a_recalled_member_sharing_a_location_gets_no_member_keyboard_back(
    world: World,
) -> None:
    from bot.services.recall import recall_member, tell_recalled

    team = await world.team()
    li = await world.join(team, name="Li Wei")
    recall = await recall_member(
        world.ctx, member_id=li.id, team=team, reason="moved", actor_id=None
    )
    await tell_recalled(world.ctx, world.app.bot, recall)
    await li.next_message()
    li.send_location(SITE_LAT, SITE_LON)
    assert "recalled" in (await li.next_message())["text"]
    assert _labels(li) == []


async def test_a_new_supervisor_is_told_what_their_keyboard_is_for(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    done = world.emu.sent_messages(boss.id)[-1]["text"]
    assert "Supervisor menu" in done and "📋 Summary" in _labels(boss)
