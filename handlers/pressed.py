"""What every inline button handler reads first: the press, who pressed, and its data."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Update

from bot.access import Actor
from bot.context import AppContext
from handlers.common import Context, actor_of


@dataclass(frozen=True)
class Press:
    query: CallbackQuery
    ctx: AppContext
    actor: Actor
    # The callback data split at ":"; it only ever points at things (bot/access.py).
    parts: list[str]

    def part(self, i: int) -> str:
        return self.parts[i] if len(self.parts) > i else ""


async def pressed(update: Update, context: Context) -> Press:
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    return Press(query, ctx, actor, (query.data or "").split(":"))
