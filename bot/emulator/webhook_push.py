"""Telegram's side of a webhook: pushing the update queue to the bot over HTTP.

Telegram posts each update to the webhook URL, oldest first, and forgets it only when the
bot answers 2xx; any other answer, or none, and it is posted again after a pause (so a bot
restarting finds what waited re-delivered). `pending_update_count` (getWebhookInfo) counts
the updates not yet answered, the one being posted included.

The URL must be https; here, as behind the reverse proxy a deployment uses, the posts go to
`BotApiEmulator.webhook_forward`, the plain-HTTP address the proxy would forward to. With
no forward address set the emulator only records the webhook, as before. One update is
posted at a time (a webhook with max_connections=1), which keeps the chat order simple.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:
    from .server import BotApiEmulator

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_AFTER_S = 0.2  # a real Telegram waits longer; tests should not
IDLE_WAIT_S = 0.5


async def push_updates(emu: BotApiEmulator) -> None:
    """Runs while the emulator does: posts pending updates while a webhook is set."""
    async with aiohttp.ClientSession() as http:
        while not emu.closing:
            hook, target = emu.webhook, emu.webhook_forward
            if hook is None or target is None or not len(emu.updates):
                await emu.updates.wait(IDLE_WAIT_S)
                continue
            [update] = emu.updates.take(0, 1)
            headers = {SECRET_HEADER: hook["secret_token"]} if hook.get("secret_token") else {}
            try:
                async with http.post(target, json=update, headers=headers) as answer:
                    done = 200 <= answer.status < 300
            except (aiohttp.ClientError, OSError):
                done = False
            if done:
                emu.updates.confirm(int(update["update_id"]) + 1)
                emu.touch()
            else:
                await asyncio.sleep(RETRY_AFTER_S)
