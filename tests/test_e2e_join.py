"""Joining with invite links, the /newteam wizard, languages, and who may do what."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.teams import create_invite, revoke_invite
from tests.world import SITE_LAT, SITE_LON, World


async def test_join_records_name_unit_role_and_audit(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei", unit="Xiaoshan Water Bureau")
    person = await world.storage.people.get(li.id)
    assert person.name == "Li Wei" and person.unit == "Xiaoshan Water Bureau"
    [m] = await world.storage.people.memberships(li.id)
    assert (m.team_id, m.role, m.state, m.unit) == (
        team.id,
        "member",
        "active",
        "Xiaoshan Water Bureau",
    )
    audit = await world.storage.audit.recent(action="invite.accept")
    assert audit[0]["actor_id"] == li.id
    assert li.reply_keyboard["keyboard"][0][0]["request_location"] is True


async def test_join_in_chinese(world: World) -> None:
    team = await world.team(name="萧山村")
    invite = await create_invite(world.ctx, team, "member", actor_id=None)
    wang = world.person("王", language_code="zh-hans")
    wang.send_command("start", invite.code)
    assert "姓名" in (await wang.next_message())["text"]


@pytest.mark.parametrize("problem", ["unknown", "expired", "revoked"])
async def test_bad_invites_explain_and_join_nobody(world: World, problem: str) -> None:
    team = await world.team()
    invite = await create_invite(world.ctx, team, "member", actor_id=None)
    code = invite.code
    if problem == "unknown":
        code = "x" * 16
    elif problem == "expired":
        world.clock.advance(days=15)
    else:
        await revoke_invite(world.ctx, code, actor_id=None)
    li = world.person()
    li.send_command("start", code)
    phrase = {"unknown": "not valid", "expired": "expired", "revoked": "revoked"}[problem]
    assert phrase in (await li.next_message())["text"]
    assert await world.storage.people.memberships(li.id) == []


async def test_second_invite_for_another_team_asks_before_moving(world: World) -> None:
    a = await world.team("Alpha")
    b = await world.team("Beta")
    li = await world.join(a)
    invite = await create_invite(world.ctx, b, "member", actor_id=None)
    li.send_command("start", invite.code)
    question = await li.next_message()
    assert "Alpha" in question["text"] and "Beta" in question["text"]
    li.press(question, data="join:-")
    edit = await world.emu.wait_for(lambda r: r.method == "editMessageText")
    assert "stay with Alpha" in edit.params["text"]
    assert [
        m.team_name for m in await world.storage.people.memberships(li.id) if m.state == "active"
    ] == ["Alpha"]
    li.send_command("start", invite.code)
    question = await li.next_message()
    li.press(question, data=f"join:{invite.code}")
    await li.next_message()  # name?
    li.send_text("Li Wei")
    await li.next_message()
    li.send_text("Bureau")
    assert "Beta" in (await li.next_message())["text"]
    states = {m.team_name: m.state for m in await world.storage.people.memberships(li.id)}
    assert states == {"Alpha": "left", "Beta": "active"}


async def test_stranger_learns_only_how_to_join(world: World) -> None:
    team = await world.team()
    await world.join(team, name="Secret Name")
    stranger = world.person("Eve")
    for command in ("start", "help", "checkin", "teams", "newteam"):
        stranger.send_command(command)
        text = (await stranger.next_message())["text"]
        assert "Secret Name" not in text and "Xiaoshan" not in text
    stranger.send_text("hello")
    assert "invite link" in (await stranger.next_message())["text"]


async def test_newteam_wizard_with_shared_location(world: World) -> None:
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("newteam")
    assert "name" in (await admin.next_message())["text"]
    admin.send_text("Hilltop")
    assert "site" in (await admin.next_message())["text"].lower()
    admin.send_location(SITE_LAT, SITE_LON)
    radius_q = await admin.next_message()
    admin.send_text("500")
    tz_q = await admin.next_message()
    admin.press(tz_q, data="nt:default")
    time_q = await admin.next_message()
    admin.send_text("7:45")
    admin.press(await admin.next_message(), data="nt:default")  # the cutoff: 12:00
    confirm = await admin.next_message()
    assert (
        "Hilltop" in confirm["text"] and "500 m" in confirm["text"] and "07:45" in confirm["text"]
    )
    admin.press(confirm, data="nt:confirm")
    created = await admin.next_message()
    assert "https://t.me/outpost_test_bot?start=" in created["text"]
    team = await world.storage.teams.by_name("Hilltop")
    assert team.site.radius_m == 500 and team.timezone == "Asia/Shanghai"
    assert team.schedule.on_time.strftime("%H:%M") == "07:45"
    actions = [a["action"] for a in await world.storage.audit.recent()]
    assert "team.create" in actions and actions.count("invite.create") == 2
    assert radius_q and time_q


async def test_newteam_typed_gcj02_coordinates_and_bad_answers(world: World) -> None:
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("newteam")
    await admin.next_message()
    admin.send_text("Tiananmen")
    await admin.next_message()
    admin.send_text("somewhere nice")
    assert "could not read" in (await admin.next_message())["text"]
    admin.send_sticker()
    admin.send_text("39.910131, 116.403740 gcj02")
    await admin.next_message()
    admin.send_text("10")  # below the 50 m minimum
    assert "50" in (await admin.next_message())["text"]
    admin.send_text("300")
    await admin.next_message()
    admin.send_text("Mars/Base")
    assert "Unknown timezone" in (await admin.next_message())["text"]
    admin.send_text("Asia/Urumqi")
    await admin.next_message()
    admin.send_text("25:99")
    assert "HH:MM" in (await admin.next_message())["text"]
    admin.send_text("08:00")
    await admin.next_message()
    admin.send_text("11:30")
    confirm = await admin.next_message()
    assert "39.908" in confirm["text"] and "116.397" in confirm["text"]
    admin.press(confirm, data="nt:confirm")
    await admin.next_message()
    team = await world.storage.teams.by_name("Tiananmen")
    assert team.site.lat == pytest.approx(39.908722, abs=5e-5)
    assert team.timezone == "Asia/Urumqi" and f"{team.schedule.cutoff:%H:%M}" == "11:30"


async def test_only_admins_create_teams(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor")
    li = await world.join(team)
    for user in (boss, li):
        user.send_command("newteam")
        assert "not allowed" in (await user.next_message())["text"]
        user.send_command("teams")
        assert "not allowed" in (await user.next_message())["text"]
        # A forged wizard button does nothing either.
        cq = user.press_raw("nt:confirm")
        await world.emu.wait_for(
            # mypy cannot type a lambda's captured default; the emulator passes a record
            lambda r, cq=cq: (  # type: ignore[misc]
                r.method == "answerCallbackQuery" and r.params.get("callback_query_id") == cq
            )
        )
    assert await world.storage.teams.by_name("Hilltop") is None
    assert len(await world.storage.teams.all()) == 1


async def test_language_switch(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_command("language")
    choose = await li.next_message()
    li.press(choose, text="简体中文")
    assert "主菜单" in (await li.next_message())["text"]
    assert "简体中文" in world.emu.sent_messages(li.id)[-2]["text"]  # the chooser, edited
    assert li.reply_keyboard["keyboard"][0][0]["text"] == "📍 签到"
    li.send_location(SITE_LAT, SITE_LON)
    text = ""
    while "签到" not in text:
        text = (await li.next_message())["text"]
    assert "在驻点" in text


async def test_group_chat_gets_nothing(world: World) -> None:
    """Chatter in a group is ignored; a location shared there (an attempt to check in) gets
    only the same short answer every command there gets (issue 12), never a record of it."""
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    group = world.emu.group(-100777, title="Village chat")
    before = len(world.emu.requests)
    li.send_text("hello bot", chat=group)
    li.send_location(SITE_LAT, SITE_LON, chat=group)
    await world.emu.wait_for(
        lambda r: r.method == "sendMessage" and r.params.get("chat_id") == group.id,
        since=before,
    )
    li.send_command("help")
    await li.next_message()
    sent_to_group = [r for r in world.emu.requests[before:] if r.params.get("chat_id") == group.id]
    assert [r.method for r in sent_to_group] == ["sendMessage"]
    assert "private chat" in sent_to_group[0].params["text"]
    today = world.clock.now().astimezone(ZoneInfo(team.timezone)).date()
    assert await world.storage.checkins.for_person_day(li.id, today) == []


async def test_forged_callback_is_answered_politely(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    cq = li.press_raw("approve:99999")
    rec = await world.emu.wait_for(
        lambda r: r.method == "answerCallbackQuery" and r.params.get("callback_query_id") == cq
    )
    assert "no longer valid" in rec.params["text"]


async def test_invite_expiry_is_the_setting(world: World) -> None:
    team = await world.team()
    invite = await create_invite(world.ctx, team, "member", actor_id=None)
    assert invite.expires_at - invite.created_at == timedelta(days=14).total_seconds()


async def test_help_lists_what_each_role_can_do(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor")
    li = await world.join(team)
    li.send_command("help")
    member_help = (await li.next_message())["text"]
    assert "/leave" in member_help and "/summary" not in member_help
    boss.send_command("help")
    assert "/rollcall" in (await boss.next_message())["text"]


async def test_a_person_who_writes_again_is_reachable_again(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    await world.storage.people.set_unreachable(li.id, True)
    li.send_command("help")
    await li.next_message()
    assert not (await world.storage.people.get(li.id)).unreachable
