"""Outgoing calls that survive Telegram's bad moments.

Telegram answers 429 (with retry_after), 500/502, drops connections and sometimes stalls.
PTB retries only 429s, and logs them without saying which chat suffered. This limiter keeps
PTB's throttling (AIORateLimiter) and retries every transient fault of one call itself, with
backoff, logging each fault exactly once with its method and chat: one line per fault, so an
operator can count them, and the handler above never sees a fault that a retry absorbed.

A call that keeps failing past `attempts` raises to the handler and the error handler logs it.
`getUpdates` is never retried here: the poller (bot/updates.py) owns its own backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

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


class ResilientRateLimiter(AIORateLimiter):
    def __init__(self, *, overall_max_rate: float, attempts: int = 6) -> None:
        super().__init__(overall_max_rate=overall_max_rate, max_retries=0)
        self.attempts = attempts

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        # As AIORateLimiter: negative ids and @usernames are groups with their own budget.
        group: int | str | bool = False
        if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
            group = chat_id
        where = f"{endpoint} to chat {chat_id}" if chat_id is not None else endpoint
        attempt = 0
        while True:
            try:
                # PTB's throttle (a private helper, stable across 22.x) without its retry.
                return await self._run_request(
                    chat=chat_id is not None,
                    group=group,
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except TelegramError as exc:
                attempt += 1
                if endpoint == "getUpdates" or not is_transient(exc) or attempt >= self.attempts:
                    raise
                if isinstance(exc, RetryAfter):
                    wait = exc._retry_after.total_seconds() + 0.1
                    log_fault(exc, where, action=f"waiting {wait:.1f}s as Telegram asks")
                    # Like AIORateLimiter: everybody waits, since the whole bot is throttled.
                    self._retry_after_event.clear()
                    try:
                        await asyncio.sleep(wait)
                    finally:
                        self._retry_after_event.set()
                else:
                    wait = backoff(attempt)
                    log_fault(exc, where, action=f"retry {attempt} in {wait:.2f}s")
                    await asyncio.sleep(wait)
