"""Say it once: a confirmation recorded as sent is not sent again when an update repeats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import AppContext


async def confirm_once(
    ctx: AppContext, kind: str, telegram_id: int, ref: str, send: Callable[[], Awaitable[object]]
) -> bool:
    """Send unless already recorded as sent; record right after sending. True when sent.

    Sending and recording cannot be one atomic step (Telegram is not our database), so a
    crash between them repeats the message once the update is delivered again; the lock keeps
    at most one confirmation inside that window at any moment, so one crash repeats at most
    one confirmation. The price is that confirmations go out one at a time; Telegram caps a
    bot at about 30 messages a second anyway.
    """
    delivery = ctx.storage.delivery
    if await delivery.was_sent(kind, telegram_id, ref):
        return False
    async with delivery.confirm_lock:
        await send()
        await delivery.record_sent(kind, telegram_id, ref, now=ctx.now_ts())
    return True
