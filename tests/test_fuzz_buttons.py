"""Forged and stale buttons never raise (issue 12, item 8): every callback prefix the bot
uses, pressed with random and hostile payloads, in every step of its flow, by someone who is
admin, supervisor and member at once (the most code reachable), ends in a polite answer."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import pytest

from tests.world import World

PREFIXES = ("lang", "join", "role", "nt", "req", "lv", "mk", "di", "dv", "ex", "rc")
# Words the parsers look for, and values at and past every range's edge.
WORDS = (
    "type", "day", "mon", "ok", "no", "nop", "approve", "reject", "cancel", "end", "open",
    "yes", "done", "t", "m", "f", "r", "all", "this", "last", "typed", "csv", "xlsx",
    "default", "confirm", "personal", "sick", "-", "en", "zh", "xx",
)  # fmt: skip
EDGES = (
    "", "0", "-1", "1", "9999-12", "0001-01", "10000-01", "2026-13", "2026-00", "0000-00",
    "9999-12-31", "0001-01-01", "2026-02-30", "2026-11-25", "20261125", "99991231", "00010101",
    "99999999999999999999", "-9223372036854775809", "9223372036854775808", "1e400", "nan",
    "inf", "x" * 50, "%s", "..", " ", "١٢", "2026-11", "+5", "0x10",
)  # fmt: skip


def payloads(rng: random.Random, prefix: str, n: int) -> list[str]:
    out = []
    for _ in range(n):
        parts = [rng.choice(WORDS + EDGES) for _ in range(rng.randint(0, 4))]
        if parts and rng.random() < 0.5:
            parts[0] = rng.choice(WORDS)
        out.append(":".join([prefix, *parts])[:64])
    return out


FLOWS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "lv": [
        ("leave", "type", {"kind": "leave"}),
        ("leave", "first", {"kind": "leave", "type": "personal"}),
        ("leave", "last", {"kind": "leave", "type": "personal", "first": "2026-11-26"}),
    ],
    "ex": [
        ("export", "range", {}),
        ("export", "team", {"first": "2026-11-01", "last": "2026-11-30"}),
        ("export", "format", {"first": "2026-11-01", "last": "2026-11-30", "team": None}),
    ],
    "rc": [("recall", "team", {}), ("recall", "member", {"team": 1})],
    "di": [("diary", "collect", {"day": "2026-11-25"})],
}


async def _settle(world: World) -> None:
    last = world.emu.updates.next_id - 1
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while world.emu.confirmed_update_id < last:
        assert loop.time() < deadline, "the bot did not get through its presses"
        await asyncio.sleep(0.01)


async def test_every_prefix_with_hostile_payloads_raises_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    home = await world.team("Home")
    other = await world.team("Other")
    everyone = await world.enroll(home, name="Zhao", user_id=world.admin_id)
    await world.storage.people.join(everyone.id, other.id, "supervisor", unit="U", code="-", now=0)
    rng = random.Random(12)
    caplog.set_level(logging.ERROR)
    pressed = 0
    for prefix in PREFIXES:
        for flow in [None, *FLOWS.get(prefix, [])]:
            for data in payloads(rng, prefix, 25):
                if flow is None:
                    await world.storage.flows.clear(everyone.id)
                else:
                    await world.storage.flows.set(everyone.id, *flow, now=0)
                everyone.press_raw(data)
                pressed += 1
            await _settle(world)
    edges = (
        "lv:mon:9999-12", "lv:mon:0001-01", "lv:day:9999-12-31", "lv:day:0001-01-01",
        "mk:0001-01-01", "mk:9999-12-31", "dv:t:1:99991231", "dv:t:1:00010101",
        "dv:m:1:99991231:900001", "di:yes:9999-12-31", "req:approve:99999999999999999999",
    )  # fmt: skip
    for data in edges:
        await world.storage.flows.set(everyone.id, *FLOWS["lv"][1], now=0)
        everyone.press_raw(data)
    await _settle(world)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], "\n".join(f"{r.getMessage()}: {r.exc_info}" for r in failures[:5])
    assert pressed > 400
