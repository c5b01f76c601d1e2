"""What every message passes before any flow sees it (registered ahead of all handlers).

Groups get one answer whoever asks (handlers/common.answer_groups_alike). A message whose
own date cannot be right (bot/rules/plausible.py) is refused here, said so, and audited:
nothing downstream files it under a day it claims. Locations go on to the check-in, which
stores them as a rejected attempt with its reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.context import AppContext, app_ctx
from bot.i18n import t
from bot.rules.plausible import plausible_time
from bot.services.people import record_implausible_message, reply_language
from handlers.common import Context, answer_groups_alike


async def at_the_door(update: Update, context: Context) -> None:
    await answer_groups_alike(update, context)
    await refuse_implausible_time(update, context)


def _sent_at(message: Message, edited: bool) -> datetime:
    return (message.edit_date if edited and message.edit_date else message.date).astimezone(UTC)


async def refuse_implausible_time(update: Update, context: Context) -> None:
    message = update.message or update.edited_message
    if message is None:
        return
    edited = update.edited_message is not None
    sent, ctx = _sent_at(message, edited), app_ctx(context)
    if plausible_time(sent, ctx.clock.now()) or (message.location is not None and not edited):
        return  # a location is judged and stored as a rejected check-in (bot/rules/checkin.py)
    await refuse_message(ctx, update, message, sent, edited)
    raise ApplicationHandlerStop


async def refuse_message(
    ctx: AppContext, update: Update, message: Message, sent: datetime, edited: bool
) -> None:
    user = update.effective_user
    user_id = user.id if user else None
    subject = f"{message.chat_id}:{message.message_id}"
    await record_implausible_message(
        ctx, user_id, subject, {"date": sent.isoformat(), "edited": edited}
    )
    if not edited:  # a live location's edits come every few seconds: no reply to each
        lang = await reply_language(ctx, user_id, user.language_code if user else None)
        text = t(lang, "input.bad_time", sent=f"{sent:%Y-%m-%d %H:%M} UTC")
        await message.reply_text(text, do_quote=False)
