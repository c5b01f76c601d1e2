"""Telegram misbehaving on a fifth of the calls during a day's traffic: nothing lost, nothing
said twice, polling goes on, and each fault is logged exactly once with its context."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from bot.i18n import t
from tests.world import SITE_LAT, SITE_LON, World, offset

# 429, 500, 502, reset and stall share the 20 %: the emulator tries the rules in order.
FAULT_SHARE = 0.2 / 5


async def _until_handled(world: World, last_update_id: int, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while world.emu.confirmed_update_id < last_update_id:
        assert loop.time() < deadline, "the bot stopped getting through its updates"
        await world.emu.changed(0.5)


# Telegram's real stalls last about 10 s; the suite scales them down to stay fast, and the
# real length runs when OUTPOST_SLOW_TESTS=1 (it proves the timeouts outlast a real stall).
REAL_STALL = pytest.param(
    10.0,
    marks=pytest.mark.skipif(
        not os.environ.get("OUTPOST_SLOW_TESTS"), reason="real 10 s stalls: OUTPOST_SLOW_TESTS=1"
    ),
    id="real-10s-stalls",
)


@pytest.mark.parametrize("stall_s", [pytest.param(1.5, id="scaled-stalls"), REAL_STALL])
async def test_day_of_faults(
    world: World, caplog: pytest.LogCaptureFixture, stall_s: float
) -> None:
    caplog.set_level(logging.INFO, logger="outpost")
    team = await world.team()
    supervisor = await world.enroll(team, "supervisor", name="Boss")
    members = [await world.enroll(team, name=f"Member {i}") for i in range(24)]
    emu = world.emu
    rules = [
        emu.faults.add("429", probability=FAULT_SHARE, times=None, retry_after=1),
        emu.faults.add("500", probability=FAULT_SHARE, times=None),
        emu.faults.add("502", probability=FAULT_SHARE, times=None),
        emu.faults.add("reset", probability=FAULT_SHARE, times=None),
        emu.faults.add("stall", probability=FAULT_SHARE, times=None, seconds=stall_s),
        # The long poll itself fails too: the poller must keep going.
        emu.faults.add("500", method="getUpdates", times=1),
        emu.faults.add("reset", method="getUpdates", times=1),
    ]
    last = 0
    for i, member in enumerate(members):
        # A few are out of the area: the supervisor is alerted (a small fan-out).
        north = 2_000 if i % 8 == 0 else 50
        member.send_location(*offset(SITE_LAT, SITE_LON, north_m=north), accuracy=15)
        member.send_text("Inspected the canal")
        last = emu.updates.next_id - 1
    await _until_handled(world, last, within=120)
    handled = emu.mark()

    # Nothing lost, nothing doubled.
    ids = [u["update_id"] for u in emu.delivered_updates if u["update_id"] > 0]
    for update_id in ids:
        assert await world.storage.delivery.is_processed(update_id)
    rows = await world.storage.db.fetchall("SELECT telegram_id FROM checkins")
    assert sorted(r[0] for r in rows) == sorted(m.id for m in members)

    # Every member heard exactly once about each thing they sent; nobody heard twice. The
    # text of a member who was out of the area is the reason for it, as asked.
    for i, member in enumerate(members):
        texts = [m["text"] for m in emu.sent_messages(member.id)]
        assert sum(x.startswith("✅") for x in texts) == 1, texts
        # The free text of the others is kept and asked about as a diary entry.
        told = t("en", "told.supervisors", names="Boss")  # the reply names who was told
        answer = (
            t("en", "checkin.oor_saved", told=told) if i % 8 == 0 else t("en", "diary.ask", n=1)
        )
        assert texts.count(answer) == 1, texts
        assert len(texts) == (3 if i % 8 == 0 else 2), texts
    # Members 0, 8 and 16 were 2 km out: their supervisor heard of each, and of the reason.
    alerts = [m for m in emu.sent_messages(supervisor.id) if "text" in m]
    assert len(alerts) == 6, [m["text"] for m in alerts]

    # Each fault that reached the bot was logged once, saying where it happened.
    fired = {id(r): r.fired for r in rules}
    failing = sum(r.fired for r in rules if r.kind != "stall")
    fault_logs = [r for r in caplog.records if r.name == "outpost.faults"]
    assert failing >= 5 and len(fault_logs) == failing, (fired, [r.message for r in fault_logs])
    for record in fault_logs:
        assert "chat" in record.message or "getUpdates" in record.message, record.message
    assert sum(r.fired for r in rules if r.kind == "stall") >= 1
    # The bot kept polling to the end: a poll made after everything was handled is
    # answered (the one confirming the last updates may still be waiting for news).
    polled = await emu.wait_for(
        lambda r: r.method == "getUpdates" and r.status == 200, since=handled, timeout=5
    )
    assert polled.params.get("offset") == last + 1
