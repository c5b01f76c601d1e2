"""An invite link only ever adds a new person to its team (issue 12, item 1): it never
rewrites a place someone already has, never undoes a recall, never changes a role without
an admin, and a supervisor link serves one person."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.recall import recall_member
from bot.services.teams import create_invite
from storage import Storage
from tests.world import SITE_LAT, SITE_LON, World


async def _open_link(user, code: str) -> str:  # type: ignore[no-untyped-def]
    user.send_command("start", code)
    return str((await user.next_message())["text"])


async def test_a_recalled_member_stays_recalled_whatever_link_they_reopen(world: World) -> None:
    team = await world.team()
    invite = await create_invite(world.ctx, team, "member", actor_id=world.admin_id)
    li = world.person("Li Wei")
    await _open_link(li, invite.code)
    li.send_text("Li Wei")
    await li.next_message()
    li.send_text("County Bureau")
    await li.next_message()
    await recall_member(world.ctx, member_id=li.id, team=team, reason="needed", actor_id=None)

    text = await _open_link(li, invite.code)
    assert "recalled" in text and "administrator" in text
    li.send_text("Li Wei")  # what they would have typed as their name
    assert "joined" not in (await li.next_message())["text"]
    membership = await world.storage.people.membership(li.id, team.id)
    assert membership.state == "recalled"
    assert len(await world.storage.recalls.open_vacancies(team.id)) == 1
    li.send_location(SITE_LAT, SITE_LON)
    assert "recalled" in (await li.next_message())["text"]
    (row,) = await world.storage.db.fetchall("SELECT accepted FROM checkins")
    assert row["accepted"] == 0


async def test_an_active_member_reopening_the_link_changes_nothing(world: World) -> None:
    team = await world.team()
    invite = await create_invite(world.ctx, team, "member", actor_id=world.admin_id)
    wang = await world.join(team, name="Wang", unit="Township")
    await recall_member(world.ctx, member_id=wang.id, team=team, reason="ill", actor_id=None)
    li = world.person("Li Wei")
    for _ in range(2):
        await _open_link(li, invite.code)
        li.send_text("Li Wei")
        await li.next_message()
        li.send_text("County Bureau")
        await li.next_message()
        # The first join filled Wang's vacancy; open a second one for the reopen to "fill".
        if not await world.storage.recalls.open_vacancies(team.id):
            zhao = await world.join(team, name="Zhao", unit="X")
            await recall_member(world.ctx, member_id=zhao.id, team=team, reason="x", actor_id=None)
            break
    text = await _open_link(li, invite.code)
    assert "already" in text and "Nothing changed" in text
    li.send_text("Mallory")
    await li.next_message()
    person = await world.storage.people.get(li.id)
    assert (person.name, person.unit) == ("Li Wei", "County Bureau")
    assert len(await world.storage.recalls.open_vacancies(team.id)) == 1


async def test_a_supervisor_opening_the_member_link_is_not_demoted_without_an_admin(
    world: World,
) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    admin = world.person("Admin", user_id=world.admin_id)
    member_link = await create_invite(world.ctx, team, "member", actor_id=world.admin_id)
    text = await _open_link(boss, member_link.code)
    assert "administrator must confirm" in text
    assert (await world.storage.people.membership(boss.id, team.id)).role == "supervisor"
    request = await admin.next_message()
    assert "Boss" in request["text"] and "supervisor" in request["text"]
    confirm, refuse = (b["callback_data"] for b in request["reply_markup"]["inline_keyboard"][0])

    # A forged press by someone who is not an admin changes nothing and is audited.
    boss.press_raw(confirm)
    await world.emu.wait_for(lambda r: r.method == "answerCallbackQuery")
    assert (await world.storage.people.membership(boss.id, team.id)).role == "supervisor"
    assert await world.storage.audit.recent(action="role_change.refused")

    admin.press(request, data=confirm)
    told = await boss.next_message()
    assert "confirmed" in told["text"]
    assert (await world.storage.people.membership(boss.id, team.id)).role == "member"
    assert await world.storage.audit.recent(action="role_change.approve")
    admin.press_raw(refuse)
    await world.emu.wait_for(
        lambda r: r.method == "answerCallbackQuery" and "already" in str(r.params)
    )
    assert (await world.storage.people.membership(boss.id, team.id)).role == "member"


async def test_a_member_with_the_supervisor_link_waits_and_can_be_refused(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    admin = world.person("Admin", user_id=world.admin_id)
    sup_link = await create_invite(world.ctx, team, "supervisor", actor_id=world.admin_id)
    assert "administrator must confirm" in await _open_link(li, sup_link.code)
    request = await admin.next_message()
    admin.press(request, data=request["reply_markup"]["inline_keyboard"][0][1]["callback_data"])
    assert "stay in Xiaoshan as member" in (await li.next_message())["text"]
    assert (await world.storage.people.membership(li.id, team.id)).role == "member"
    assert await world.storage.audit.recent(action="role_change.reject")


async def test_a_supervisor_link_serves_one_person_by_default(world: World) -> None:
    team = await world.team()
    link = await create_invite(world.ctx, team, "supervisor", actor_id=world.admin_id)
    first, second = world.person("First"), world.person("Second")
    await _open_link(first, link.code)
    first.send_text("First")
    await first.next_message()
    first.send_text("Unit")
    assert "joined" in (await first.next_message())["text"]
    assert "already been used" in await _open_link(second, link.code)
    assert await world.storage.people.memberships(second.id) == []


def test_cli_invite_uses_and_reinstate(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    env = {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai"}
    assert main(["team", "add", "Alpha", "--lat", "30", "--lon", "120"], env=env) == 0
    assert main(["invite", "Alpha", "--uses", "2", "--bot-username", "b"], env=env) == 0
    assert "2 use(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main(["invite", "Alpha", "--uses", "0", "--bot-username", "b"], env=env)
    assert refused.value.code == 2
    capsys.readouterr()

    async def seed() -> None:
        async with Storage(tmp_path / "o.db") as storage:
            team = await storage.teams.by_name("Alpha")
            await storage.people.ensure(7, now=1.0)
            invite = await storage.invites.create(team.id, "member", now=1, days=9, created_by=None)
            assert await storage.people.accept_invite(
                7, team.id, "member", unit="U", code=invite.code, now=2
            )
            await storage.recalls.recall(7, team.id, reason="r", by=None, now=3)

    asyncio.run(seed())
    assert (
        main(["member", "reinstate", "7", "--team", "Alpha", "--reason", "mistake"], env=env) == 0
    )
    assert "reinstated" in capsys.readouterr().out
    assert main(["member", "reinstate", "7", "--team", "Alpha", "--reason", "again"], env=env) == 2
    assert "not recalled" in capsys.readouterr().err

    async def check() -> None:
        async with Storage(tmp_path / "o.db") as storage:
            team = await storage.teams.by_name("Alpha")
            assert (await storage.people.membership(7, team.id)).state == "active"
            assert await storage.recalls.open_vacancies(team.id) == []
            (row,) = await storage.audit.recent(action="member.reinstate")
            assert row["subject"] == "7"

    asyncio.run(check())
