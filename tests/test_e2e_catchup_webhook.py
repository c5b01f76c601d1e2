"""With a webhook, the start-up catch-up also waits for the backlog (issue 13 item 8):
Telegram pushes the updates that waited while the bot was down over the first moments
after setWebhook; the catch-up runs once none is pending at Telegram nor being handled,
then judges each person on that state. Telegram's side is the emulator's webhook mode."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

from bot.app import build_application, webhook
from bot.clock import FixedClock
from bot.config import Settings
from bot.emulator import BotApiEmulator
from tests.test_e2e_catchup_backlog import team_then_down


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_catch_up_waits_for_the_pushed_backlog(
    settings: Settings, emu: BotApiEmulator, clock: FixedClock
) -> None:
    # Li and Zhao check in while the bot is down; back at 07:20, now behind a webhook.
    li, zhao, wang = await team_then_down(settings, emu, clock, "Li Wei", "Zhao Min", "Wang Fang")
    port = _free_port()
    hooked = replace(
        settings,
        webhook_url="https://bot.example.org/hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_path="/in",
    )
    emu.webhook_forward = f"http://127.0.0.1:{port}/in"
    second = build_application(hooked, clock=clock)
    async with webhook(second, hooked):
        assert "Check-in recorded" in (await li.next_message())["text"]
        assert "Check-in recorded" in (await zhao.next_message())["text"]
        # Wang, who has not checked in, gets the 07:00 reminder the restart caught up on.
        assert (await wang.next_message(timeout=10))["text"].startswith("⏰")
        # One more round trip in Li's chat: a reminder already on its way would come first.
        li.send_command("help")
        assert "Commands" in (await li.next_message())["text"]
        for _ in range(100):  # the 200 goes out just after the reply: give it a moment
            if emu.pending_updates_count == 0:
                break
            await asyncio.sleep(0.02)
        assert emu.pending_updates_count == 0  # everything pushed was answered 200
    for who in (li, zhao):
        texts = [m["text"] for m in emu.sent_messages(who.id)]
        assert not any(tx.startswith("⏰") for tx in texts), texts


async def test_the_wait_is_bounded_and_ends_when_the_bot_stops(
    settings: Settings, emu: BotApiEmulator
) -> None:
    """An update Telegram cannot get answered (the webhook keeps failing) must not hold the
    catch-up back for ever, nor keep a stopping bot waiting."""
    import telegram

    from bot.webhook_backlog import WebhookBacklog

    emu.user(1001, first_name="Li").send_text("stuck")
    async with telegram.Bot(settings.token, base_url=emu.base_url) as bot:
        backlog = WebhookBacklog(bot)
        assert await backlog.wait_drained(0.3) is False  # still pending: go ahead anyway
        with backlog.handling():
            emu.updates.clear()
            assert await backlog.wait_drained(0.3) is False  # pending 0, but one in hand
        assert await backlog.wait_drained(0.3) is True
        emu.user(1001).send_text("another")
        waiting = asyncio.create_task(backlog.wait_drained(30))
        await asyncio.sleep(0.1)
        backlog.stop()
        assert await asyncio.wait_for(waiting, 2) is None
