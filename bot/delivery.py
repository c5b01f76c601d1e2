"""Say it once: a confirmation recorded as sent is not sent again when an update repeats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import AppContext


async def confirm_once(
    ctx: AppContext, kind: str, telegram_id: int, ref: str, send: Callable[[], Awaitable[object]]
) -> bool:
    """Send unless already recorded as sent; record right after sending. True when sent.

    Sending and recording cannot be one atomic step (Telegram is not our database), so a
    crash between them repeats that confirmation once the update is delivered again. Many
    confirmations are in flight at once (the bot's pace is Telegram's budget, not one round
    trip each), but never more than `settings.confirm_window` between sent and recorded: one
    crash repeats at most that many, and loses none (the update itself is confirmed to
    Telegram only after this returns).
    """
    delivery = ctx.storage.delivery
    if await delivery.was_sent(kind, telegram_id, ref):
        return False
    async with ctx.confirmations:
        await send()
        await delivery.record_sent(kind, telegram_id, ref, now=ctx.now_ts())
    return True
