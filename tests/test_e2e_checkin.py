"""Members check in through the real bot, over HTTP, against the emulator."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import SHANGHAI
from tests.world import SITE_LAT, SITE_LON, World, offset


async def _rows(world: World, user_id: int) -> list[dict]:
    return await world.storage.db.fetchall(
        "SELECT * FROM checkins WHERE telegram_id = ? ORDER BY id", (user_id,)
    )


async def test_on_site_on_time(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_location(*offset(SITE_LAT, SITE_LON, north_m=80), accuracy=15)
    reply = await li.next_message()
    assert "on site" in reply["text"] and "on time" in reply["text"] and "80 m" in reply["text"]
    # The reply keeps the menu with its location button.
    assert li.reply_keyboard["keyboard"][0][0]["request_location"] is True
    rows = await _rows(world, li.id)
    assert len(rows) == 1
    row = rows[0]
    assert row["accepted"] == 1 and row["place"] == "on_site" and row["timing"] == "on_time"
    assert row["accuracy_m"] == 15 and 75 < row["distance_m"] < 85
    assert row["local_day"] == "2026-11-25" and row["effect"] == "counts"
    day = await world.storage.checkins.day_state(li.id, team.id, datetime(2026, 11, 25).date())
    assert day["place"] == "on_site" and day["timing"] == "on_time"


async def test_chinese_member_gets_chinese_reply(world: World) -> None:
    team = await world.team()
    wang = await world.join(team, name="王芳", language_code="zh-hans")
    wang.send_location(SITE_LAT, SITE_LON)
    reply = await wang.next_message()
    assert "在驻点" in reply["text"] and "准时" in reply["text"]


async def test_late_after_grace(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    world.clock.set(datetime(2026, 11, 25, 7, 40, 1, tzinfo=SHANGHAI))
    li.send_location(SITE_LAT, SITE_LON)
    assert "late" in (await li.next_message())["text"]


async def test_after_cutoff_counts_missed_and_offers_makeup(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    world.clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=SHANGHAI))
    li.send_location(SITE_LAT, SITE_LON)
    text = (await li.next_message())["text"]
    assert "missed" in text and "12:00" in text and "make-up" in text


async def test_too_early_is_rejected_and_kept(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    world.clock.set(datetime(2026, 11, 25, 5, 0, tzinfo=SHANGHAI))
    li.send_location(SITE_LAT, SITE_LON)
    assert "opens at 05:30" in (await li.next_message())["text"]
    [row] = await _rows(world, li.id)
    assert row["accepted"] == 0 and row["reject_reason"] == "too_early"


async def test_out_of_area_asks_reason_and_alerts_supervisor_with_the_point(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang Supervisor")
    li = await world.join(team, name="Li Wei")
    far = offset(SITE_LAT, SITE_LON, east_m=2300)
    li.send_location(*far, accuracy=20)
    reply = await li.next_message()
    assert "OUT OF AREA" in reply["text"] and "2.3 km" in reply["text"]
    assert "reason" in (await li.next_message())["text"]
    alert = await boss.next_message()
    assert "Li Wei" in alert["text"] and "2.3 km" in alert["text"]
    point = await boss.next_message()
    assert point["location"]["latitude"] == pytest.approx(far[0], abs=1e-5)
    li.send_text("Fetching seed from the county town")
    assert "Reason recorded" in (await li.next_message())["text"]
    assert "Fetching seed" in (await boss.next_message())["text"]
    [row] = await _rows(world, li.id)
    assert (
        row["place"] == "out_of_area"
        and row["out_of_area_reason"] == "Fetching seed from the county town"
    )


async def test_out_of_area_then_on_site_upgrades_the_day(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_location(*offset(SITE_LAT, SITE_LON, north_m=5000))
    await li.next_message()
    await li.next_message()  # reason prompt
    li.send_text("On the road")
    await li.next_message()
    world.clock.advance(minutes=20)
    li.send_location(SITE_LAT, SITE_LON)
    text = (await li.next_message())["text"]
    assert "now counts as on site" in text
    day = await world.storage.checkins.day_state(li.id, team.id, datetime(2026, 11, 25).date())
    assert day["place"] == "on_site" and day["timing"] == "on_time"


async def test_second_checkin_changes_nothing(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_location(SITE_LAT, SITE_LON)
    await li.next_message()
    world.clock.advance(hours=1)
    li.send_location(*offset(SITE_LAT, SITE_LON, east_m=4000))
    text = (await li.next_message())["text"]
    assert "already counted" in text
    rows = await _rows(world, li.id)
    assert [r["effect"] for r in rows] == ["counts", "no_change"]
    day = await world.storage.checkins.day_state(li.id, team.id, datetime(2026, 11, 25).date())
    assert day["place"] == "on_site"


@pytest.mark.parametrize(
    ("send", "reason", "phrase"),
    [
        (lambda u: u.forward_location(SITE_LAT, SITE_LON), "forwarded", "forwarded"),
        (lambda u: u.send_venue(SITE_LAT, SITE_LON, "Village hall", "Main St 1"), "venue", "venue"),
        (
            lambda u: u.send_location(SITE_LAT, SITE_LON, is_from_offline=True),
            "offline",
            "scheduled",
        ),
        (lambda u: u.send_location(SITE_LAT, SITE_LON, accuracy=1200), "inaccurate", "1200 m"),
    ],
)
async def test_rejections_are_explained_and_stored(
    world: World, send, reason: str, phrase: str
) -> None:
    team = await world.team()
    li = await world.join(team)
    send(li)
    assert phrase in (await li.next_message())["text"]
    [row] = await _rows(world, li.id)
    assert row["accepted"] == 0 and row["reject_reason"] == reason
    assert row["lat"] == pytest.approx(SITE_LAT) and row["distance_m"] is not None
    assert (
        await world.storage.checkins.day_state(li.id, team.id, datetime(2026, 11, 25).date())
        is None
    )


async def test_stranger_location_is_refused_and_kept(world: World) -> None:
    stranger = world.person("Nobody")
    stranger.send_location(SITE_LAT, SITE_LON)
    assert "not a member" in (await stranger.next_message())["text"]
    [row] = await _rows(world, stranger.id)
    assert row["reject_reason"] == "not_member" and row["team_id"] is None


async def test_backlog_is_timed_by_message_date_not_arrival(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    sent_at = datetime(2026, 11, 25, 7, 20, tzinfo=SHANGHAI)
    # The bot was down: the message reaches it at 08:05, well past the deadline.
    world.clock.set(datetime(2026, 11, 25, 8, 5, tzinfo=SHANGHAI))
    li.send_location(SITE_LAT, SITE_LON, date=int(sent_at.timestamp()))
    text = (await li.next_message())["text"]
    assert "on time" in text and "45 min later" in text
    [row] = await _rows(world, li.id)
    assert (
        row["timing"] == "on_time" and row["delayed"] == 1 and row["delay_s"] == pytest.approx(2700)
    )


async def test_live_location_edits_become_a_track(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    msg = li.send_location(SITE_LAT, SITE_LON, live_period=3600, accuracy=10)
    assert "on site" in (await li.next_message())["text"]
    assert "Live location" in (await li.next_message())["text"]
    for north in (50, 120, 400):
        # Each edit comes five minutes later by both clocks (a future date would be refused).
        world.clock.advance(minutes=5)
        at = world.clock.now()
        li.edit_live_location(
            msg, *offset(SITE_LAT, SITE_LON, north_m=north), edit_date=at.timestamp()
        )
    [row] = await _rows(world, li.id)
    for _ in range(100):
        track = await world.storage.checkins.track(row["id"])
        if len(track) == 3:
            break
        await world.emu.changed(0.05)
    assert [round(p.distance_m, -1) for p in track] == [50, 120, 400]
    assert row["is_live"] == 1 and row["live_period"] == 3600


async def test_redelivered_update_changes_nothing(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    msg = li.send_location(SITE_LAT, SITE_LON)
    await li.next_message()
    world.emu.push_update({"message": msg})  # Telegram hands the same message again
    li.send_text("/help")
    assert "Commands" in (await li.next_message())["text"]
    assert len(await _rows(world, li.id)) == 1


async def test_recalled_member_cannot_check_in(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    await world.storage.db.execute(
        "UPDATE memberships SET state = 'recalled' WHERE telegram_id = ?", (li.id,)
    )
    li.send_location(SITE_LAT, SITE_LON)
    assert "recalled from Xiaoshan" in (await li.next_message())["text"]
    [row] = await _rows(world, li.id)
    assert row["reject_reason"] == "recalled"
