"""Leave and make-up requests through the real bot and the emulator: the conversation, two
supervisors racing, the admin's second approval, cancelling, forged presses, make-ups,
reminders and escalation."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from bot.emulator import UserActor
from bot.services.leave_requests import leave_followups
from tests.conftest import SHANGHAI
from tests.world import SITE_LAT, SITE_LON, World


async def answer_of(world: World, qid: str) -> dict[str, Any]:
    rec = await world.emu.wait_for(
        lambda r: (
            r.method == "answerCallbackQuery" and str(r.params.get("callback_query_id")) == qid
        ),
        since=0,
    )
    return rec.params


async def ask_leave(
    li: UserActor,
    first: str,
    last: str,
    reason: str = "Family wedding",
    leave_type: str = "personal",
) -> dict[str, Any]:
    """Walks the /leave conversation by typing the days; returns the confirmation reply."""
    li.send_command("leave")
    msg = await li.next_message()
    while "What kind" not in msg["text"]:  # the list of current requests comes first
        msg = await li.next_message()
    li.press(msg, data=f"lv:type:{leave_type}")
    assert "First day" in (await li.next_message())["text"]
    li.send_text(first)
    assert "Last day" in (await li.next_message())["text"]
    li.send_text(last)
    assert "Reason" in (await li.next_message())["text"]
    li.send_text(reason)
    summary = await li.next_message()
    assert "Please check" in summary["text"]
    li.press(summary, data="lv:ok")
    return await li.next_message()


async def request_row(world: World, request_id: int) -> dict[str, Any]:
    row = await world.storage.db.fetchone("SELECT * FROM requests WHERE id = ?", (request_id,))
    return dict(row)


def member_texts(world: World, user: UserActor) -> list[str]:
    return [m["text"] for m in world.emu.sent_messages(user.id)]


async def test_leave_conversation_with_calendar_and_two_supervisors_racing(world: World) -> None:
    team = await world.team()
    zhang = await world.join(team, role="supervisor", name="Zhang")
    wu = await world.join(team, role="supervisor", name="Wu")
    li = await world.join(team, name="Li Wei")
    li.send_command("leave")
    ask = await li.next_message()
    li.press(ask, data="lv:type:sick")
    cal = await li.next_message()
    # The calendar pages forward a month and a day is picked from it.
    for month in ("2026-12", "2026-11"):
        mark = world.emu.mark()
        li.press(cal, data=f"lv:mon:{month}")
        await world.emu.wait_for(lambda r: r.method == "editMessageReplyMarkup", since=mark)
    li.press(cal, data="lv:day:2026-11-30")
    assert "2026-11-30" in (await li.next_message())["text"]
    li.send_text("2026-12-02")  # typed, across the month end
    await li.next_message()
    li.send_text("Flu, doctor says rest")
    summary = await li.next_message()
    assert "2026-11-30 to 2026-12-02, days: 3" in summary["text"]
    li.press(summary, data="lv:ok")
    sent = await li.next_message()
    assert "sent to 2 approver" in sent["text"]

    prompt_z = await zhang.next_message()
    prompt_w = await wu.next_message()
    assert "Li Wei" in prompt_z["text"] and "Flu" in prompt_z["text"]
    request_id = int(prompt_z["text"].split("#")[1].split()[0])
    # Both press Approve at once: exactly one decision, one message to the member.
    q1 = zhang.press(prompt_z, data=f"req:approve:{request_id}")
    q2 = wu.press(prompt_w, data=f"req:approve:{request_id}")
    a1, a2 = await answer_of(world, q1), await answer_of(world, q2)
    told = await li.next_message()
    assert "approved by" in told["text"]
    with_decision = [a for a in (a1, a2) if a.get("text") == "Done."]
    already = [a for a in (a1, a2) if "Already decided" in (a.get("text") or "")]
    assert len(with_decision) == 1 and len(already) == 1
    row = await request_row(world, request_id)
    assert row["state"] == "approved" and row["decided_by"] in (zhang.id, wu.id)
    winner = "Zhang" if row["decided_by"] == zhang.id else "Wu"
    await asyncio.sleep(0.3)
    assert sum("approved by" in t for t in member_texts(world, li)) == 1
    # Both prompts now say who decided, and carry no buttons.
    for boss in (zhang, wu):
        [prompt] = [m for m in world.emu.sent_messages(boss.id) if f"#{request_id}" in m["text"]]
        assert f"Approved by {winner}" in prompt["text"] and "reply_markup" not in prompt
    # Pressing again changes nothing and is answered politely (and audited).
    q3 = zhang.press_raw(f"req:reject:{request_id}")
    assert "Already decided" in (await answer_of(world, q3))["text"]
    assert (await request_row(world, request_id))["state"] == "approved"
    decisions = await world.storage.audit.recent(action="leave.approved")
    assert len(decisions) == 1
    assert '"pending"' in decisions[0]["before"] and '"approved"' in decisions[0]["after"]
    assert len(await world.storage.audit.recent(action="request.stale")) >= 2


async def test_bad_answers_reprompt_and_nothing_is_half_saved(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    li.send_command("leave")
    ask = await li.next_message()
    li.send_text("sick please")  # typed where a button is expected
    assert "buttons" in (await li.next_message())["text"]
    li.press(ask, data="lv:type:personal")
    await li.next_message()
    li.send_sticker()
    assert "couldn't read that date" in (await li.next_message())["text"]
    li.send_text("2026-02-30")
    assert "couldn't read that date" in (await li.next_message())["text"]
    li.send_text("today")
    await li.next_message()
    li.send_text("2026-11-20")
    assert "cannot be before" in (await li.next_message())["text"]
    li.send_text("tomorrow")
    await li.next_message()
    li.send_text("x" * 20_000)
    assert "too long" in (await li.next_message())["text"]
    li.send_text("   ")
    assert "type a reason" in (await li.next_message())["text"]
    assert (await world.storage.leave_requests.count_by_state()) == {}
    li.send_text("Moving house")
    summary = await li.next_message()
    assert "2026-11-25 to 2026-11-26, days: 2" in summary["text"]
    li.press(summary, data="lv:ok")
    await li.next_message()
    # The supervisor rejects: a reason is asked, bad reasons re-prompt, the member sees it.
    prompt = await boss.next_message()
    request_id = int(prompt["text"].split("#")[1].split()[0])
    boss.press(prompt, data=f"req:reject:{request_id}")
    assert "Why are you rejecting" in (await boss.next_message())["text"]
    boss.send_sticker()
    assert "type a reason" in (await boss.next_message())["text"]
    boss.send_text("Inspection that week")
    assert "rejected" in (await boss.next_message())["text"]
    told = await li.next_message()
    assert "rejected by Zhang" in told["text"] and "Inspection that week" in told["text"]
    row = await request_row(world, request_id)
    assert row["state"] == "rejected" and row["decision_reason"] == "Inspection that week"
    assert len(await world.storage.audit.recent(action="leave.rejected")) == 1


async def test_long_leave_needs_admin_second_approval(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    admin = world.person("Admin", user_id=world.admin_id)
    li = await world.join(team, name="Li Wei")
    sent = await ask_leave(li, "2026-12-01", "2026-12-07")  # 7 days > 5
    assert "sent to 1 approver" in sent["text"]
    prompt = await boss.next_message()
    request_id = int(prompt["text"].split("#")[1].split()[0])
    boss.press(prompt, data=f"req:approve:{request_id}")
    told = await li.next_message()
    assert "waits for an administrator" in told["text"] and "longer than 5 days" in told["text"]
    assert (await request_row(world, request_id))["state"] == "awaiting_admin"
    # The supervisor cannot give the second approval too.
    q = boss.press_raw(f"req:approve:{request_id}")
    assert "Already decided" in (await answer_of(world, q))["text"]
    admin_prompt = await admin.next_message()
    assert "second approval" in admin_prompt["text"] and "days: 7" in admin_prompt["text"]
    admin.press(admin_prompt, data=f"req:approve:{request_id}")
    final = await li.next_message()
    assert "is approved by Admin" in final["text"] or "approved by" in final["text"]
    row = await request_row(world, request_id)
    assert row["state"] == "approved"
    assert row["decided_by"] == boss.id and row["admin_decided_by"] == world.admin_id
    assert len(await world.storage.audit.recent(action="leave.admin_approved")) == 1


async def test_overlap_is_refused_with_the_clash_named(world: World) -> None:
    team = await world.team()
    await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    first = await ask_leave(li, "2026-12-01", "2026-12-03")
    request_id = int(first["text"].split("#")[1].split()[0])
    li.send_command("leave")
    listing = await li.next_message()
    assert f"#{request_id}" in listing["text"]
    ask = await li.next_message()
    li.press(ask, data="lv:type:personal")
    await li.next_message()
    li.send_text("2026-12-03")
    await li.next_message()
    li.send_text("2026-12-05")
    clash = await li.next_message()
    assert "overlap" in clash["text"] and f"#{request_id}" in clash["text"]
    assert "2026-12-01 to 2026-12-03" in clash["text"]
    assert (await world.storage.leave_requests.count_by_state()) == {"pending": 1}


async def test_member_cancels_pending_and_ends_a_started_leave_early(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    now = world.clock.now()
    world.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    li = await world.join(team, name="Li Wei")  # joined before the leave she asks for
    world.clock.set(now)
    await ask_leave(li, "2026-12-10", "2026-12-11")
    pending_prompt = await boss.next_message()
    pending_id = int(pending_prompt["text"].split("#")[1].split()[0])
    # A retroactive leave that started yesterday, approved.
    sent = await ask_leave(li, "2026-11-24", "2026-11-28", reason="Sick at home")
    running_id = int(sent["text"].split("#")[1].split()[0])
    prompt = await boss.next_message()
    assert "Retroactive" in prompt["text"]
    boss.press(prompt, data=f"req:approve:{running_id}")
    await li.next_message()
    li.send_command("cancelleave")
    listing = await li.next_message()
    li.press(listing, data=f"req:cancel:{pending_id}")
    assert "is cancelled" in (await li.next_message())["text"]
    await world.emu.wait_for(lambda r: r.method == "editMessageText", since=0)
    [edited] = [m for m in world.emu.sent_messages(boss.id) if f"#{pending_id}" in m["text"]]
    assert "Cancelled by the member" in edited["text"]
    li.press(listing, data=f"req:end:{running_id}")
    ended = await li.next_message()
    assert "back from 2026-11-25" in ended["text"] and "leave days taken: 1" in ended["text"]
    assert "ended leave" in (await boss.next_message())["text"]
    row = await request_row(world, running_id)
    assert row["ended_early_on"] == "2026-11-25" and row["days"] == 1
    assert (await request_row(world, pending_id))["state"] == "cancelled"
    # A second press on the old Cancel button changes nothing.
    q = li.press(listing, data=f"req:cancel:{pending_id}")
    assert "no longer be changed" in (await answer_of(world, q))["text"]


async def test_forged_and_replayed_presses_are_refused_and_audited(world: World) -> None:
    team = await world.team()
    other_team = await world.team(name="Other")
    boss = await world.join(team, role="supervisor", name="Zhang")
    stranger_boss = await world.join(other_team, role="supervisor", name="Qian")
    li = await world.join(team, name="Li Wei")
    mate = await world.join(team, name="Mate")
    sent = await ask_leave(li, "2026-12-01", "2026-12-01")
    request_id = int(sent["text"].split("#")[1].split()[0])
    await boss.next_message()
    cases = [
        (li, f"req:approve:{request_id}", "your own"),  # the member approves their own
        (mate, f"req:approve:{request_id}", "not for you"),  # a non-supervisor
        (stranger_boss, f"req:approve:{request_id}", "not for you"),  # another team's
        (boss, "req:approve:999999", "not for you"),  # another (nonexistent) request
        (boss, "req:approve:abc", "not for you"),  # garbage
        (mate, f"req:cancel:{request_id}", "not for you"),  # cancelling someone else's
    ]
    for user, data, expected in cases:
        q = user.press_raw(data)
        answer = await answer_of(world, q)
        assert expected in answer["text"], (data, answer)
    row = await request_row(world, request_id)
    assert row["state"] == "pending" and row["decided_by"] is None
    assert len(await world.storage.audit.recent(action="request.forged")) == len(cases)
    # Decided, then replayed: refused politely, audited as stale.
    boss.press_raw(f"req:approve:{request_id}")
    await li.next_message()
    q = boss.press_raw(f"req:approve:{request_id}")
    assert "Already decided" in (await answer_of(world, q))["text"]
    assert len(await world.storage.audit.recent(action="request.stale")) == 1
    assert len(await world.storage.audit.recent(action="leave.approved")) == 1


async def test_makeup_after_cutoff_approved_marks_the_day_made_up(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    world.clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=SHANGHAI))
    li.send_location(SITE_LAT, SITE_LON)
    assert "missed" in (await li.next_message())["text"]
    offer = await li.next_message()
    li.press(offer, data="mk:2026-11-25")
    assert "Why was the check-in missed" in (await li.next_message())["text"]
    li.send_text("Phone battery died in the field")
    summary = await li.next_message()
    assert "Make-up check-in for 2026-11-25" in summary["text"]
    li.press(summary, data="lv:ok")
    await li.next_message()
    prompt = await boss.next_message()
    assert "Make-up request" in prompt["text"]
    request_id = int(prompt["text"].split("#")[1].split()[0])
    boss.press(prompt, data=f"req:approve:{request_id}")
    told = await li.next_message()
    assert "counts as attended" in told["text"]
    day = await world.storage.checkins.day_state(li.id, team.id, date(2026, 11, 25))
    assert day["timing"] == "made_up" and day["place"] == "on_site"
    # A made-up day needs no second make-up.
    li.send_command("makeup", "today")
    assert "no make-up needed" in (await li.next_message())["text"]


async def test_makeup_for_a_past_day_without_checkin(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    now = world.clock.now()
    world.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    li = await world.join(team, name="Li Wei")
    world.clock.set(now)
    li.send_command("makeup", "today")  # before the cutoff: not yet
    assert "after the 12:00 cutoff" in (await li.next_message())["text"]
    li.send_command("makeup", "2026-11-31")
    assert "couldn't read that date" in (await li.next_message())["text"]
    li.send_command("makeup", "2026-11-23")
    await li.next_message()
    li.send_text("Road closed by landslide")
    summary = await li.next_message()
    li.press(summary, data="lv:ok")
    await li.next_message()
    prompt = await boss.next_message()
    request_id = int(prompt["text"].split("#")[1].split()[0])
    boss.press(prompt, data=f"req:reject:{request_id}")
    await boss.next_message()
    boss.send_text("No evidence")
    await boss.next_message()
    assert "rejected" in (await li.next_message())["text"]
    assert await world.storage.checkins.day_state(li.id, team.id, date(2026, 11, 23)) is None
    assert len(await world.storage.audit.recent(action="makeup.rejected")) == 1


async def test_reminder_after_24h_and_escalation_after_48h(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    admin = world.person("Admin", user_id=world.admin_id)
    li = await world.join(team, name="Li Wei")
    sent = await ask_leave(li, "2026-12-01", "2026-12-01")
    request_id = int(sent["text"].split("#")[1].split()[0])
    await boss.next_message()
    bot = world.app.bot
    world.clock.advance(hours=23)
    assert await leave_followups(world.ctx, bot) == 0
    world.clock.advance(hours=1)
    assert await leave_followups(world.ctx, bot) == 1
    reminder = await boss.next_message()
    assert "Reminder" in reminder["text"]
    assert await leave_followups(world.ctx, bot) == 0  # once only
    world.clock.advance(hours=24)
    assert await leave_followups(world.ctx, bot) == 1
    escalated = await admin.next_message()
    assert "Escalated" in escalated["text"]
    assert await leave_followups(world.ctx, bot) == 0
    row = await request_row(world, request_id)
    assert row["reminded_at"] and row["escalated_at"]
    # The admin decides from the escalation; every prompt is closed.
    admin.press(escalated, data=f"req:approve:{request_id}")
    await li.next_message()

    def open_prompts() -> list[dict[str, Any]]:
        return [
            m
            for user in (boss, admin)
            for m in world.emu.sent_messages(user.id)
            if f"#{request_id}" in m["text"] and "reply_markup" in m
        ]

    while open_prompts():  # the original, the reminder and the escalation all get closed
        assert await world.emu.changed(5), open_prompts()
    assert len([m for m in world.emu.sent_messages(boss.id) if "Approved by" in m["text"]]) == 2


async def test_team_without_supervisors_goes_to_admins_and_admin_approves_long_leave_at_once(
    world: World,
) -> None:
    team = await world.team()
    admin = world.person("Admin", user_id=world.admin_id)
    li = await world.join(team, name="Li Wei")
    sent = await ask_leave(li, "2026-12-01", "2026-12-08")
    assert "sent to 1 approver" in sent["text"]
    prompt = await admin.next_message()
    request_id = int(prompt["text"].split("#")[1].split()[0])
    admin.press(prompt, data=f"req:approve:{request_id}")
    assert "is approved by" in (await li.next_message())["text"]
    row = await request_row(world, request_id)
    assert row["state"] == "approved" and row["admin_decided_by"] == world.admin_id


async def test_chinese_member_and_supervisor(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="张主任", language_code="zh-hans")
    wang = await world.join(team, name="王芳", language_code="zh-hans")
    wang.send_command("leave")
    ask = await wang.next_message()
    assert "请假类型" in ask["text"]
    wang.press(ask, data="lv:type:official")
    await wang.next_message()
    wang.send_text("今天")
    assert "最后一天" in (await wang.next_message())["text"]
    wang.send_text("明天")
    await wang.next_message()
    wang.send_text("去县里开会")
    summary = await wang.next_message()
    assert "2026-11-25 至 2026-11-26（共 2 天）" in summary["text"]
    wang.press(summary, data="lv:ok")
    assert "已发送给 1 位审批人" in (await wang.next_message())["text"]
    prompt = await boss.next_message()
    assert "请假申请" in prompt["text"] and "公差" in prompt["text"]
    request_id = int(prompt["text"].split("#")[1].split("：")[0])
    boss.press(prompt, data=f"req:approve:{request_id}")
    assert "已由 张主任 批准" in (await wang.next_message())["text"]
