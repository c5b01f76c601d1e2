"""Sending one notice to many people: logged once, paced, retried, isolated per recipient.

Delivery guarantee. Each message's (kind, person, ref) row is written to `notifications`
*before* it is sent, in batches, so a restart, a second process or a re-run job never
sends it twice. The choice is at-most-once for crashes (a process killed between the
insert and the send loses those few notices; a duplicate reminder is worse for trust than
a rare missing one, and the catch-up pass cannot tell them apart) and at-least-once for
errors we see: a transient failure (5xx, timeout, network, a 429 still refused after the
rate limiter's own retries) is retried here with backoff, and if it still fails its row is
deleted so the next run sends it. A permanent refusal (403: the user blocked the bot,
or deactivated) keeps the row, marks the person unreachable and reports them.

Pacing is PTB's AIORateLimiter (bot/app.py: overall rate from settings, it honours
`retry_after` itself, `max_retries` times); the semaphore here only bounds concurrency.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.context import AppContext

log = logging.getLogger(__name__)

CONCURRENCY = 32
CLAIM_BATCH = 256
RETRIES = 4
BACKOFF_S = 0.5

Sleep = Callable[[float], Awaitable[Any]]


@dataclass(frozen=True)
class Part:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Outgoing:
    """One notice to one person; several parts are sent in order as one notice."""

    kind: str
    telegram_id: int
    ref: str
    parts: tuple[Part, ...]

    @classmethod
    def text(cls, kind: str, telegram_id: int, ref: str, text: str, **kw: Any) -> Outgoing:
        return cls(kind, telegram_id, ref, (Part(text, kw.get("reply_markup")),))


@dataclass
class FanoutResult:
    sent: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    blocked: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def merge(self, other: FanoutResult) -> FanoutResult:
        for name in ("sent", "already", "blocked", "failed"):
            getattr(self, name).extend(getattr(other, name))
        return self


class _Permanent(Exception):
    pass


def _is_gone(exc: BadRequest) -> bool:
    # The chat does not exist for the bot: as permanent as a block.
    text = str(exc).lower()
    return "chat not found" in text or "user is deactivated" in text


async def send_with_retry(
    bot: Bot,
    telegram_id: int,
    part: Part,
    *,
    retries: int | None = None,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Sends one message; retries transient failures with exponential backoff.

    Raises Forbidden (and _Permanent for a vanished chat) at once; the last transient
    error once the retries are spent."""
    retries = RETRIES if retries is None else retries
    for attempt in range(retries + 1):
        try:
            await bot.send_message(telegram_id, part.text, reply_markup=part.reply_markup)
            return
        except Forbidden:
            raise
        except BadRequest as exc:
            if _is_gone(exc):
                raise _Permanent(str(exc)) from exc
            raise
        except RetryAfter as exc:
            if attempt == retries:
                raise
            delay = exc.retry_after
            await sleep(delay.total_seconds() if hasattr(delay, "total_seconds") else delay)
        except (TimedOut, NetworkError):
            if attempt == retries:
                raise
            await sleep(BACKOFF_S * 2**attempt)


async def fan_out(
    ctx: AppContext,
    bot: Bot,
    messages: Sequence[Outgoing],
    *,
    concurrency: int = CONCURRENCY,
    sleep: Sleep = asyncio.sleep,
) -> FanoutResult:
    """Sends every message not yet logged; one recipient's failure never stops the rest."""
    result = FanoutResult()
    gate = asyncio.Semaphore(concurrency)
    released: list[tuple[str, int, str]] = []

    async def deliver(m: Outgoing) -> None:
        async with gate:
            try:
                for part in m.parts:
                    await send_with_retry(bot, m.telegram_id, part, sleep=sleep)
            except (Forbidden, _Permanent):
                result.blocked.append(m.telegram_id)
            except BadRequest:
                # Our message was malformed: retrying cannot help, keep the row, log loudly.
                log.exception("notice %s to %s refused", m.kind, m.telegram_id)
                result.failed.append(m.telegram_id)
            except (TimedOut, NetworkError, RetryAfter):
                log.warning("notice %s to %s failed after retries", m.kind, m.telegram_id)
                released.append((m.kind, m.telegram_id, m.ref))
                result.failed.append(m.telegram_id)
            else:
                result.sent.append(m.telegram_id)

    # Claims run at most one batch ahead of the sends: the pipeline never drains between
    # batches, and a crash can lose at most two batches' worth of claimed notices.
    in_flight: list[asyncio.Future[Any]] = []
    for i in range(0, len(messages), CLAIM_BATCH):
        batch = messages[i : i + CLAIM_BATCH]
        claimed = await ctx.storage.notifications.claim_many(
            [(m.kind, m.telegram_id, m.ref) for m in batch], now=ctx.now_ts()
        )
        for m in batch:
            if (m.kind, m.telegram_id, m.ref) not in claimed:
                result.already.append(m.telegram_id)
        in_flight.append(
            asyncio.gather(
                *(deliver(m) for m in batch if (m.kind, m.telegram_id, m.ref) in claimed)
            )
        )
        if len(in_flight) > 1:
            await in_flight.pop(0)
    for batch_done in in_flight:
        await batch_done
    await ctx.storage.notifications.release_many(released)
    for telegram_id in result.blocked:
        await ctx.storage.people.set_unreachable(telegram_id, True)
    return result
