"""The monthly compliance job end to end: called as the scheduler would on 1 December,
against the real bot and the Bot API emulator."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.services.compliance import send_monthly_compliance
from tests import compliance_seed as seed
from tests.world import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A team name Excel would refuse as a sheet name: too long, with / : [ ].
LONG_NAME = "萧山区/瓜沥镇:东片[一组]驻村联络工作队第二十三号乡村振兴帮扶点"
LONG_SHEET = "萧山区 瓜沥镇 东片 一组 驻村联络工作队第二十三号乡村振兴帮"


async def _month(world: World):  # type: ignore[no-untyped-def]
    team = await world.team("Xiaoshan")
    other = await world.team("Beta")
    sup_zh = await world.join(team, role="supervisor", name="张队长", language_code="zh-hans")
    sup_en = await world.join(team, role="supervisor", name="Sam Lead", language_code="en")
    wang = await world.join(team, name="王小明", language_code="zh-hans")
    li = await world.join(team, name="Li Wei")
    await world.join(other, name="Bea")
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("start")
    await admin.next_message()
    s = world.storage
    # A reader's language is the one they chose (/language); offline messages have no
    # Telegram language_code to go by.
    await s.people.set_language(sup_zh.id, "zh", now=0)
    # They have been stationed there since October: November is owed in full.
    october = datetime(2026, 10, 1, tzinfo=SHANGHAI).timestamp()
    await s.db.execute("UPDATE memberships SET joined_at = ?", (october,))
    # November: Wang on site every day but the 30th; Li 10 days and 14 days of approved leave.
    await seed.days(
        s, team.id, wang.id, [(date(2026, 11, d), "on_site", "on_time") for d in range(1, 30)]
    )
    await seed.days(
        s, team.id, li.id, [(date(2026, 11, d), "on_site", "late") for d in range(1, 11)]
    )
    await seed.leave(s, team.id, li.id, "training", date(2026, 11, 15), date(2026, 12, 3))
    await seed.rollcall(s, team.id, [(li.id, date(2026, 6, 1), "no_answer")] * 2)
    return team, other, sup_zh, sup_en, admin


def _texts(world: World, chat_id: int) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in world.emu.sent_messages(chat_id) if "📊" in m.get("text", "")]


def _docs(world: World, chat_id: int) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in world.emu.sent_messages(chat_id) if "document" in m]


def _photos(world: World, chat_id: int) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in world.emu.sent_messages(chat_id) if "photo" in m]


async def test_on_the_first_supervisors_and_admins_get_last_month_once(world: World) -> None:
    team, _other, sup_zh, sup_en, admin = await _month(world)
    world.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))

    sent = await send_monthly_compliance(world.ctx, world.app.bot)
    # Two supervisors for Xiaoshan; the admin one digest of both teams.
    assert sent == 3

    text_zh = [
        m["text"] for m in world.emu.sent_messages(sup_zh.id) if "月度考勤" in m.get("text", "")
    ]
    assert len(text_zh) == 1
    report = text_zh[0]
    assert "Xiaoshan · 2026-11" in report
    assert "共 2 名队员：1 人达标，1 人未达标但有已批假可抵，0 人未达标" in report
    assert "请假可抵：Li Wei" in report and "1 人不可评“优秀”" in report
    en = _texts(world, sup_en.id)[0]["text"]
    assert "2 members: 1 meet the policy, 1 short but covered by approved leave" in en

    for user in (sup_zh, sup_en):
        assert len(_docs(world, user.id)) == 1 and len(_photos(world, user.id)) == 1
    assert len(_docs(world, admin.id)) == 1  # one workbook for all teams
    # Rendered and uploaded once per language; the second English reader gets the file_id.
    xlsx_uploads = [u for u in world.emu.uploads if u.method == "sendDocument"]
    assert {u.chat_id for u in xlsx_uploads} >= {sup_zh.id}
    assert len([u for u in xlsx_uploads if u.filename.endswith(f"-{team.id}.xlsx")]) == 2
    zh_upload = next(u for u in xlsx_uploads if u.chat_id == sup_zh.id)
    path = world.ctx.settings.media_dir / "report.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zh_upload.data)
    summary = load_workbook(path).worksheets[0]
    rows = {summary.cell(r, 2).value: r for r in range(2, summary.max_row + 1)}
    assert summary.cell(rows["王小明"], 4).value == 29  # days on site
    assert summary.cell(rows["Li Wei"], 4).value == 10

    # A second run (restart, retry, second process) sends nothing more.
    mark = world.emu.mark()
    assert await send_monthly_compliance(world.ctx, world.app.bot) == 0
    assert not [r for r in world.emu.requests[mark:] if r.method.startswith("send")]


async def test_failures_mid_fan_out_lose_and_duplicate_nothing(world: World) -> None:
    _, _, sup_zh, sup_en, admin = await _month(world)
    world.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))
    world.emu.set_blocked(sup_en.id)
    # The first workbook upload fails with a 500 after its summary went out (the transport's
    # own retries are off: this is about what a send that finally fails leaves behind).
    world.app.bot.rate_limiter.attempts = 1
    world.emu.faults.add(kind="500", method="sendDocument", times=1)

    first = await send_monthly_compliance(world.ctx, world.app.bot)
    assert first == 1  # one recipient failed, one blocked, the rest (the admin) went on
    assert (await world.storage.people.get(sup_en.id)).unreachable
    second = await send_monthly_compliance(world.ctx, world.app.bot)
    assert second == 1  # the failed one, completed
    assert await send_monthly_compliance(world.ctx, world.app.bot) == 0

    texts = _texts(world, sup_zh.id)
    assert len(texts) == 1 and len(_docs(world, sup_zh.id)) == 1
    assert len(_photos(world, sup_zh.id)) == 1
    # The admin: one digest and one workbook for both teams.
    assert len(_texts(world, admin.id)) == 1 and len(_docs(world, admin.id)) == 1
    assert _docs(world, sup_en.id) == []


async def test_each_team_reports_its_own_last_month(world: World) -> None:
    berlin = await world.team("Berlin", tz="Europe/Berlin")
    lead = await world.join(berlin, role="supervisor", name="Greta")
    # 1 Dec 06:00 in Shanghai is still 30 Nov 23:00 in Berlin: Berlin's last month is October.
    # (The admin never opened a chat with the bot: that delivery fails and is left to retry.)
    world.clock.set(datetime(2026, 12, 1, 6, 0, tzinfo=SHANGHAI))
    assert await send_monthly_compliance(world.ctx, world.app.bot) == 1
    (text,) = [m["text"] for m in _texts(world, lead.id)]
    assert "Berlin · 2026-10" in text and "No members this month." in text
    # An explicit month is its own report, sent although October's went out; a scheduler
    # job for one team sends only that team's.
    other = await world.team("Other")
    other_lead = await world.join(other, role="supervisor", name="Olaf")
    sent = await send_monthly_compliance(world.ctx, world.app.bot, (2026, 9), team_id=berlin.id)
    assert sent == 1 and "Berlin · 2026-09" in _texts(world, lead.id)[-1]["text"]
    assert _texts(world, other_lead.id) == []


async def test_admins_get_one_monthly_digest_with_one_workbook(world: World) -> None:
    """Issue 13 item 16: an admin of hundreds of teams gets one message and one workbook
    for the month, not one per team; supervisors still get their own team's."""
    team, other, sup_zh, _sup_en, admin = await _month(world)
    long = await world.team(LONG_NAME)
    await world.join(long, name="Zhou Min")
    october = datetime(2026, 10, 1, tzinfo=SHANGHAI).timestamp()
    await world.storage.db.execute("UPDATE memberships SET joined_at = ?", (october,))
    await world.team("Empty")  # nobody in November
    world.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))
    # The scheduler calls once per team; the digest goes with the last team to come due.
    await send_monthly_compliance(world.ctx, world.app.bot, team_id=team.id)
    await send_monthly_compliance(world.ctx, world.app.bot, team_id=other.id)
    await send_monthly_compliance(world.ctx, world.app.bot, team_id=other.id)  # a retry
    [digest] = [m["text"] for m in world.emu.sent_messages(admin.id) if "📊" in m.get("text", "")]
    assert "Xiaoshan" in digest and "Beta" in digest and "2026-11" in digest
    [doc] = _docs(world, admin.id)
    assert doc["document"]["file_name"] == "compliance-2026-11.xlsx"
    assert len(_docs(world, sup_zh.id)) == 1
    # The workbook: an overview, then a sheet per team, named after it as Excel allows.
    [upload] = [u for u in world.emu.uploads if u.chat_id == admin.id]
    book = load_workbook(io.BytesIO(upload.data), read_only=True)
    assert book.sheetnames[0] == "Overview"
    # A team with nobody that month is a line of the overview, with no sheet.
    assert sorted(book.sheetnames[1:]) == sorted(["Beta", LONG_SHEET, "Xiaoshan"])
    overview = [list(r) for r in book["Overview"].iter_rows(values_only=True)]
    assert overview[0][:6] == ["Team", "Sheet", "Members", "Meet the policy", "Covered by leave",
                               "Short"]  # fmt: skip
    assert ["Xiaoshan", "Xiaoshan", 2, 1, 1, 0] in overview
    assert [LONG_NAME, LONG_SHEET, 1, 0, 0, 1] in overview
    assert ["Empty", None, 0, 0, 0, 0] in overview
    sheet = [list(r) for r in book["Xiaoshan"].iter_rows(values_only=True)]
    header = sheet[0]
    assert header[0] == "Member" and header[-30:] == [str(d) for d in range(1, 31)]
    wang = next(r for r in sheet if r and r[0] == "王小明")
    assert wang[header.index("Days on site")] == 29
    assert wang[header.index("1")] == "✓" and wang[header.index("30")] == "✗"
    assert not any(r and r[0] == "Bea" for r in sheet)
    assert any(r and r[0] == "Bea" for r in book["Beta"].iter_rows(values_only=True))
