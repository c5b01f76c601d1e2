"""Updates handled at least once: confirmed to Telegram only after they were handled.

PTB's Updater confirms a batch (the next getUpdates offset) as soon as it has fetched it, so
a crash between fetching and handling loses those updates for good. This poller asks for the
next batch only when the current one is handled: a crash makes Telegram deliver the batch
again, and the handlers' idempotency (update ids and check-in keys in storage, confirmations
recorded once sent) turns the second delivery into nothing new.

Order and throughput: a batch is split by chat; chats run concurrently, each chat's updates
in the order Telegram gave them (as bot/processor.py does for PTB's own queue).
`Application.process_update` is called directly, so PTB's update processor is bypassed here.

After handling, each update id is recorded (storage.delivery); `drop_processed`, registered
in group -1, stops a re-delivered update before any handler sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot.context import app_ctx
from bot.http import without_nul
from bot.processor import _chat_key
from bot.resilience import backoff, log_fault

log = logging.getLogger("outpost.updates")

# How long one update may take before the poller stops waiting for it (a stuck handler must
# not stall every other chat forever); it is then treated as handled and logged.
HANDLER_DEADLINE_S = 300.0
# Handled update ids are kept this long (Telegram re-delivers for at most 24 hours), and
# pruned about once an hour.
KEEP_PROCESSED_S = 3 * 86400
PRUNE_EVERY_S = 3600


async def drop_processed(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1: an update already handled (re-delivered after a crash) goes no further."""
    if not isinstance(update, Update):
        return
    if await app_ctx(context).storage.delivery.is_processed(update.update_id):
        log.info("update %s was already handled; skipped", update.update_id)
        raise ApplicationHandlerStop


def read_update(item: Any, bot: Any) -> Update:
    """PTB's Update from raw JSON, with any NUL character dropped (bot/http.py)."""
    item = without_nul(item)
    update: Update = Update.de_json(item, bot)
    return update


def parse_update(item: Any, bot: Any) -> Update | None:
    """One raw update as PTB's Update, or None (logged with its payload) when PTB cannot
    read it, e.g. a duration beyond what Python's timedelta holds."""
    try:
        return read_update(item, bot)
    except Exception:
        log.error("update that cannot be parsed, skipped: %.500r", item, exc_info=True)
        return None


def by_chat(updates: Sequence[Update]) -> list[list[Update]]:
    """Updates grouped per chat (or per user when there is no chat), each group in order."""
    groups: dict[Any, list[Update]] = {}
    for update in updates:
        key = _chat_key(update)
        groups.setdefault(key if key is not None else ("update", update.update_id), []).append(
            update
        )
    return list(groups.values())


async def handle_batch(app: Application, updates: Sequence[Update]) -> None:
    """Handle a batch: chats concurrently, each chat in order; record each when done."""
    await asyncio.gather(*(_handle_chat(app, group) for group in by_chat(updates)))


async def _handle_chat(app: Application, updates: list[Update]) -> None:
    storage = app.bot_data["outpost"].storage
    clock = app.bot_data["outpost"].clock
    for update in updates:
        try:
            await asyncio.wait_for(app.process_update(update), HANDLER_DEADLINE_S)
        except Exception:  # process_update hands handler errors to on_error; this is the rest
            log.exception("update %s could not be handled", update.update_id)
        # Recorded right after handling: the window in which a crash makes this update run
        # again is as short as one write, and a second run is harmless anyway.
        await storage.delivery.mark_processed([update.update_id], now=clock.now().timestamp())


class Poller:
    """getUpdates in a loop of our own; `start()` runs it as a task, `stop()` ends it cleanly."""

    def __init__(
        self,
        app: Application,
        *,
        timeout: int = 10,
        limit: int = 100,
        allowed_updates: Sequence[str] | None = Update.ALL_TYPES,
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.limit = limit
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.offset = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._handling = False
        self._faults = 0
        self._pruned_at = 0.0
        self.failure: BaseException | None = None
        # Set once the updates that waited while the bot was down have been handled: the
        # catch-up of missed notices waits for it, so nobody is reminded of what they did.
        self.drained = asyncio.Event()

    async def wait_drained(self, within: float) -> bool:
        """True once the backlog is handled; False if the poller stops first or time runs
        out (a stopping bot must not be held up by a job waiting here)."""
        waits = {
            asyncio.ensure_future(self.drained.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        }
        try:
            await asyncio.wait(waits, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        return self.drained.is_set() and not self._stopping.is_set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def task(self) -> asyncio.Task[None]:
        assert self._task is not None, "the poller was not started"
        return self._task

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name="outpost-poller")

    async def stop(self) -> None:
        """Finish the batch in hand, confirm it, and return; a pending long poll is dropped."""
        self._stopping.set()
        task = self._task
        if task is None:
            return
        if not self._handling:
            task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:  # a fatal end (a refused token) is kept in self.failure, logged
            pass
        self._task = None
        await self._confirm()

    async def run(self) -> None:
        while not self._stopping.is_set():
            updates = await self._fetch()
            if not updates:
                self.drained.set()
                continue
            self._handling = True
            try:
                await handle_batch(self.app, updates)
            finally:
                self._handling = False
            # Only now may Telegram forget them: the next getUpdates carries this offset.
            self.offset = updates[-1].update_id + 1
            if len(updates) < self.limit:
                self.drained.set()  # a short batch: nothing more was waiting
            await self._prune()

    async def _prune(self) -> None:
        ctx = self.app.bot_data["outpost"]
        now = ctx.clock.now().timestamp()
        if now - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = now
        gone = await ctx.storage.delivery.prune_processed(before=now - KEEP_PROCESSED_S)
        if gone:
            log.info(
                "forgot %d handled update ids older than %d days", gone, KEEP_PROCESSED_S // 86400
            )

    async def _fetch(self) -> tuple[Update, ...]:
        try:
            updates = await self.app.bot.get_updates(
                offset=self.offset,
                limit=self.limit,
                timeout=self.timeout,
                allowed_updates=self.allowed_updates,
                read_timeout=self.timeout + 10,
            )
        except InvalidToken as exc:
            # Nothing will ever work: stop polling and let the caller fail loudly.
            log.error("Telegram refused the bot token: %s", exc)
            self.failure = exc
            raise
        except (TelegramError, OSError) as exc:
            await self._pause_after(exc)
            return ()
        except Exception:  # an update PTB cannot parse would otherwise block polling forever
            log.warning(
                "a batch at offset %s did not parse; reading it update by update",
                self.offset,
                exc_info=True,
            )
            return await self._fetch_one_by_one()
        if self._faults:
            log.info("polling works again after %d fault(s)", self._faults)
            self._faults = 0
        return updates

    async def _fetch_one_by_one(self) -> tuple[Update, ...]:
        """The same batch as raw JSON, parsed one update at a time; an unparseable update is
        logged with its content, recorded as handled and confirmed, so it cannot come back."""
        try:
            raw = await self.app.bot.do_api_request(
                "getUpdates",
                api_kwargs={"offset": self.offset, "limit": self.limit, "timeout": 0},
            )
        except TelegramError as exc:
            await self._pause_after(exc)
            return ()
        good: list[Update] = []
        bad: list[int] = []
        for item in raw if isinstance(raw, list) else []:
            try:
                good.append(read_update(item, self.app.bot))
            except Exception:
                log.error("update that cannot be parsed, skipped: %.500r", item, exc_info=True)
                if isinstance(item, dict) and isinstance(item.get("update_id"), int):
                    bad.append(item["update_id"])
        if bad:
            ctx = self.app.bot_data["outpost"]
            await ctx.storage.delivery.mark_processed(bad, now=ctx.clock.now().timestamp())
            if not good:
                self.offset = max(bad) + 1
        return tuple(good)

    async def _pause_after(self, error: BaseException) -> None:
        self._faults += 1
        if isinstance(error, RetryAfter):
            wait = error._retry_after.total_seconds()
        elif isinstance(error, Conflict):
            wait = 5.0  # another instance polls the same token; it may be on its way out
        else:
            wait = backoff(self._faults, base=0.5)
        where = f"getUpdates (offset {self.offset})"
        log_fault(error, where, action=f"polling again in {wait:.1f}s")
        try:
            await asyncio.wait_for(self._stopping.wait(), wait)
        except TimeoutError:
            pass

    async def _confirm(self) -> None:
        """Tell Telegram what we handled, so a restart does not see it again (best effort:
        if this fails the updates come back and are skipped as already handled)."""
        if not self.offset:
            return
        try:
            await self.app.bot.get_updates(offset=self.offset, limit=1, timeout=0)
        except TelegramError as exc:
            log.info("could not confirm handled updates on the way out: %s", exc)


# How long the catch-up waits for the backlog at most: a slow backlog must not cost the
# catch-up itself (each notice is re-checked against storage when it is sent anyway).
BACKLOG_WAIT_S = 120.0


async def backlog_handled(app: Application, key: str = "outpost.poller") -> bool:
    """Waits until the poller has handled what waited while the bot was down (at once with
    a webhook, where Telegram pushes the backlog through requests answered after handling).
    False when the bot is stopping meanwhile: then there is nothing to catch up on."""
    poller = app.bot_data.get(key)
    if not isinstance(poller, Poller):
        return True
    if await poller.wait_drained(BACKLOG_WAIT_S):
        return True
    if poller.drained.is_set() or not poller.running:
        return False
    log.warning("catch-up goes ahead: the backlog took over %.0f s", BACKLOG_WAIT_S)
    return True
