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

Pacing is the outgoing scheduler's (bot/resilience.py, bot/pacing.py): these sends ride the
bulk lane (or the alert lane, when asked), so a member's reply always goes first; the
semaphore here only bounds how many wait for a slot at once. A notice may carry a
`still_due` check, asked when its slot comes, just before it goes out: a reminder to someone
who has meanwhile checked in is withdrawn unsent (its row released, as it was never sent).
With OUTPOST_PAID_BROADCAST=1 bulk notices go with allow_paid_broadcast.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.context import AppContext
from bot.pacing import Lane, SendAs
from bot.resilience import (
    NoticeWithdrawn,
    OutgoingScheduler,
    retry_after_seconds,
    send_options,
)

log = logging.getLogger(__name__)

CONCURRENCY = 32
# Paid broadcast goes at up to 1,000/s: at a 200 ms round trip that is 200 sends in flight.
PAID_CONCURRENCY = 256
CLAIM_BATCH = 256
RETRIES = 4
BACKOFF_S = 0.5

Sleep = Callable[[float], Awaitable[Any]]
StillDue = Callable[["Outgoing"], Awaitable[bool]]


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
    # No longer true when its slot came (checked in meanwhile, on leave, recalled): unsent.
    withdrawn: list[int] = field(default_factory=list)

    def merge(self, other: FanoutResult) -> FanoutResult:
        for name in ("sent", "already", "blocked", "failed", "withdrawn"):
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
    send_as: SendAs | None = None,
) -> None:
    """Sends one message; retries transient failures with exponential backoff.

    Raises Forbidden (and _Permanent for a vanished chat) at once; the last transient
    error once the retries are spent; NoticeWithdrawn when `send_as.still_due` says no."""
    retries = RETRIES if retries is None else retries
    extra = send_options(bot, send_as)
    for attempt in range(retries + 1):
        try:
            await bot.send_message(telegram_id, part.text, reply_markup=part.reply_markup, **extra)
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
            await sleep(retry_after_seconds(exc))
        except (TimedOut, NetworkError):
            if attempt == retries:
                raise
            await sleep(BACKOFF_S * 2**attempt)


class Delivery(StrEnum):
    """How sending one notice ended, and so what becomes of its claims."""

    SENT = "sent"
    BLOCKED = "blocked"  # permanent: keep the claims, mark the person unreachable
    REFUSED = "refused"  # our message was malformed: keep the claims, retrying cannot help
    FAILED = "failed"  # transient, retries spent: release the claims for the next run


async def send_parts(
    bot: Bot, telegram_id: int, parts: Sequence[Part], *, lane: Lane = Lane.BULK
) -> Delivery:
    """One notice of several parts sent in order, for a caller that keeps its own claims
    (`fan_out` does this for notices of one claim each)."""
    try:
        for part in parts:
            await send_with_retry(bot, telegram_id, part, send_as=SendAs(lane))
    except (Forbidden, _Permanent):
        return Delivery.BLOCKED
    except BadRequest:
        log.exception("notice to %s refused", telegram_id)
        return Delivery.REFUSED
    except (TimedOut, NetworkError, RetryAfter):
        log.warning("notice to %s failed after retries", telegram_id)
        return Delivery.FAILED
    return Delivery.SENT


async def _first_part_as(bot: Bot, send_as: SendAs) -> SendAs:
    """Without our scheduler (a bare Bot) nobody asks `still_due` at the slot: ask it now."""
    if send_as.still_due is None:
        return send_as
    if isinstance(bot, ExtBot) and isinstance(bot.rate_limiter, OutgoingScheduler):
        return send_as
    if not await send_as.still_due():
        raise NoticeWithdrawn("notice no longer due")
    return SendAs(send_as.lane, paid=send_as.paid)


async def fan_out(
    ctx: AppContext,
    bot: Bot,
    messages: Sequence[Outgoing],
    *,
    concurrency: int = CONCURRENCY,
    sleep: Sleep = asyncio.sleep,
    lane: Lane = Lane.BULK,
    still_due: StillDue | None = None,
) -> FanoutResult:
    """Sends every message not yet logged; one recipient's failure never stops the rest.

    `lane`: bulk notices by default, Lane.ALERT for what a supervisor must hear now.
    `still_due(message)`: asked as each message's slot comes; False withdraws it unsent."""
    result = FanoutResult()
    released: list[tuple[str, int, str]] = []
    paid = ctx.settings.paid_broadcast and lane is Lane.BULK
    gate = asyncio.Semaphore(max(concurrency, PAID_CONCURRENCY) if paid else concurrency)

    def check_of(m: Outgoing) -> Callable[[], Awaitable[bool]] | None:
        return None if still_due is None else functools.partial(still_due, m)

    async def deliver(m: Outgoing) -> None:
        async with gate:
            try:
                # Only the first part is re-checked: a notice once begun is finished.
                send_as = await _first_part_as(bot, SendAs(lane, check_of(m), paid))
                for i, part in enumerate(m.parts):
                    as_sent = send_as if i == 0 else SendAs(lane, paid=paid)
                    await send_with_retry(bot, m.telegram_id, part, sleep=sleep, send_as=as_sent)
            except NoticeWithdrawn:
                released.append((m.kind, m.telegram_id, m.ref))
                result.withdrawn.append(m.telegram_id)
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
