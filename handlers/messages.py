"""Plain text in a private chat: the step of a flow, a menu button, or a hint."""

from __future__ import annotations

from telegram import Update

from handlers.common import Context, actor_of, is_private
from handlers.flows import route_text


async def on_text(update: Update, context: Context) -> None:
    if not is_private(update):
        return  # the bot never chats in groups: nothing there may leak a member's data
    ctx, actor = await actor_of(update, context)
    state = await ctx.storage.flows.get(actor.user_id)
    await route_text(update, context, ctx, actor, state)
