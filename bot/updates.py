"""Updates handled at least once: confirmed to Telegram only after they were handled.

PTB's Updater confirms a batch (the next getUpdates offset) as soon as it has fetched it, so
a crash between fetching and handling loses those updates for good. This poller confirms an
offset only when every update below it is handled: a crash makes Telegram deliver the
unhandled ones again, and the handlers' idempotency (update ids and check-in keys in
storage, confirmations recorded once sent) turns a second delivery into nothing new.

No head-of-line blocking: the poller keeps fetching while earlier updates are still being
handled. It asks from the oldest unhandled update (so nothing unhandled is confirmed), takes
what it has not seen yet, and hands each to its chat's queue: chats run concurrently, each
chat's updates in the order Telegram gave them (as bot/chat_queues.py does for PTB's own
queue). A slow update (a stalled call, a 429 for its chat) holds back its own chat only.
The bound: Telegram returns at most `limit` (100) updates from the oldest unhandled one, so
at most that many are in flight; only when a single update stays unhandled while 100 newer
ones pile up behind it does fetching wait for it.
`Application.process_update` is called directly, so PTB's update processor is bypassed here.

After handling, each update id is recorded (storage.delivery); `drop_processed`, registered
in group -1, stops a re-delivered update before any handler sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot.chat_queues import _chat_key
from bot.context import app_ctx
from bot.http import without_nul
from bot.resilience import backoff, log_fault, retry_after_seconds
from bot.storage_failure import is_storage_failure, take_unsaved
from bot.webhook_backlog import BACKLOG_KEY, WebhookBacklog

log = logging.getLogger("outpost.updates")

# How long one update may take before the poller stops waiting for it (a stuck handler must
# not stall every other chat forever); it is then treated as handled and logged.
HANDLER_DEADLINE_S = 300.0
# Handled update ids are kept this long (Telegram re-delivers for at most 24 hours), and
# pruned about once an hour.
KEEP_PROCESSED_S = 3 * 86400
PRUNE_EVERY_S = 3600
# With updates in hand and nothing new behind them, how soon to ask Telegram again.
BUSY_POLL_S = 0.25


async def drop_processed(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1: an update already handled (re-delivered after a crash) goes no further.

    One that only stored a conversation step (storage/flows.py records the update in the
    step's own transaction) was cut short after that commit: its reply may never have gone
    out. It goes on while it is still what put the person at their step, and the flow
    recognises it and asks the current question again; once a later update moved the flow
    it is dropped, so it can never answer a later question."""
    if not isinstance(update, Update):
        return
    storage = app_ctx(context).storage
    handled = await storage.delivery.handled(update.update_id)
    if handled is None:
        return
    user = update.effective_user
    if not handled and user is not None and await storage.flows.moved_by(user.id, update.update_id):
        log.info("update %s stored its step before a crash; asked again", update.update_id)
        return
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


async def handle_batch(app: Application, updates: Sequence[Update]) -> int | None:
    """Handle a batch: chats concurrently, each chat in order; record each when done.

    Returns the first update whose data storage could not write (bot/storage_failure.py):
    it, and what follows it in its chat, must be delivered again; None when all were handled."""
    unsaved = await asyncio.gather(*(_handle_in_order(app, group) for group in by_chat(updates)))
    return min((u for u in unsaved if u is not None), default=None)


async def _handle_in_order(app: Application, updates: list[Update]) -> int | None:
    for update in updates:
        if not await handle_update(app, update):
            # Not handled: this chat stops here, so its later updates come again after it,
            # in order.
            return update.update_id
    return None


async def handle_update(app: Application, update: Update) -> bool:
    """Run the handlers for one update, then record it as handled. False when storage could
    not write its data: it was not handled, is not recorded, and must be handled again."""
    try:
        await asyncio.wait_for(app.process_update(update), HANDLER_DEADLINE_S)
    except Exception:  # process_update hands handler errors to on_error; this is the rest
        log.exception("update %s could not be handled", update.update_id)
    if take_unsaved(app.bot_data, update.update_id):
        return False
    try:
        await record_handled(app, update.update_id)
    except Exception as exc:
        if not is_storage_failure(exc):
            raise
        # Its data is stored; only the note that it was handled is not. Confirmed to
        # Telegram it never comes again, and if it did a second run is harmless.
        log.warning("update %s handled, but not recorded as handled: %s", update.update_id, exc)
    return True


async def record_handled(app: Application, update_id: int) -> None:
    # Recorded right after handling: the window in which a crash makes this update run
    # again is as short as one write, and a second run is harmless anyway.
    ctx = app.bot_data["outpost"]
    await ctx.storage.delivery.mark_processed([update_id], now=ctx.clock.now().timestamp())


class Unhandled:
    """Update ids fetched and not yet handled, and the offset Telegram may forget below."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self.newest_seen = -1
        # Set whenever one is handled.
        self.fewer = asyncio.Event()

    def __len__(self) -> int:
        return len(self._ids)

    def is_new(self, update_id: int) -> bool:
        return update_id > self.newest_seen

    def add(self, update_id: int) -> None:
        self._ids.add(update_id)
        self.newest_seen = max(self.newest_seen, update_id)

    def handled(self, update_id: int) -> None:
        self._ids.discard(update_id)
        self.fewer.set()

    def skip_up_to(self, update_id: int) -> None:
        """Everything up to here needs no handling (updates nobody can parse, recorded)."""
        self.newest_seen = max(self.newest_seen, update_id)

    def safe_offset(self) -> int:
        """The getUpdates offset that confirms only handled updates: the oldest unhandled
        one, or the one after the newest seen when all are handled (0 before any)."""
        if self._ids:
            return min(self._ids)
        return self.newest_seen + 1 if self.newest_seen >= 0 else 0


class ChatQueues:
    """One worker per chat with updates waiting, handling them in arrival order; a worker
    ends when its queue is empty, so idle chats cost nothing. `handle` returns False when
    the update must be tried again (storage failed): its chat waits behind it, until
    `giving_up()` says the poller is stopping (Telegram then delivers it again)."""

    def __init__(
        self, handle: Callable[[Update], Awaitable[bool]], giving_up: Callable[[], bool]
    ) -> None:
        self._handle = handle
        self._giving_up = giving_up
        self._queues: dict[Any, deque[Update]] = {}
        self._workers: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._workers)

    def put(self, update: Update) -> None:
        chat = _chat_key(update)
        key: Any = chat if chat is not None else ("update", update.update_id)
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(update)
            return
        self._queues[key] = deque([update])
        worker = asyncio.create_task(self._work(key), name=f"outpost-chat-{key}")
        self._workers.add(worker)
        worker.add_done_callback(self._workers.discard)

    async def _work(self, key: Any) -> None:
        queue = self._queues[key]
        try:
            while queue:
                if await self._handle(queue[0]):
                    queue.popleft()
                elif self._giving_up():
                    return
        finally:
            del self._queues[key]

    async def drain(self) -> None:
        """Wait until every update handed over is handled."""
        while self._workers:
            await asyncio.gather(*list(self._workers), return_exceptions=True)


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
        self.unhandled = Unhandled()
        self.chats = ChatQueues(self._handle, self._stopping_now)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._faults = 0
        self._storage_faults = 0
        self._pruned_at = 0.0
        self._unreadable_up_to: int | None = None
        self.failure: BaseException | None = None
        # Set once the updates that waited while the bot was down have been handled: the
        # catch-up of missed notices waits for it, so nobody is reminded of what they did.
        self.drained = asyncio.Event()
        self._backlog_fetched = False

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
    def offset(self) -> int:
        """What the next getUpdates confirms: everything below it is handled."""
        return self.unhandled.safe_offset()

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
        """Stop fetching, finish every update in hand, confirm them, and return."""
        self._stopping.set()
        task = self._task
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:  # a fatal end (a refused token) is kept in self.failure, logged
            pass
        self._task = None
        await self.chats.drain()
        await self._confirm()

    async def run(self) -> None:
        while not self._stopping.is_set():
            # The first look asks without waiting, so an empty backlog is known at once.
            busy = len(self.unhandled) > 0 or not self._backlog_fetched
            # With updates in hand Telegram answers at once (it still holds them), so a long
            # poll would not wait anyway; without, wait for news as long as allowed.
            updates = await self._fetch(0 if busy else self.timeout)
            if len(updates) < self.limit:
                self._backlog_fetched = True  # a short page: nothing more waited behind it
            fresh = [u for u in updates if self.unhandled.is_new(u.update_id)]
            for update in fresh:
                self.unhandled.add(update.update_id)
                self.chats.put(update)
            if self._unreadable_up_to is not None:
                self.unhandled.skip_up_to(self._unreadable_up_to)
                self._unreadable_up_to = None
            self._note_drained()
            if not fresh and busy:
                # Nothing new behind the updates in hand. Asking again returns them all once
                # more (Telegram still holds them), so ask once half of them are handled or
                # after a short while (news may arrive), not after every single one.
                await self._until_half_handled(BUSY_POLL_S)
            await self._prune()

    async def _handle(self, update: Update) -> bool:
        try:
            saved = await handle_update(self.app, update)
        except BaseException:
            self.unhandled.handled(update.update_id)
            raise
        if saved:
            self.unhandled.handled(update.update_id)
            self._storage_faults = 0
            self._note_drained()
        else:
            # Storage could not take it: it stays unhandled, so the offset never passes it
            # and a crash or a stop leaves it with Telegram, to be delivered again.
            await self._pause_while_storage_fails(update.update_id)
        return saved

    def _note_drained(self) -> None:
        if self._backlog_fetched and not len(self.unhandled):
            self.drained.set()

    def _stopping_now(self) -> bool:
        return self._stopping.is_set()

    async def _pause_while_storage_fails(self, update_id: int) -> None:
        self._storage_faults += 1
        wait = backoff(self._storage_faults, base=0.5)
        log.warning("storage failing: update %s is tried again in %.1fs", update_id, wait)
        try:
            await asyncio.wait_for(self._stopping.wait(), wait)
        except TimeoutError:
            pass

    async def _until_half_handled(self, at_most: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + at_most
        target = len(self.unhandled) // 2
        while len(self.unhandled) > target:
            self.unhandled.fewer.clear()
            left = deadline - loop.time()
            if left <= 0:
                return
            try:
                await asyncio.wait_for(self.unhandled.fewer.wait(), left)
            except TimeoutError:
                return

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

    async def _fetch(self, wait_s: int) -> tuple[Update, ...]:
        try:
            updates = await self.app.bot.get_updates(
                offset=self.offset,
                limit=self.limit,
                timeout=wait_s,
                allowed_updates=self.allowed_updates,
                read_timeout=wait_s + 10,
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
            # Seen once the good ones of this answer are taken (run() calls skip_up_to).
            self._unreadable_up_to = max(bad)
        return tuple(good)

    async def _pause_after(self, error: BaseException) -> None:
        self._faults += 1
        if isinstance(error, RetryAfter):
            wait = retry_after_seconds(error)
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
    """Waits until what waited while the bot was down has been handled: by the poller, or
    with a webhook until Telegram holds nothing more for us (bot/webhook_backlog.py).
    False when the bot is stopping meanwhile: then there is nothing to catch up on."""
    poller = app.bot_data.get(key)
    if not isinstance(poller, Poller):
        return await _webhook_backlog_handled(app)
    if await poller.wait_drained(BACKLOG_WAIT_S):
        return True
    if poller.drained.is_set() or not poller.running:
        return False
    log.warning("catch-up goes ahead: the backlog took over %.0f s", BACKLOG_WAIT_S)
    return True


async def _webhook_backlog_handled(app: Application) -> bool:
    pushed = app.bot_data.get(BACKLOG_KEY)
    if not isinstance(pushed, WebhookBacklog):
        return True  # neither polling nor a webhook: nothing can be waiting
    drained = await pushed.wait_drained(BACKLOG_WAIT_S)
    if drained is False:
        log.warning("catch-up goes ahead: the webhook backlog took over %.0f s", BACKLOG_WAIT_S)
    return drained is not None
