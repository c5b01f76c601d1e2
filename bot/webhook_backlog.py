"""In webhook mode, knowing when the updates that waited while the bot was down are handled.

With long polling the poller sees the backlog itself (`Poller.drained`). With a webhook,
Telegram pushes what it held over the first moments after setWebhook, at its own pace, and
keeps each update pending until our 200, which goes out only after handling (bot/webhook.py).
So the backlog is handled once `getWebhookInfo` reports no pending update while none is
being handled here. The start-up catch-up waits for that (bounded: a webhook that keeps
failing must not cost the catch-up itself), so nobody is reminded of what they just did.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from telegram import Bot
from telegram.error import TelegramError

log = logging.getLogger(__name__)

BACKLOG_KEY = "outpost.webhook_backlog"
# How often Telegram is asked while waiting: a round trip each, for a minute or two at most.
ASK_EVERY_S = 0.5


class WebhookBacklog:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.in_flight = 0
        self._stopping = asyncio.Event()

    @contextmanager
    def handling(self) -> Iterator[None]:
        """Around the handling of one pushed update."""
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    def stop(self) -> None:
        self._stopping.set()

    async def _nothing_pending(self) -> bool:
        if self.in_flight:
            return False
        try:
            info = await self.bot.get_webhook_info()
        except TelegramError as exc:
            log.info("getWebhookInfo failed while waiting for the backlog: %s", exc)
            return False
        # Asked again after the answer: an update handled meanwhile was pending when asked.
        return info.pending_update_count == 0 and not self.in_flight

    async def wait_drained(self, within: float) -> bool | None:
        """True once nothing is pending at Telegram nor being handled here; False when
        ``within`` seconds pass first; None when the bot is stopping meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not self._stopping.is_set():
            if await self._nothing_pending():
                return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(self._stopping.wait(), min(ASK_EVERY_S, left))
            except TimeoutError:
                pass
        return None
