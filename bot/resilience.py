"""Outgoing calls: paced under one budget, in priority lanes, surviving Telegram's bad moments.

Every Bot API call except getUpdates passes `OutgoingScheduler.process_request` (PTB's public
`BaseRateLimiter` interface). There it waits for a send slot in its lane (bot/pacing.py:
replies first, then supervisor alerts, then bulk notices, all under Telegram's ~30/s and
20/min per group), then for its chat (one call at a time per chat, so a chat reads its
messages in the order they went out), then goes out. Many calls are in flight at once;
none waits for another's round trip.

Telegram answers 429 (with retry_after), 500/502, drops connections and sometimes stalls.
Each transient fault of one call is retried here with backoff, logged exactly once with its
method and chat: one line per fault, so an operator can count them, and the handler above
never sees a fault that a retry absorbed. A 429 makes only its own chat wait, unless
Telegram is throttling the bot as a whole (429s for several chats at once, or for a call
without a chat): then every slot waits as long as Telegram asked, and no longer.

A call that keeps failing past `attempts` raises to the handler and the error handler logs it.
A bulk notice whose `still_due` check says no at its slot raises `NoticeWithdrawn` unsent.
`getUpdates` is never retried here: the poller (bot/updates.py) owns its own backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter, ExtBot

from bot.pacing import ALERT, INTERACTIVE, Pacer, SendAs

FAULT_LOG = logging.getLogger("outpost.faults")
JSON = bool | dict[str, Any] | list[dict[str, Any]]


class _KnownFaultFilter(logging.Filter):
    """PTB logs an ERROR with a traceback when a 502 page is not JSON; the fault line we log
    says the same in one line, so each fault is reported once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Can not load invalid JSON data")


def quiet_duplicate_fault_logs() -> None:
    logger = logging.getLogger("telegram.request.BaseRequest")
    if not any(isinstance(f, _KnownFaultFilter) for f in logger.filters):
        logger.addFilter(_KnownFaultFilter())


def is_transient(error: BaseException) -> bool:
    """Worth trying again: throttling, server errors, resets, timeouts (not a bad request)."""
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def log_fault(error: BaseException, where: str, *, action: str) -> None:
    """The one line logged per Telegram fault, with the context it hit and what happens next."""
    FAULT_LOG.warning(
        "telegram fault %s (%s) during %s; %s", type(error).__name__, error, where, action
    )


def backoff(attempt: int, *, base: float = 0.25, cap: float = 30.0) -> float:
    """Exponential backoff with jitter so that many chats do not retry in lockstep."""
    step: float = min(cap, base * 2**attempt)
    return step / 2 + random.random() * step / 2


def retry_after_seconds(error: RetryAfter) -> float:
    """Telegram's retry_after in seconds (PTB gives an int or a timedelta, by its settings)."""
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class NoticeWithdrawn(Exception):
    """A bulk notice no longer true at its send slot (SendAs.still_due said no); not sent."""


# Telegram throttles the whole bot, not one chat, when this many chats hear 429 this close
# together; one chat's 429 is about that chat (it sent too fast to it) and stays its own.
GLOBAL_429_CHATS = 3
GLOBAL_429_WITHIN_S = 1.0


def chat_of(data: dict[str, Any]) -> int | str | None:
    chat_id = data.get("chat_id")
    with contextlib.suppress(ValueError, TypeError):
        chat_id = int(chat_id)  # type: ignore[arg-type]
    return chat_id


def group_of(chat_id: int | str | None) -> int | str | None:
    """Negative ids are groups and channels (20 a minute each), and so are @usernames."""
    if isinstance(chat_id, int):
        return chat_id if chat_id < 0 else None
    return chat_id.lower() if isinstance(chat_id, str) else None


class OutgoingScheduler(BaseRateLimiter[SendAs]):
    """The one owner of Telegram's budget in this process (see the module docstring)."""

    def __init__(self, *, overall_max_rate: float, attempts: int = 6) -> None:
        self.pacer = Pacer(overall_max_rate)
        self.attempts = attempts
        self._recent_429: deque[tuple[float, int | str | None]] = deque()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        await self.pacer.close()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendAs | None,
    ) -> JSON:
        send_as = rate_limit_args if isinstance(rate_limit_args, SendAs) else INTERACTIVE
        if endpoint == "getUpdates":
            return await callback(*args, **kwargs)
        chat_id = chat_of(data)
        where = f"{endpoint} to chat {chat_id}" if chat_id is not None else endpoint
        paid = bool(data.get("allow_paid_broadcast", False))
        # The slot first, then the chat: a notice waiting for its slot must not hold the chat,
        # or a member's reply would queue behind their own pending reminder.
        await self._slot(send_as, chat_id, paid)
        async with self.pacer.chat(chat_id):
            attempt = 0
            while True:
                if send_as.still_due is not None and not await send_as.still_due():
                    if chat_id is not None and not paid:
                        self.pacer.give_back(send_as.lane)
                    raise NoticeWithdrawn(where)
                try:
                    return await callback(*args, **kwargs)
                except TelegramError as exc:
                    attempt += 1
                    if not is_transient(exc) or attempt >= self.attempts:
                        raise
                    await self._wait_after(exc, attempt, where, chat_id)
                # A retry keeps the chat (its messages stay in order) and takes a new slot.
                await self._slot(send_as, chat_id, paid)

    async def _slot(self, send_as: SendAs, chat_id: int | str | None, paid: bool) -> None:
        if chat_id is None:
            # Answers to button presses, commands menus, files: outside the message budget
            # (as Telegram counts it), but not while the whole bot is told to wait.
            wait = self.pacer.paused_for()
            if wait > 0:
                await asyncio.sleep(wait)
            return
        await self.pacer.slot(send_as.lane, group=group_of(chat_id), paid=paid)

    async def _wait_after(
        self, exc: TelegramError, attempt: int, where: str, chat_id: int | str | None
    ) -> None:
        if isinstance(exc, RetryAfter):
            wait = retry_after_seconds(exc) + 0.1
            if self._bot_is_throttled(chat_id):
                self.pacer.pause_all(wait)
                log_fault(exc, where, action=f"every chat waits {wait:.1f}s as Telegram asks")
            else:
                log_fault(exc, where, action=f"this chat waits {wait:.1f}s as Telegram asks")
        else:
            wait = backoff(attempt)
            log_fault(exc, where, action=f"retry {attempt} in {wait:.2f}s")
        # Only this call (and so only its chat) sleeps; every other chat goes on.
        await asyncio.sleep(wait)

    def _bot_is_throttled(self, chat_id: int | str | None) -> bool:
        if chat_id is None:
            return True
        now = self.pacer.now()
        recent = self._recent_429
        recent.append((now, chat_id))
        while recent and now - recent[0][0] > GLOBAL_429_WITHIN_S:
            recent.popleft()
        return len({chat for _, chat in recent}) >= GLOBAL_429_CHATS


def as_alert(bot: object) -> dict[str, Any]:
    """Extra arguments for a message a supervisor or admin must hear now (the alert lane:
    after replies to members, before bulk notices)."""
    return send_options(bot, ALERT)


def send_options(bot: object, send_as: SendAs | None) -> dict[str, Any]:
    """A send method's extra arguments for this kind of send: its lane (only given to our
    scheduler: PTB refuses rate_limit_args without one) and paid broadcast."""
    if send_as is None:
        return {}
    extra: dict[str, Any] = {}
    if send_as.paid:
        extra["allow_paid_broadcast"] = True
    if isinstance(bot, ExtBot) and isinstance(bot.rate_limiter, OutgoingScheduler):
        extra["rate_limit_args"] = send_as
    return extra
