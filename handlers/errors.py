"""The last line of defence: log a failure with its context, tell the person, no traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from bot.i18n import language_of, t
from bot.resilience import is_transient, log_fault
from handlers.common import Context, is_private

log = logging.getLogger("outpost.errors")


async def on_error(update: object, context: Context) -> None:
    error = context.error
    where = _describe(update)
    if error is not None and is_transient(error):
        # Retries (bot/resilience.py) did not get through; each of those faults was logged
        # there, this last one is logged here, once.
        log_fault(error, f"handling {where}", action="gave up on this call")
        return
    if isinstance(error, Forbidden):
        log.info("forbidden while handling %s: %s", where, error)
        return
    log.error("handler failed for %s", where, exc_info=error)
    if isinstance(update, Update) and is_private(update) and update.effective_user:
        lang = language_of(update.effective_user.language_code)
        try:
            await context.bot.send_message(update.effective_user.id, t(lang, "error.generic"))
        except Exception:  # the apology is best effort; the fault is already logged
            log.debug("could not send the error notice", exc_info=True)


def _describe(update: object) -> str:
    if isinstance(update, Update):
        user = update.effective_user
        chat = update.effective_chat
        who = user.id if user else "-"
        where = chat.id if chat else "-"
        return f"update {update.update_id} from user {who} in chat {where}"
    return repr(update)[:200]
