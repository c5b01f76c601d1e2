"""Invites listed and revoked from the shell, the yearly report, the monthly report asked
for in chat, and admin-level reminders (issue 13 item 16)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.services.teams import create_invite
from tests.cli_helpers import run_cli
from tests.conftest import SHANGHAI
from tests.world import World


async def test_invite_list_shows_codes_roles_uses_expiry_and_revoke_needs_no_team(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    team = await world.team("Xiaoshan")
    member = await create_invite(world.ctx, team, "member", actor_id=None)
    boss = await create_invite(world.ctx, team, "supervisor", actor_id=None)
    await world.join(team, name="Li Wei")  # uses a fresh member invite of its own
    assert await run_cli(world, "invite", "list", "Xiaoshan") == 0
    out = capsys.readouterr().out
    assert member.code in out and boss.code in out
    line = next(x for x in out.splitlines() if boss.code in x)
    assert "supervisor" in line and "uses 0" in line and "expires 2026-12-09" in line
    assert await run_cli(world, "invite", "--revoke", boss.code) == 0
    assert "revoked" in capsys.readouterr().out
    assert await run_cli(world, "invite", "list", "Xiaoshan") == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if boss.code in x)
    assert "revoked" in line
    assert await run_cli(world, "invite", "list", "Nowhere") == 2
    assert "no team" in capsys.readouterr().err


async def test_yearly_report_lists_recalls_and_rollcall_absences_per_member(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC

    from bot.services.recall import recall_member
    from bot.services.rollcall import close_rollcall

    team = await world.team("Xiaoshan")
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    wang = await world.join(team, name="Wang Fang")
    world.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))
    boss.send_command("rollcall")
    await boss.next_message()
    world.clock.advance(minutes=31)
    [(rollcall_id, _)] = await world.storage.rollcalls.open_ids()
    await close_rollcall(world.ctx, world.app.bot, rollcall_id, world.clock.now().astimezone(UTC))
    await recall_member(world.ctx, member_id=li.id, team=team, reason="moved", actor_id=None)
    assert await run_cli(world, "report", "year", "2026") == 0
    out = capsys.readouterr().out
    li_line = next(x for x in out.splitlines() if "Li Wei" in x)
    wang_line = next(x for x in out.splitlines() if "Wang Fang" in x)
    assert "recalled 2026-11-25: moved" in li_line and "absences 1" in li_line
    assert "absences 1" in wang_line and "recalled" not in wang_line
    assert "Zhang" not in out  # supervisors are not rated
    assert wang.id and await run_cli(world, "report", "year", "20x6") == 2


async def test_a_supervisor_asks_for_the_monthly_report_in_chat(world: World) -> None:
    team = await world.team("Xiaoshan")
    other = await world.team("Fuyang")
    world.clock.set(datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI))
    boss = await world.join(team, role="supervisor", name="Zhang")
    await world.join(team, name="Li Wei")
    await world.join(other, name="Outsider")
    world.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))
    mark = world.emu.mark()
    boss.send_command("report")  # last month by default
    await world.emu.wait_for(lambda r: r.method == "sendPhoto", since=mark)
    sent = world.emu.sent_messages(boss.id)
    [text] = [m for m in sent if "📊" in m.get("text", "")]
    assert "Xiaoshan" in text["text"] and "2026-11" in text["text"]
    assert "Fuyang" not in " ".join(m.get("text", "") for m in sent)
    [doc] = [m for m in sent if "document" in m]
    assert doc["document"]["file_name"].endswith(".xlsx")
    mark = world.emu.mark()
    boss.send_command("report", "2026-13")
    rec = await world.emu.wait_for(lambda r: r.method == "sendMessage", since=mark)
    assert "YYYY-MM" in rec.params["text"]
    li = world.person(
        "Li",
        user_id=(await world.storage.people.team_members(team.id, role="member"))[0][0].telegram_id,
    )
    li.send_command("report")
    assert "supervisors" in (await li.next_message())["text"]


async def test_a_request_waiting_for_an_admin_is_reminded_after_24h_once(world: World) -> None:
    from bot.services.leave_requests import leave_followups
    from tests.test_e2e_leave import ask_leave

    team = await world.team("Xiaoshan")
    boss = await world.join(team, role="supervisor", name="Zhang")
    admin = world.person("Admin", user_id=world.admin_id)
    li = await world.join(team, name="Li Wei")
    await ask_leave(li, "2026-12-01", "2026-12-07")  # 7 days: needs an admin too
    prompt = await boss.next_message()
    request_id = int(prompt["text"].split("#")[1].split()[0])
    boss.press(prompt, data=f"req:approve:{request_id}")
    await li.next_message()
    assert "second approval" in (await admin.next_message())["text"]
    bot = world.app.bot
    world.clock.advance(hours=23)
    assert await leave_followups(world.ctx, bot) == 0
    world.clock.advance(hours=1, minutes=1)
    assert await leave_followups(world.ctx, bot) == 1
    reminder = await admin.next_message()
    assert "Reminder" in reminder["text"] and f"#{request_id}" in reminder["text"]
    assert await leave_followups(world.ctx, bot) == 0
    admin.press(reminder, data=f"req:approve:{request_id}")
    assert "approved" in (await li.next_message())["text"]


async def test_a_recall_from_the_shell_without_the_bot_is_told_when_the_bot_runs(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.services.recall import tell_pending_recalls

    team = await world.team("Xiaoshan")
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    code = await run_cli(
        world, "member", "recall", str(li.id), "--team", "Xiaoshan", "--reason", "moved"
    )
    assert code == 0
    assert "told when the bot runs" in capsys.readouterr().out
    # The bot's minute job does this; called here with the test's clock.
    await tell_pending_recalls(world.ctx, world.app.bot)
    notice = await li.next_message()
    assert "recalled from Xiaoshan" in notice["text"] and li.reply_keyboard is None
    assert "Li Wei" in (await boss.next_message())["text"]
    assert await tell_pending_recalls(world.ctx, world.app.bot) == 0  # told once
    notices = [m for m in world.emu.sent_messages(li.id) if "recalled from" in m["text"]]
    assert len(notices) == 1


def test_invite_codes_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """A code typed after `--revoke` must not read as an option: the generator draws again."""
    from storage import invites

    drawn = iter(["-starts-with-dash", "-again", "fine_code"])
    monkeypatch.setattr(invites.secrets, "token_urlsafe", lambda n: next(drawn))
    assert invites.new_code() == "fine_code"
