"""The composition root: builds the Application and registers every handler, in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import CTX_KEY, AppContext
from bot.i18n import t
from bot.processor import PerChatUpdateProcessor
from handlers import checkin, errors, messages, newteam, start
from handlers import export as export_handlers
from handlers import recall as recall_handlers
from storage import Storage

# Commands shown in Telegram's menu, per language.
COMMANDS = ("checkin", "diary", "leave", "language", "help", "cancel")
COMMAND_HELP = {
    "checkin": {"en": "Check in with your location", "zh": "发送位置签到"},
    "diary": {"en": "Today's work diary", "zh": "今日工作日志"},
    "leave": {"en": "Ask for leave", "zh": "请假"},
    "language": {"en": "Change language", "zh": "切换语言"},
    "help": {"en": "What I can do", "zh": "帮助"},
    "cancel": {"en": "Stop the current step", "zh": "取消当前操作"},
}

LOCATION_MESSAGE = filters.UpdateType.MESSAGE & filters.LOCATION
LIVE_LOCATION_EDIT = filters.UpdateType.EDITED_MESSAGE & filters.LOCATION
PRIVATE_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND


def handlers() -> list[BaseHandler]:
    """Every handler, first match wins. Order matters where filters overlap."""
    return [
        # Joining and the basics; /start carries the invite code as its argument.
        CommandHandler("start", start.cmd_start),
        CommandHandler("help", start.cmd_help),
        CommandHandler("cancel", start.cmd_cancel),
        CommandHandler("language", start.cmd_language),
        # The morning check-in and its live-location track.
        CommandHandler("checkin", checkin.cmd_checkin),
        MessageHandler(LOCATION_MESSAGE, checkin.on_location),
        MessageHandler(LIVE_LOCATION_EDIT, checkin.on_live_edit),
        # Administration.
        CommandHandler("newteam", newteam.cmd_newteam),
        CommandHandler("teams", newteam.cmd_teams),
        CommandHandler("export", export_handlers.cmd_export),
        CommandHandler("recall", recall_handlers.cmd_recall),
        # Buttons: callback data names the flow; identity is always the presser's user id.
        CallbackQueryHandler(start.on_language_button, pattern=r"^lang:"),
        CallbackQueryHandler(start.on_join_button, pattern=r"^join:"),
        CallbackQueryHandler(newteam.on_button, pattern=r"^nt:"),
        CallbackQueryHandler(export_handlers.on_button, pattern=r"^ex:"),
        CallbackQueryHandler(recall_handlers.on_button, pattern=r"^rc:"),
        # Free text last: a flow's next answer, a menu button, or a hint.
        MessageHandler(PRIVATE_TEXT, messages.on_text),
        # Any other button (stale, forged, from an old version) gets a polite refusal.
        CallbackQueryHandler(start.on_unknown_button),
    ]


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    storage: Storage | None = None,
) -> Application:
    storage = storage or Storage(settings.db_path)
    ctx = AppContext(settings=settings, storage=storage, clock=clock or SystemClock())

    async def post_init(app: Application) -> None:
        if storage.db._writer is None:
            await storage.open()
        app.bot_data[CTX_KEY] = ctx
        await _set_commands(app)

    async def post_shutdown(app: Application) -> None:
        await storage.close()

    app = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_base_url)
        .concurrent_updates(PerChatUpdateProcessor(256))
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.rate_limit_per_s, max_retries=3))
        .connection_pool_size(64)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    for handler in handlers():
        app.add_handler(handler)
    app.add_error_handler(errors.on_error)
    return app


async def _set_commands(app: Application) -> None:
    for lang, code in (("en", None), ("zh", "zh")):
        commands = [BotCommand(c, COMMAND_HELP[c][lang]) for c in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=code)


@asynccontextmanager
async def polling(app: Application, *, poll_timeout: int = 10) -> AsyncIterator[Application]:
    """The lifecycle of `run_polling`, inside an event loop someone else owns (tests, the
    demo, benchmarks): initialize, post_init, poll, start; and the reverse on the way out."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
    )
    await app.start()
    try:
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def run(settings: Settings) -> None:
    app = build_application(settings)
    if settings.webhook_url:
        app.run_webhook(
            listen="0.0.0.0",
            port=8443,
            webhook_url=settings.webhook_url,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)


__all__ = ["build_application", "handlers", "run", "t"]
