"""Concurrent across people, in order for each chat.

PTB's concurrent_updates would let a person's second message overtake their first (a name
answered before the question was stored); one queue per chat keeps each conversation ordered
while thousands of members check in at once.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.locks import KeyedLocks


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._chats = KeyedLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        async with self._chats.hold(key):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        chat = update.effective_chat
        if chat is not None:
            return chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None
