"""Evidence through the real bot: a replayed location reaches the supervisor as something to
look at, clearing it is audited, /evidence draws the month, and admins get the head hash."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.evidence import send_admin_anchor
from bot.services.summary import send_supervisor_summaries, send_weekly_digest
from storage.chain_verify import verify
from tests.sched_helpers import texts_to
from tests.world import SITE_LAT, SITE_LON, World, offset

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 25)


async def _replayer(world: World):  # type: ignore[no-untyped-def]
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    li = await world.join(team, name="Li Wei")
    honest = await world.join(team, name="Honest Han")
    spot = offset(SITE_LAT, SITE_LON, north_m=40, east_m=25)
    li.send_location(*spot, accuracy=11.87)
    await li.next_message()
    honest.send_location(*offset(SITE_LAT, SITE_LON, north_m=10), accuracy=9.31)
    await honest.next_message()
    # The next morning Li shares yesterday's pin again; Han stands somewhere else.
    world.clock.advance(days=1)
    li.send_location(*spot, accuracy=11.87)
    reply = await li.next_message()
    honest.send_location(*offset(SITE_LAT, SITE_LON, north_m=14, east_m=-6), accuracy=7.02)
    await honest.next_message()
    return team, boss, li, honest, reply


async def test_a_replayed_location_is_accepted_and_shown_to_look_at(world: World) -> None:
    team, boss, li, _honest, reply = await _replayer(world)
    # Never rejected on a signal alone.
    assert "on site" in reply["text"]
    [signal] = await world.storage.spoof.for_team(team.id, DAY, DAY + timedelta(days=1))
    assert (signal.signal, signal.telegram_id, signal.source) == ("frozen_fix", li.id, "checkin")
    assert signal.inputs["same_as"]["day"] == "2026-11-25" and signal.inputs["gap_m"] < 1

    boss.send_command("summary")
    text = (await boss.next_message())["text"]
    assert "To look at (1)" in text and "Li Wei" in text and "frozen fix" in text
    assert "same spot as 2026-11-25" in text and "Honest Han, 2026" not in text

    at = datetime(2026, 11, 26, 21, 0, tzinfo=SH).astimezone(UTC)
    world.clock.set(at)
    assert (await send_supervisor_summaries(world.ctx, world.app.bot, team.id, at)).sent == [
        boss.id
    ]
    assert f"#{signal.id} Li Wei, 2026-11-26: frozen fix" in texts_to(world, boss.id)[-1]
    # The Monday digest lists the week's signals too.
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=SH).astimezone(UTC)
    world.clock.set(monday)
    assert (await send_weekly_digest(world.ctx, world.app.bot, team.id, monday)).sent == [boss.id]
    assert "To look at (1)" in texts_to(world, boss.id)[-1]


async def test_clearing_a_signal_needs_a_reason_and_is_audited(world: World) -> None:
    team, boss, li, _honest, _ = await _replayer(world)
    [signal] = await world.storage.spoof.for_team(team.id, DAY, DAY + timedelta(days=1))
    li.send_command("clearsignal", f"{signal.id} it was me")
    assert "Only the team's supervisors" in (await li.next_message())["text"]
    boss.send_command("clearsignal", str(signal.id))
    assert "Usage" in (await boss.next_message())["text"]
    boss.send_command("clearsignal", "12abc lives there")
    assert "Usage" in (await boss.next_message())["text"]
    boss.send_command("clearsignal", "9" * 30 + " lives there")
    assert "Usage" in (await boss.next_message())["text"]
    boss.send_command("clearsignal", "٣ arabic-indic digit")
    assert "Usage" in (await boss.next_message())["text"]
    boss.send_command("clearsignal", "99999 lives there")
    assert "no signal #99999" in (await boss.next_message())["text"]
    boss.send_command("clearsignal", f"#{signal.id}   Lives in the house at the pin  ")
    assert "cleared: Lives in the house at the pin" in (await boss.next_message())["text"]
    boss.send_command("clearsignal", f"{signal.id} again")
    assert "already cleared" in (await boss.next_message())["text"]
    stored = await world.storage.spoof.get(signal.id)
    assert stored.cleared_by == boss.id and stored.clear_reason == "Lives in the house at the pin"
    [audit] = await world.storage.audit.recent(action="spoof.clear")
    assert audit["actor_id"] == boss.id and audit["team_id"] == team.id
    boss.send_command("summary")
    assert "To look at" not in (await boss.next_message())["text"]
    # Another team's supervisor cannot see or clear it.
    other = await world.team("Other")
    stranger_boss = await world.join(other, role="supervisor", name="Other Boss")
    stranger_boss.send_command("clearsignal", f"{signal.id} nosy")
    assert "no signal" in (await stranger_boss.next_message())["text"]
    report = verify(world.storage.db.target)
    assert report.ok, [p.describe() for p in report.problems]


async def test_evidence_picture_for_a_member_month(world: World) -> None:
    _team, boss, li, _honest, _ = await _replayer(world)
    boss.send_command("evidence", "li wei 2026-11")
    photo = await boss.next_message()
    assert (
        photo.get("photo") and "Li Wei, Xiaoshan, 2026-11: 2 fixes, 1 signals" in photo["caption"]
    )
    listing = (await boss.next_message())["text"]
    assert "Signals (1)" in listing and "frozen fix" in listing
    boss.send_command("evidence", "Honest")  # a unique part of a name; this month by default
    assert "1 fixes" not in (await boss.next_message())["caption"]
    assert "No signals" in (await boss.next_message())["text"]
    boss.send_command("evidence", "Li Wei 9999-12")  # the last month there is: no fixes
    assert "0 fixes" in (await boss.next_message())["caption"]
    assert "No signals" in (await boss.next_message())["text"]
    boss.send_command("evidence", "Li Wei 2026-13")
    assert "not a month" in (await boss.next_message())["text"]
    boss.send_command("evidence", "Nobody")
    assert "No member" in (await boss.next_message())["text"]
    boss.send_command("evidence")
    assert "Usage" in (await boss.next_message())["text"]
    li.send_command("evidence", "Honest Han")
    assert "Only supervisors" in (await li.next_message())["text"]
    admin = world.emu.user(world.admin_id, first_name="Admin")
    admin.send_command("evidence", str(li.id))
    assert (await admin.next_message()).get("photo")


async def test_admins_get_the_head_hash_and_it_verifies(world: World) -> None:
    await _replayer(world)
    world.emu.user(world.admin_id, first_name="Admin")  # has opened the bot
    at = datetime(2026, 11, 26, 23, 50, tzinfo=SH).astimezone(UTC)
    result = await send_admin_anchor(world.ctx, world.app.bot, at)
    assert result.sent == [world.admin_id]
    text = texts_to(world, world.admin_id)[-1]
    head = text.split("2026-11-26: ")[1].split()[0]
    assert len(head) == 64
    report = verify(world.storage.db.target, anchor=head)
    assert report.ok and report.anchor_found
    # Once a day: a second run sends nothing.
    assert (await send_admin_anchor(world.ctx, world.app.bot, at)).sent == []


async def test_the_monthly_table_counts_open_signals_per_member(world: World) -> None:
    team, boss, li, honest, _ = await _replayer(world)
    [inputs] = await world.storage.compliance.month_inputs(2026, 11, team.id)
    counts = {m.telegram_id: m.spoof_signals for m in inputs.members}
    assert counts == {li.id: 1, honest.id: 0}
    [signal] = await world.storage.spoof.for_team(team.id, DAY, DAY + timedelta(days=1))
    await world.storage.spoof.clear(signal.id, by=boss.id, reason="checked", at=0.0)
    [inputs] = await world.storage.compliance.month_inputs(2026, 11, team.id)
    assert {m.spoof_signals for m in inputs.members} == {0}


async def _signals_of(world: World, team_id: int, count: int) -> list:  # type: ignore[type-arg]
    # Live-location edits carry no reply: wait until the bot has handled them.
    for _ in range(100):
        found = await world.storage.spoof.for_team(team_id, DAY, DAY)
        if len(found) >= count:
            return found
        await world.emu.changed(0.05)
    return await world.storage.spoof.for_team(team_id, DAY, DAY)


async def test_a_live_location_that_never_moves(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    spot = offset(SITE_LAT, SITE_LON, north_m=30)
    msg = li.send_location(*spot, live_period=3600, accuracy=6.5)
    assert "on site" in (await li.next_message())["text"]
    await li.next_message()  # "live location is being kept as a track"
    for _ in (4, 8, 12):
        # Each edit four minutes later by both clocks (a future date would be refused).
        world.clock.advance(minutes=4)
        li.edit_live_location(msg, *spot, accuracy=6.5, edit_date=world.clock.now().timestamp())
    [signal] = await _signals_of(world, team.id, 1)
    assert (signal.signal, signal.source) == ("static_live", "live")
    assert signal.inputs["points"] == 4 and signal.inputs["seconds"] == 720


async def test_a_walking_live_location_raises_nothing(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    msg = li.send_location(SITE_LAT, SITE_LON, live_period=3600, accuracy=6.5)
    await li.next_message()
    await li.next_message()
    for minutes in (4, 8, 12, 16):
        world.clock.advance(minutes=4)
        where = offset(SITE_LAT, SITE_LON, north_m=minutes * 6.0, east_m=minutes * 2.5)
        li.edit_live_location(msg, *where, accuracy=7.25, edit_date=world.clock.now().timestamp())
    for _ in range(100):
        [row] = await world.storage.checkins.for_person_day(li.id, DAY)
        if len(await world.storage.checkins.track(row["id"])) == 4:
            break
        await world.emu.changed(0.05)
    # The walk was kept: its silence is the rule's, not a refusal's.
    assert len(await world.storage.checkins.track(row["id"])) == 4
    assert await world.storage.spoof.for_team(team.id, DAY, DAY) == []


async def test_a_roll_call_answer_300_km_from_the_check_in(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    li = await world.join(team, name="Li Wei")
    li.send_location(SITE_LAT, SITE_LON, accuracy=8.5)
    await li.next_message()
    world.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=SH))
    boss.send_command("rollcall")
    await boss.next_message()
    await li.next_message()
    # An hour after checking in at the site, "answering" from 300 km away.
    li.send_location(*offset(SITE_LAT, SITE_LON, north_m=300_000), live_period=900, accuracy=5.5)
    assert "OUT OF AREA" in (await li.next_message())["text"]
    [signal] = await world.storage.spoof.for_team(team.id, DAY, DAY)
    assert (signal.signal, signal.source) == ("impossible_travel", "rollcall")
    assert 250 < signal.inputs["speed_kmh"] < 350
