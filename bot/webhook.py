"""Webhook mode that answers Telegram only after the update is handled.

PTB's webhook server answers 200 as soon as the update is queued, so a crash then loses it.
Here the 200 goes out after handling: if we die first, Telegram sends the update again and
the handlers' idempotency makes the repeat harmless. Updates of one chat are handled in order
(Telegram may open several connections at once); other chats go concurrently.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections import defaultdict
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.chat_queues import _chat_key
from bot.updates import handle_batch, read_update
from bot.webhook_backlog import BACKLOG_KEY, WebhookBacklog

log = logging.getLogger("outpost.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_for(token: str) -> str:
    """A stable secret derived from the bot token: only Telegram, told it by setWebhook,
    can post updates; it never appears in logs or URLs."""
    return hashlib.sha256(f"outpost-webhook:{token}".encode()).hexdigest()


class WebhookHandler:
    def __init__(self, app: Application, secret: str, backlog: WebhookBacklog) -> None:
        self.app = app
        self.secret = secret
        self.backlog = backlog
        self._locks: defaultdict[Any, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def __call__(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook call without the right secret from %s", request.remote)
            return web.Response(status=403)
        try:
            update = read_update(await request.json(), self.app.bot)
        except Exception:  # malformed bodies are logged and refused, never fatal
            log.warning("webhook body is not an update; refused", exc_info=True)
            return web.Response(status=400)
        key = _chat_key(update)
        lock = self._locks[key] if key is not None else asyncio.Lock()
        with self.backlog.handling():
            async with lock:
                unsaved = await handle_batch(self.app, [update])
        if key is not None and not lock.locked():
            self._locks.pop(key, None)
        # Storage failed: not 200, so Telegram delivers it again later (bot/storage_failure.py).
        return web.Response(status=503 if unsaved is not None else 200)


def webhook_app(app: Application, path: str, secret: str) -> web.Application:
    """The HTTP side; the start-up catch-up learns from the app's `WebhookBacklog` (made
    here unless `webhook` made it already) when the pushed backlog is handled."""
    backlog = app.bot_data.setdefault(BACKLOG_KEY, WebhookBacklog(app.bot))
    web_app = web.Application()
    web_app.router.add_post(path or "/", WebhookHandler(app, secret, backlog))
    return web_app
