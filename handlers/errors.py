"""The last line of defence: log a failure with its context, tell the person, no traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from bot.i18n import language_of, t
from bot.resilience import is_transient, log_fault
from bot.storage_failure import is_storage_failure, mark_unsaved
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
    if error is not None and isinstance(update, Update) and is_storage_failure(error):
        # Not handled: left unconfirmed so Telegram delivers it again (bot/storage_failure.py).
        first = mark_unsaved(context.application.bot_data, update.update_id)
        log.warning("storage failed while handling %s (%s); it will be retried", where, error)
        if first:
            await _tell(update, context, "error.not_saved")
        return
    log.error("handler failed for %s", where, exc_info=error)
    await _tell(update, context, "error.generic")


async def _tell(update: object, context: Context, key: str) -> None:
    if isinstance(update, Update) and is_private(update) and update.effective_user:
        lang = language_of(update.effective_user.language_code)
        try:
            await context.bot.send_message(update.effective_user.id, t(lang, key))
        except Exception:  # the notice is best effort; the fault is already logged
            log.debug("could not send the error notice", exc_info=True)


def _describe(update: object) -> str:
    if isinstance(update, Update):
        user = update.effective_user
        chat = update.effective_chat
        who = user.id if user else "-"
        where = chat.id if chat else "-"
        return f"update {update.update_id} from user {who} in chat {where}"
    return repr(update)[:200]
