"""The composition root: builds the Application and registers every handler, in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.chat_queues import PerChatUpdateProcessor
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.context import CTX_KEY, AppContext
from bot.gc_tuning import tune_gc
from bot.http import make_requests
from bot.i18n import t
from bot.jobs import start_scheduler
from bot.resilience import OutgoingScheduler, quiet_duplicate_fault_logs
from bot.services.recall import tell_pending_recalls
from bot.startup import database_answers, telegram_answers
from bot.updates import Poller, drop_processed
from bot.webhook_backlog import BACKLOG_KEY, WebhookBacklog
from handlers import (
    checkin,
    diary_reading,
    diary_writing,
    door,
    errors,
    leave,
    menus,
    messages,
    newteam,
    policy,
    report,
    roles,
    rollcall,
    start,
    summary,
)
from handlers import evidence as evidence_handlers
from handlers import export as export_handlers
from handlers import recall as recall_handlers
from handlers.common import refuse_buttons_outside_private
from handlers.flows import ROUTES_KEY, Routes
from storage import Storage

# Commands shown in Telegram's menu, per language.
COMMANDS = ("checkin", "diary", "done", "leave", "makeup", "language", "help", "cancel")
COMMAND_HELP = {
    "checkin": {"en": "Check in with your location", "zh": "发送位置签到"},
    "diary": {"en": "Today's work diary", "zh": "今日工作日志"},
    "leave": {"en": "Ask for leave", "zh": "请假"},
    "done": {"en": "Finish today's diary", "zh": "结束今日日志"},
    "makeup": {"en": "Ask for a make-up check-in", "zh": "申请补签"},
    "language": {"en": "Change language", "zh": "切换语言"},
    "help": {"en": "What I can do", "zh": "帮助"},
    "cancel": {"en": "Stop the current step", "zh": "取消当前操作"},
}

LOCATION_MESSAGE = filters.UpdateType.MESSAGE & filters.LOCATION
LIVE_LOCATION_EDIT = filters.UpdateType.EDITED_MESSAGE & filters.LOCATION
PRIVATE_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
DIARY_MEDIA = filters.UpdateType.MESSAGE & (filters.PHOTO | filters.VOICE)
TEXT_EDIT = filters.UpdateType.EDITED_MESSAGE & (filters.TEXT | filters.CAPTION)
OTHER_MESSAGE = filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.LOCATION & ~filters.COMMAND
OTHER_COMMAND = filters.UpdateType.MESSAGE & filters.COMMAND & filters.ChatType.PRIVATE
# Commands act on new messages only: editing an old "/checkin" must not run it again.
NEW = filters.UpdateType.MESSAGE


def handlers() -> list[BaseHandler]:
    """Every handler, first match wins. Order matters where filters overlap."""
    return [
        # Joining and the basics; /start carries the invite code as its argument.
        CommandHandler("start", start.cmd_start, filters=NEW),
        CommandHandler("help", start.cmd_help, filters=NEW),
        CommandHandler("cancel", start.cmd_cancel, filters=NEW),
        CommandHandler("language", start.cmd_language, filters=NEW),
        # The morning check-in and its live-location track.
        CommandHandler("checkin", checkin.cmd_checkin, filters=NEW),
        MessageHandler(LOCATION_MESSAGE, checkin.on_location),
        # Edits: a diary entry's text/caption (history kept), or a live location's track.
        MessageHandler(TEXT_EDIT, diary_writing.on_edited),
        MessageHandler(LIVE_LOCATION_EDIT, checkin.on_live_edit),
        # The work diary, and supervisors reading it.
        CommandHandler("diary", diary_writing.cmd_diary, filters=NEW),
        CommandHandler("done", diary_writing.cmd_done, filters=NEW),
        CommandHandler("diaries", diary_reading.cmd_diaries, filters=NEW),
        MessageHandler(DIARY_MEDIA, diary_writing.on_media),
        # Leave and make-up requests, one approval machinery.
        CommandHandler("leave", leave.cmd_leave, filters=NEW),
        CommandHandler("cancelleave", leave.cmd_cancelleave, filters=NEW),
        CommandHandler("makeup", leave.cmd_makeup, filters=NEW),
        # Administration.
        CommandHandler("newteam", newteam.cmd_newteam, filters=NEW),
        CommandHandler("teams", newteam.cmd_teams, filters=NEW),
        CommandHandler("policy", policy.cmd_policy, filters=NEW),
        # Oversight: the day summary on demand and spot-check roll calls (answers arrive as
        # locations and are routed in checkin.on_location).
        CommandHandler("summary", summary.cmd_summary, filters=NEW),
        CommandHandler("rollcall", rollcall.cmd_rollcall, filters=NEW),
        CommandHandler("report", report.cmd_report, filters=NEW),
        # Evidence (SPEC §6): a member's month as a picture, and clearing a spoof signal.
        CommandHandler("evidence", evidence_handlers.cmd_evidence, filters=NEW),
        CommandHandler("clearsignal", evidence_handlers.cmd_clearsignal, filters=NEW),
        # Administration: exports and recalls (admins only; refusals are audited).
        CommandHandler("export", export_handlers.cmd_export, filters=NEW),
        CommandHandler("recall", recall_handlers.cmd_recall, filters=NEW),
        # Buttons: callback data names the flow; identity is always the presser's user id.
        CallbackQueryHandler(start.on_language_button, pattern=r"^lang:"),
        CallbackQueryHandler(start.on_join_button, pattern=r"^join:"),
        # An admin confirms a role change asked through an invite link.
        CallbackQueryHandler(roles.on_role_button, pattern=r"^role:"),
        CallbackQueryHandler(newteam.on_button, pattern=r"^nt:"),
        CallbackQueryHandler(leave.on_request_button, pattern=r"^req:"),
        CallbackQueryHandler(leave.on_leave_button, pattern=r"^lv:"),
        CallbackQueryHandler(leave.on_makeup_button, pattern=r"^mk:"),
        CallbackQueryHandler(diary_writing.on_diary_button, pattern=r"^di:"),
        CallbackQueryHandler(diary_reading.on_diaries_button, pattern=r"^dv:"),
        CallbackQueryHandler(export_handlers.on_button, pattern=r"^ex:"),
        CallbackQueryHandler(recall_handlers.on_button, pattern=r"^rc:"),
        # A command no handler above took (a typo, another bot's): a hint, never silence.
        MessageHandler(OTHER_COMMAND, messages.on_unknown_command),
        # Free text last: a flow's next answer, a menu button, or a hint.
        MessageHandler(PRIVATE_TEXT, messages.on_text),
        # Stickers, documents… where a flow expects an answer: that step asks again.
        MessageHandler(OTHER_MESSAGE, leave.on_other_message),
        # Any other button (stale, forged, from an old version) gets a polite refusal.
        CallbackQueryHandler(start.on_unknown_button),
    ]


def routes() -> Routes:
    """Where a message goes when no command or button handler above took it
    (handlers/flows.py). The order of precedence is: the text (or location) step of the flow
    the person is in; for text outside a flow, a menu button's label in any language; then
    the fallback. Flow names are the `flow` column of `flow_state`."""
    return Routes(
        text_steps={
            "join": start.on_join_text,  # name, then dispatching unit (SPEC 3.1)
            newteam.FLOW: newteam.on_text,  # the admin's team wizard
            leave.FLOW: leave.on_leave_text,  # leave and make-up: days, reason (SPEC 3.4)
            leave.REJECT_FLOW: leave.on_reject_reason,  # a supervisor's reason for rejecting
            "oor_reason": checkin.on_out_of_area_reason,  # why a check-in was out of area
            checkin.WAIT_FLOW: checkin.on_text_instead_of_location,  # text after /checkin
            # Each message is a diary entry until done; "is this a diary entry?" pending.
            diary_writing.FLOW: diary_writing.on_diary_message,
            diary_writing.ASK_FLOW: diary_writing.on_more_while_asking,
            export_handlers.FLOW: export_handlers.on_text,  # the export wizard's typed range
            recall_handlers.FLOW: recall_handlers.on_text,  # the recall wizard's typed reason
        },
        location_steps={
            newteam.FLOW: newteam.on_location,  # the site, shared while standing there
        },
        menu_buttons={
            "menu.checkin": checkin.menu_checkin_text,  # a client that sent the label as text
            "menu.diary": diary_writing.menu_diary,
            "menu.leave": leave.menu_leave,
            "menu.help": start.menu_help,
            "menu.language": start.menu_language,
            # The supervisor's and administrator's keyboard (handlers/common.role_menu).
            "menu.summary": menus.runs(summary.cmd_summary),
            "menu.diaries": menus.runs(diary_reading.cmd_diaries),
            "menu.teams": menus.runs(newteam.cmd_teams),
            "menu.export": menus.runs(export_handlers.cmd_export),
        },
        # Text in no flow and no button: kept, and the member is asked if it is a diary entry.
        fallback_text=diary_writing.ask_if_diary,
        # Stickers, documents… reach only these flows, whose step asks its question again.
        reprompt_flows=frozenset(
            {leave.FLOW, leave.REJECT_FLOW, diary_writing.FLOW, diary_writing.ASK_FLOW}
        ),
        # A flow's question asked again when an update that already moved it comes back
        # (after a crash); a flow missing here just ignores the repeat.
        questions={
            "join": start.ask_join_question,
            leave.FLOW: leave.ask_current_question,
            newteam.FLOW: newteam.ask_question,
            export_handlers.FLOW: export_handlers.ask_question,
            recall_handlers.FLOW: recall_handlers.ask_question,
            diary_writing.ASK_FLOW: diary_writing.ask_kept_question,
        },
    )


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    storage: Storage | None = None,
) -> Application:
    storage = storage or Storage(settings.db_path)
    quiet_duplicate_fault_logs()
    ctx = AppContext(settings=settings, storage=storage, clock=clock or SystemClock())

    async def post_init(app: Application) -> None:
        if not storage.db.is_open:
            await storage.open()
        app.bot_data[CTX_KEY] = ctx
        await _set_commands(app)
        tune_gc()
        # Reminders, summaries, roll calls: every team's named jobs, plus a catch-up pass.
        await start_scheduler(app)
        # Recalls made from the shell while the bot was not running are told now, and any
        # made later (Telegram unreachable from the shell) within a minute.
        await tell_pending_recalls(ctx, app.bot)
        if app.job_queue is not None:
            app.job_queue.run_repeating(
                _recall_notices,
                RECALL_NOTICE_EVERY_S,
                first=RECALL_NOTICE_EVERY_S,
                name="admin:recall_notices",
            )

    async def post_shutdown(app: Application) -> None:
        await storage.close()

    # Enough connections for paid broadcast's 1,000/s at a 200 ms round trip.
    request, updates_request = make_requests(settings.http_backend, pool_size=256)
    app = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_base_url)
        .concurrent_updates(PerChatUpdateProcessor(256))
        .rate_limiter(OutgoingScheduler(overall_max_rate=settings.rate_limit_per_s))
        # Timeouts live in the requests (bot/http.py): PTB refuses both at once.
        .request(request)
        .get_updates_request(updates_request)
        # Our own poller (bot/updates.py) confirms updates only after handling them.
        .updater(None)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    # Before everything: an update already handled (re-delivered after a crash) stops here.
    # First of all: an update already handled (Telegram re-delivered it) goes no further.
    app.add_handler(TypeHandler(Update, drop_processed), group=-2)
    # Then the door: groups hear one answer whoever asks, and a message dated where no
    # genuine message can be is refused (handlers/door.py).
    app.add_handler(CallbackQueryHandler(refuse_buttons_outside_private), group=-1)
    app.add_handler(TypeHandler(Update, door.at_the_door), group=-1)
    for handler in handlers():
        app.add_handler(handler)
    app.bot_data[ROUTES_KEY] = routes()
    app.add_error_handler(errors.on_error)
    return app


RECALL_NOTICE_EVERY_S = 60


async def _recall_notices(context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx: AppContext = context.application.bot_data[CTX_KEY]
    await tell_pending_recalls(ctx, context.bot)


async def _set_commands(app: Application) -> None:
    for lang, code in (("en", None), ("zh", "zh")):
        commands = [BotCommand(c, COMMAND_HELP[c][lang]) for c in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=code)


@asynccontextmanager
async def polling(app: Application, *, poll_timeout: int = 10) -> AsyncIterator[Application]:
    """The bot's lifecycle inside an event loop someone else owns (tests, the demo, benchmarks):
    initialize, post_init, start, poll; and the reverse on the way out. Updates are confirmed
    to Telegram only after they are handled (bot/updates.py)."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    # Known before the jobs start: the start-up catch-up waits for its backlog.
    poller = Poller(app, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
    app.bot_data[POLLER_KEY] = poller
    await app.start()
    poller.start()
    try:
        yield app
    finally:
        await poller.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


POLLER_KEY = "outpost.poller"


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set: long polling, or a webhook when a URL is configured."""
    app = build_application(settings)
    if not settings.webhook_url:
        async with polling(app) as running:
            poller: Poller = running.bot_data[POLLER_KEY]
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({stopping, poller.task}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if poller.failure is not None:
                raise poller.failure  # the loop ends only when polling can never work
        return
    async with webhook(app, settings):
        await stop.wait()


@asynccontextmanager
async def webhook(app: Application, settings: Settings) -> AsyncIterator[Application]:
    """The bot's lifecycle in webhook mode (`serve`; tests with their own clock): the HTTP
    server, setWebhook, and the reverse on the way out."""
    from aiohttp import web

    from bot.webhook import secret_for, webhook_app

    assert settings.webhook_url, "webhook mode needs OUTPOST_WEBHOOK_URL"
    secret = secret_for(settings.require_token())
    # Telegram calls the public https URL; the reverse proxy in front (README) forwards it
    # here, to the path the URL names unless OUTPOST_WEBHOOK_PATH says otherwise.
    path = settings.webhook_path or urlsplit(settings.webhook_url).path or "/"
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    # Known before the jobs start: the start-up catch-up waits for the pushed backlog.
    runner = web.AppRunner(webhook_app(app, path, secret), access_log=None)
    await app.start()
    try:
        await runner.setup()
        site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
        try:
            await site.start()
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {settings.webhook_listen}:{settings.webhook_port} for the"
                f" webhook ({exc.strerror or exc}); set OUTPOST_WEBHOOK_LISTEN/_PORT"
            ) from exc
        try:
            await app.bot.set_webhook(
                settings.webhook_url, allowed_updates=Update.ALL_TYPES, secret_token=secret
            )
        except TelegramError as exc:
            raise ConfigError(
                f"Telegram refused OUTPOST_WEBHOOK_URL={settings.webhook_url!r}: {exc}"
            ) from exc
        logging.getLogger("outpost").info(
            "webhook %s served on %s:%s%s",
            settings.webhook_url,
            settings.webhook_listen,
            settings.webhook_port,
            path,
        )
        yield app
    finally:
        backlog = app.bot_data.get(BACKLOG_KEY)
        if isinstance(backlog, WebhookBacklog):
            backlog.stop()  # a catch-up still waiting for the backlog gives up
        await runner.cleanup()  # waits for requests in flight: their updates finish handling
        await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def run(settings: Settings) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Not on Windows, nor outside the main thread; Ctrl-C then ends it the hard way.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        await database_answers(settings)
        me = await telegram_answers(settings)  # "running" only once Telegram answered
        logging.getLogger("outpost").info("outpost is running as @%s; Ctrl-C stops it", me.username)
        try:
            await serve(settings, stop)
        except InvalidToken as exc:
            raise ConfigError(
                f"Telegram refused TELEGRAM_BOT_TOKEN ({exc}); check it with @BotFather"
            ) from exc

    asyncio.run(main())


__all__ = ["build_application", "handlers", "run", "t"]
