"""Plain text in a private chat: the step of a flow, a menu button, or a hint."""

from __future__ import annotations

from telegram import Update

from bot.flows.current import current_flow
from bot.i18n import t
from handlers.common import Context, actor_of, is_private, main_menu, not_a_member_text, reply
from handlers.flows import route_text


async def on_text(update: Update, context: Context) -> None:
    if not is_private(update):
        return  # the bot never chats in groups: nothing there may leak a member's data
    ctx, actor = await actor_of(update, context)
    await route_text(update, context, ctx, actor, await current_flow(ctx, actor.user_id))


async def on_unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have (a typo, another bot's, a future one): say so."""
    if not is_private(update):
        return
    _ctx, actor = await actor_of(update, context)
    if not actor.known:
        await reply(update, not_a_member_text(actor))
        return
    await reply(update, t(actor.language, "unknown_text"), reply_markup=main_menu(actor.language))
