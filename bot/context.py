"""What every handler needs, built once in post_init and kept in `bot_data`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from storage import Storage

CTX_KEY = "outpost"


@dataclass
class AppContext:
    settings: Settings
    storage: Storage
    clock: Clock
    # Confirmations between "sent" and "recorded as sent" (bot/delivery.py).
    confirmations: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.confirmations = asyncio.Semaphore(self.settings.confirm_window)

    def now_ts(self) -> float:
        return self.clock.now().timestamp()


def app_ctx(context: Any) -> AppContext:
    ctx: AppContext = context.application.bot_data[CTX_KEY]
    return ctx
