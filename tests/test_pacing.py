"""The outgoing scheduler's budget and lanes (bot/pacing.py, bot/resilience.py), on real time
at high rates so each test takes a fraction of a second."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.config import ConfigError, load_settings
from bot.pacing import BULK, Lane, Pacer, SendAs
from bot.resilience import NoticeWithdrawn, OutgoingScheduler


async def _drain_burst(pacer: Pacer) -> None:
    while pacer.granted[Lane.BULK] < 2:  # the saved-up tenth of a second is spent
        await pacer.slot(Lane.BULK)


async def test_an_interactive_send_waits_at_most_one_slot_behind_queued_bulk() -> None:
    pacer = Pacer(50, burst=1)
    await _drain_burst(pacer)
    order: list[str] = []

    async def send(lane: Lane, name: str) -> None:
        await pacer.slot(lane)
        order.append(name)

    bulk = [asyncio.create_task(send(Lane.BULK, f"bulk{i}")) for i in range(6)]
    await asyncio.sleep(0.001)  # all six queued
    alert = asyncio.create_task(send(Lane.ALERT, "alert"))
    reply = asyncio.create_task(send(Lane.INTERACTIVE, "reply"))
    await asyncio.gather(*bulk, alert, reply)
    # Queued bulk goes no further than the slot already due; then the reply, the alert.
    assert order.index("reply") <= 1 and order.index("alert") == order.index("reply") + 1
    assert [n for n in order if n.startswith("bulk")] == [f"bulk{i}" for i in range(6)]
    await pacer.close()


async def test_bulk_alone_runs_at_the_full_budget() -> None:
    pacer = Pacer(200, burst=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(pacer.slot(Lane.BULK) for _ in range(41)))
    took = loop.time() - started
    # 40 intervals of 5 ms after the first slot: 0.2 s, not slower, never faster.
    assert 0.19 <= took < 0.3, took
    await pacer.close()


async def test_a_group_past_its_budget_waits_without_holding_back_others() -> None:
    pacer = Pacer(1000, burst=1, group_per_minute=2)
    await pacer.slot(Lane.BULK, group=-100)
    await pacer.slot(Lane.BULK, group=-100)
    third = asyncio.create_task(pacer.slot(Lane.BULK, group=-100))
    await asyncio.wait_for(pacer.slot(Lane.BULK, group=-200), 0.1)
    await asyncio.wait_for(pacer.slot(Lane.BULK), 0.1)  # a private chat: no group limit
    assert not third.done()
    # 2 a minute: the next one may go 30 s after the budget was spent.
    assert 29 < pacer._groups.wait(-100, pacer.now()) <= 30
    third.cancel()
    await pacer.close()


async def test_a_pause_holds_every_slot_for_as_long_as_asked() -> None:
    pacer = Pacer(1000)
    loop = asyncio.get_running_loop()
    pacer.pause_all(0.15)
    started = loop.time()
    await pacer.slot(Lane.INTERACTIVE)
    assert loop.time() - started >= 0.14
    await pacer.close()


def _flaky(fails_left: dict[int, int]) -> Any:
    async def call(chat_id: int) -> bool:
        if fails_left.get(chat_id, 0) > 0:
            fails_left[chat_id] -= 1
            raise RetryAfter(1)
        return True

    return call


async def _send(scheduler: OutgoingScheduler, call: Any, chat_id: int, as_: Any = None) -> Any:
    return await scheduler.process_request(
        call, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, as_
    )


async def test_one_chats_429_pauses_only_that_chat_several_pause_the_bot() -> None:
    scheduler = OutgoingScheduler(overall_max_rate=1000)
    call = _flaky({1: 1})
    loop = asyncio.get_running_loop()
    one = asyncio.create_task(_send(scheduler, call, 1))
    await asyncio.sleep(0.05)
    started = loop.time()
    assert await _send(scheduler, call, 2) is True
    assert loop.time() - started < 0.1 and scheduler.pacer.paused_for() == 0
    assert await one is True

    # Three chats told to wait at once: Telegram throttles the bot, everyone waits.
    call = _flaky({3: 1, 4: 1, 5: 1})
    sends = [asyncio.create_task(_send(scheduler, call, c)) for c in (3, 4, 5)]
    await asyncio.sleep(0.05)
    assert scheduler.pacer.paused_for() > 0.5
    await asyncio.gather(*sends)
    await scheduler.shutdown()


async def test_a_notice_no_longer_due_at_its_slot_is_withdrawn_unsent() -> None:
    scheduler = OutgoingScheduler(overall_max_rate=1000)
    sent: list[int] = []

    async def call(chat_id: int) -> bool:
        sent.append(chat_id)
        return True

    async def not_any_more() -> bool:
        return False

    try:
        await _send(scheduler, call, 7, SendAs(Lane.BULK, still_due=not_any_more))
    except NoticeWithdrawn:
        pass
    else:
        raise AssertionError("a notice no longer due was sent")
    assert await _send(scheduler, call, 8, BULK) is True
    assert sent == [8]
    # The withdrawn notice gave its slot back: one slot was used, not two.
    assert scheduler.pacer.granted[Lane.BULK] == 1
    await scheduler.shutdown()


def test_delivery_settings_from_the_environment() -> None:
    defaults = load_settings({}, dotenv=False)
    assert defaults.confirm_window == 30 and defaults.paid_broadcast is False
    chosen = load_settings(
        {"OUTPOST_CONFIRM_WINDOW": "8", "OUTPOST_PAID_BROADCAST": "1"}, dotenv=False
    )
    assert chosen.confirm_window == 8 and chosen.paid_broadcast is True
    for key, bad in (("OUTPOST_CONFIRM_WINDOW", "0"), ("OUTPOST_CONFIRM_WINDOW", "lots"),
                     ("OUTPOST_PAID_BROADCAST", "maybe")):  # fmt: skip
        with pytest.raises(ConfigError, match=key):
            load_settings({key: bad}, dotenv=False)
