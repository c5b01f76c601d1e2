"""What every message passes before any flow sees it (registered ahead of all handlers).

Groups get one answer whoever asks (handlers/common.answer_groups_alike). A message whose
own date cannot be right (bot/rules/plausible.py) is refused here, said so, and audited:
nothing downstream files it under a day it claims. Locations go on to the check-in, which
stores them as a rejected attempt with its reason.
"""

from __future__ import annotations

from datetime import UTC

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import app_ctx
from bot.i18n import language_of, t
from bot.rules.plausible import plausible_time
from handlers.common import Context, answer_groups_alike


async def at_the_door(update: Update, context: Context) -> None:
    await answer_groups_alike(update, context)
    await refuse_implausible_time(update, context)


async def refuse_implausible_time(update: Update, context: Context) -> None:
    message = update.message or update.edited_message
    if message is None:
        return
    edited = update.edited_message is not None
    sent = (message.edit_date if edited and message.edit_date else message.date).astimezone(UTC)
    ctx = app_ctx(context)
    if plausible_time(sent, ctx.clock.now()):
        return
    if message.location is not None and not edited:
        return  # judged and stored as a rejected check-in (bot/rules/checkin.py)
    user = update.effective_user
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=user.id if user else None,
        action="message.bad_time",
        subject=f"{message.chat_id}:{message.message_id}",
        after={"date": sent.isoformat(), "edited": edited},
    )
    if not edited:  # a live location's edits come every few seconds: no reply to each
        lang = language_of(user.language_code if user else None)
        person = await ctx.storage.people.get(user.id) if user else None
        if person is not None and person.language:
            lang = person.language
        await message.reply_text(
            t(lang, "input.bad_time", sent=f"{sent:%Y-%m-%d %H:%M} UTC"), do_quote=False
        )
    raise ApplicationHandlerStop
