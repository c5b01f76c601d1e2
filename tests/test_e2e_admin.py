"""Admins in chat, through the real bot and the emulator: /export and /recall, vacancies."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from bot.access import load_actor
from bot.services import export as export_service
from bot.services.recall import vacancy_reminders
from tests.world import SITE_LAT, SITE_LON, World


async def _audit(world: World, action: str) -> list[dict]:
    return await world.storage.audit.recent(limit=20, action=action)


async def _wait_upload(world: World, count: int = 1) -> list:
    for _ in range(100):
        if len(world.emu.uploads) >= count:
            return world.emu.uploads
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} uploads, got {len(world.emu.uploads)}")


async def test_non_admin_export_is_refused_and_audited(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_command("export")
    assert "not allowed" in (await li.next_message())["text"]
    # A forged button is refused too: identity comes from storage, not callback data.
    qid = li.press_raw("ex:f:csv")
    await world.emu.wait_for(lambda r: r.method == "answerCallbackQuery")
    assert "not allowed" in world.emu.callback_answers(qid)[0]["text"]
    refused = await _audit(world, "export.refused")
    assert [r["actor_id"] for r in refused] == [li.id, li.id]
    assert world.emu.uploads == []


async def test_admin_exports_this_month_for_all_teams_as_csv(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="王芳")
    li.send_location(SITE_LAT, SITE_LON, accuracy=10)
    await li.next_message()
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("export")
    ask = await admin.next_message()
    admin.press(ask, text="This month")
    ask_team = await admin.next_message()
    assert "2026-11-01 – 2026-11-30" in ask_team["text"]
    admin.press(ask_team, text="All teams")
    ask_format = await admin.next_message()
    admin.press(ask_format, text="CSV")
    assert "Exporting" in (await admin.next_message())["text"]
    (upload,) = await _wait_upload(world)
    assert upload.chat_id == world.admin_id and upload.filename.endswith("-csv.zip")
    done = await admin.next_message()
    while "document" in done:
        done = await admin.next_message()
    assert "✅" in done["text"] and "checkins 1" in done["text"]
    with zipfile.ZipFile(io.BytesIO(upload.data)) as zf:
        text = zf.read("checkins.csv").decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["member_name"] == "王芳" and row["accepted"] == "true"
    assert row["message_time"] == "2026-11-25T07:00:00+08:00"
    (audit,) = await _audit(world, "export")
    assert audit["actor_id"] == world.admin_id and '"format": "csv"' in audit["after"]


async def test_typed_range_one_team_xlsx_split_past_the_upload_limit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_service, "UPLOAD_LIMIT", 4000)
    team = await world.team()
    await world.team(name="Other")
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("export")
    admin.press(await admin.next_message(), text="Type a range")
    await admin.next_message()
    admin.send_text("2026-11-30 2026-11-01")
    assert "first not after the last" in (await admin.next_message())["text"]
    admin.send_text("2026-11-01 to 2026-11-30")
    await admin.next_message()
    admin.send_text("nowhere")
    assert "No team called" in (await admin.next_message())["text"]
    admin.send_text(team.name.lower())
    ask_format = await admin.next_message()
    assert team.name in ask_format["text"]
    admin.press(ask_format, text="XLSX")
    uploads = await _wait_upload(world, 2)
    for _ in range(100):
        notes = [m for m in admin.sent_messages() if "7-Zip" in m.get("text", "")]
        if notes:
            break
        await asyncio.sleep(0.05)
    assert notes, "the split note was not sent"
    names = [u.filename for u in uploads]
    assert names[0].endswith(".xlsx.001") and all(len(u.data) <= 4000 for u in uploads)
    book = load_workbook(io.BytesIO(b"".join(u.data for u in uploads)), read_only=True)
    assert "checkins" in book.sheetnames and "audit" in book.sheetnames


async def test_recall_end_to_end_with_vacancy_reminders(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei", unit="County Bureau")
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("recall")
    ask_team = await admin.next_message()
    admin.press(ask_team, text=team.name)
    ask_member = await admin.next_message()
    admin.press(ask_member, text="Li Wei · County Bureau")
    assert "Why is Li Wei" in (await admin.next_message())["text"]
    admin.send_text("   ")
    assert "reason is required" in (await admin.next_message())["text"]
    admin.send_text("needed back at the bureau")
    confirm = await admin.next_message()
    assert "Recall Li Wei (County Bureau)" in confirm["text"]
    admin.press(confirm, text="✅ Confirm")
    notice = await li.next_message()
    assert "recalled from Xiaoshan" in notice["text"] and "needed back" in notice["text"]
    done = await admin.next_message()
    assert "vacancy" in done["text"] and "⚠️" not in done["text"]

    membership = await world.storage.people.membership(li.id, team.id)
    assert membership.state == "recalled"
    (vacancy,) = await world.storage.recalls.open_vacancies(team.id)
    assert vacancy.unit == "County Bureau" and vacancy.recalled_by == world.admin_id
    (audit,) = await _audit(world, "member.recall")
    assert audit["actor_id"] == world.admin_id and audit["subject"] == str(li.id)
    actor = await load_actor(world.ctx, li.id, "en")
    assert not actor.can_act_as_member

    # The recalled member can no longer check in.
    li.send_location(SITE_LAT, SITE_LON)
    assert "recalled" in (await li.next_message())["text"]
    (row,) = await world.storage.db.fetchall("SELECT accepted, reject_reason FROM checkins")
    assert (row["accepted"], row["reject_reason"]) == (0, "recalled")

    bot = world.app.bot
    assert await vacancy_reminders(world.ctx, bot) == 0  # not open 7 days yet
    world.clock.advance(days=6, hours=23)
    assert await vacancy_reminders(world.ctx, bot) == 0
    world.clock.advance(hours=1)
    assert await vacancy_reminders(world.ctx, bot) == 1
    reminder = await admin.next_message()
    assert "Xiaoshan has had a vacancy for 7 days" in reminder["text"]
    assert await vacancy_reminders(world.ctx, bot) == 0  # once a day
    world.clock.advance(days=1)
    assert await vacancy_reminders(world.ctx, bot) == 1
    assert "for 8 days" in (await admin.next_message())["text"]

    # An invite accepted into the team fills the vacancy; reminders stop.
    zhang = await world.join(team, name="Zhang", unit="Township")
    assert await world.storage.recalls.open_vacancies(team.id) == []
    (closed,) = await _audit(world, "vacancy.close")
    assert closed["actor_id"] == zhang.id
    world.clock.advance(days=1)
    assert await vacancy_reminders(world.ctx, bot) == 0


async def test_direct_recall_in_the_members_language_and_refusals(world: World) -> None:
    team = await world.team()
    wang = await world.join(team, name="王芳", unit="县农业局", language_code="zh-hans")
    stranger = world.person("Nosy")
    stranger.send_command("recall", f"{wang.id} because")
    assert "not allowed" in (await stranger.next_message())["text"]
    assert (await _audit(world, "recall.refused"))[0]["actor_id"] == stranger.id
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("recall", "424242 reason")
    assert "No active member with id 424242" in (await admin.next_message())["text"]
    admin.send_command("recall", f"{wang.id} 调回原单位")
    confirm = await admin.next_message()
    assert "王芳 (县农业局)" in confirm["text"]
    admin.press(confirm, text="✅ Confirm")
    assert "您已被从 Xiaoshan 召回" in (await wang.next_message())["text"]
    await admin.next_message()
    # Pressing the stale confirmation again changes nothing.
    admin.press_raw("rc:ok", confirm)
    await world.emu.wait_for(lambda r: r.method == "answerCallbackQuery")
    assert len(await world.storage.recalls.open_vacancies(team.id)) == 1
    assert len(await _audit(world, "member.recall")) == 1


async def test_vacancy_reminder_is_not_lost_when_sending_fails(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("recall", f"{li.id} moved")
    admin.press(await admin.next_message(), text="✅ Confirm")
    await admin.next_message()
    world.clock.advance(days=7)
    # The transport's own retries are off: this is about a send that finally fails.
    world.app.bot.rate_limiter.attempts = 1
    world.emu.faults.add(kind="500", method="sendMessage", times=1)
    assert await vacancy_reminders(world.ctx, world.app.bot) == 0
    # Released, so the next run (same day) delivers it.
    assert await vacancy_reminders(world.ctx, world.app.bot) == 1


async def test_a_recalled_member_can_no_longer_act_as_one(world: World) -> None:
    from bot.services.recall import recall_member
    from tests.world import SITE_LAT, SITE_LON

    team = await world.team()
    li = await world.join(team)
    await recall_member(world.ctx, member_id=li.id, team=team, reason="moved", actor_id=None)
    li.send_command("diary")
    assert "for members stationed" in (await li.next_message())["text"]
    li.send_command("leave")
    assert "for members stationed" in (await li.next_message())["text"]
    li.send_command("makeup")
    assert "for members stationed" in (await li.next_message())["text"]
    li.send_photo(b"\x89PNG not really", caption="today's work")
    # Told why, not greeted as a stranger and sent off to find an invite link.
    assert "You have been recalled from Xiaoshan" in (await li.next_message())["text"]
    li.send_location(SITE_LAT, SITE_LON)
    assert "recalled from Xiaoshan and can no longer check in" in (await li.next_message())["text"]
    assert await world.storage.diary.of_person_day(li.id, world.clock.now().date()) == []
    requests = await world.storage.db.fetchall(
        "SELECT * FROM requests WHERE telegram_id = ?", (li.id,)
    )
    assert requests == []


async def test_a_stale_wizard_button_is_answered_politely(world: World, caplog) -> None:
    # An admin presses an export or recall button from a wizard that is no longer open
    # (finished, cancelled, or from before a restart): a polite answer, no error.
    admin = world.person("Admin", user_id=world.admin_id)
    for data in ("ex:f:csv", "rc:ok:1"):
        cq = admin.press_raw(data)
        rec = await world.emu.wait_for(
            # mypy cannot type a lambda's captured default; the emulator passes a record
            lambda r, cq=cq: (  # type: ignore[misc]
                r.method == "answerCallbackQuery" and r.params.get("callback_query_id") == cq
            )
        )
        assert "no longer valid" in rec.params["text"]
    assert not [r for r in caplog.records if r.name == "outpost.errors"]
