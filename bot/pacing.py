"""Telegram's sending budget, shared by priority lanes.

Telegram lets a bot send about 30 messages a second in all and 20 a minute into one group.
One `Pacer` owns that budget for the whole process and hands out send slots, highest lane
first: a reply to what a person just did, then supervisor alerts, then bulk notices. A slot
is only permission to start a call; the call itself runs in its caller's task, so many calls
are in flight at once and throughput is set by the budget, never by the round trip.

When nobody interactive waits, bulk takes every slot; when someone does, they get the next
one, so bulk holds a reply back by at most one slot. A waiter whose group has spent its
budget is passed over (others go first) rather than blocking its lane.

A pause (`pause_all`) stops every slot for as long as Telegram asked; it is used only when
Telegram throttles the bot as a whole, not when one chat is throttled (that chat's own call
waits, holding nothing of anybody else's).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum

from bot.locks import KeyedLocks


class Lane(IntEnum):
    """Served in this order; lower value first."""

    INTERACTIVE = 0
    ALERT = 1
    BULK = 2


@dataclass(frozen=True)
class SendAs:
    """What a send is, for the scheduler (passed as PTB's public `rate_limit_args`).

    `still_due` is asked right after the send gets its slot and before the call goes out:
    False withdraws the send (a reminder to someone who has just checked in).
    `paid` sends it with allow_paid_broadcast, outside the free budget.
    """

    lane: Lane
    still_due: Callable[[], Awaitable[bool]] | None = None
    paid: bool = False


INTERACTIVE = SendAs(Lane.INTERACTIVE)
ALERT = SendAs(Lane.ALERT)
BULK = SendAs(Lane.BULK)

GROUP_PER_MINUTE = 20
# allow_paid_broadcast: "up to 1000 messages per second", on its own (paid) budget.
PAID_PER_SECOND = 1000.0


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate, self.burst = float(rate), max(1.0, float(burst))
        self.tokens, self.stamp = self.burst, now

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one token is there (0 when it is)."""
        self.refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class GroupBudgets:
    """Telegram's ~20 messages a minute into one group, as a bucket per group: 20 may go at
    once, then one every 3 seconds (how Telegram's limit is usually met, and PTB's own
    limiter). A group whose bucket is full again is forgotten."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[int | str, TokenBucket] = {}

    def wait(self, group: int | str, now: float) -> float:
        bucket = self._buckets.get(group)
        if bucket is None:
            return 0.0
        wait = bucket.wait(now)
        if bucket.tokens >= bucket.burst:
            del self._buckets[group]
        return wait

    def take(self, group: int | str, now: float) -> None:
        bucket = self._buckets.get(group)
        if bucket is None:
            bucket = self._buckets[group] = TokenBucket(self.per_minute / 60, self.per_minute, now)
        bucket.refill(now)
        bucket.take()


@dataclass
class _Waiter:
    group: int | str | None
    granted: asyncio.Future[None]


class Pacer:
    """Hands out send slots under one budget, lane by lane (see the module docstring)."""

    def __init__(
        self,
        per_second: float,
        *,
        burst: float | None = None,
        group_per_minute: int = GROUP_PER_MINUTE,
    ) -> None:
        self.per_second = per_second
        # A tenth of a second of budget may go at once: replies after a quiet moment leave
        # together, and Telegram still sees the rate it allows over any second.
        self._burst = burst if burst is not None else per_second / 10
        self._bucket: TokenBucket | None = None
        self._paid: TokenBucket | None = None
        self._groups = GroupBudgets(group_per_minute)
        self._lanes: dict[Lane, deque[_Waiter]] = {lane: deque() for lane in Lane}
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._chats = KeyedLocks()
        self.granted = dict.fromkeys(Lane, 0)

    def lift_group_limit(self, per_minute: int) -> None:
        """A test that floods one group on purpose would otherwise wait minutes."""
        self._groups = GroupBudgets(per_minute)

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def pause_all(self, seconds: float) -> None:
        """Telegram throttled the whole bot: no slot for anybody until `seconds` from now."""
        self._paused_until = max(self._paused_until, self.now() + seconds)
        self._wake.set()

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.now())

    def give_back(self, lane: Lane) -> None:
        """A slot taken but not used (its notice was withdrawn): the next sender has it."""
        if self._bucket is not None:
            self._bucket.tokens = min(self._bucket.burst, self._bucket.tokens + 1)
            self.granted[lane] -= 1
            self._wake.set()

    async def slot(self, lane: Lane, *, group: int | str | None = None, paid: bool = False) -> None:
        """Returns when this send may start."""
        if paid:
            await self._paid_slot()
            return
        now = self.now()
        if self._free_now(lane, group, now):
            self._grant(lane, group, now)
            return
        waiter = _Waiter(group, asyncio.get_running_loop().create_future())
        self._lanes[lane].append(waiter)
        self._ensure_dispatcher()
        self._wake.set()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter in self._lanes[lane]:
                self._lanes[lane].remove(waiter)
            raise

    @contextlib.asynccontextmanager
    async def chat(self, chat_id: int | str | None) -> AsyncIterator[None]:
        """One call at a time per chat, so a chat's messages arrive in the order they were
        sent; a call that stalls or is throttled holds back its own chat and nobody else."""
        if chat_id is None:
            yield
            return
        async with self._chats.hold(chat_id):
            yield

    async def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        for queue in self._lanes.values():
            while queue:
                waiter = queue.popleft()
                if not waiter.granted.done():
                    waiter.granted.cancel()

    # -- inside -----------------------------------------------------------------------------

    def _budget(self, now: float) -> TokenBucket:
        if self._bucket is None:
            self._bucket = TokenBucket(self.per_second, self._burst, now)
        return self._bucket

    async def _paid_slot(self) -> None:
        while True:
            now = self.now()
            if self._paid is None:
                self._paid = TokenBucket(PAID_PER_SECOND, PAID_PER_SECOND / 10, now)
            wait = max(self._paused_until - now, self._paid.wait(now))
            if wait <= 0:
                self._paid.take()
                return
            await asyncio.sleep(wait)

    def _free_now(self, lane: Lane, group: int | str | None, now: float) -> bool:
        """A slot can be had at once: nobody of this lane or a higher one waits before us."""
        if any(self._lanes[ahead] for ahead in Lane if ahead <= lane):
            return False
        if now < self._paused_until or self._budget(now).wait(now) > 0:
            return False
        return group is None or self._groups.wait(group, now) <= 0

    def _grant(self, lane: Lane, group: int | str | None, now: float) -> None:
        self._budget(now).take()
        if group is not None:
            self._groups.take(group, now)
        self.granted[lane] += 1

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="outpost-pacer")

    async def _dispatch(self) -> None:
        while any(self._lanes.values()):
            self._wake.clear()
            now = self.now()
            wait = max(self._paused_until - now, self._budget(now).wait(now))
            if wait <= 0:
                wait = self._serve_one(now)
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
            else:
                await asyncio.sleep(0)  # let the granted sender start before the next grant

    def _serve_one(self, now: float) -> float:
        """Grant the first eligible waiter, highest lane first; 0 when one was served, else
        how long until a waiting group may send again."""
        soonest = float("inf")
        for lane in Lane:
            queue = self._lanes[lane]
            for waiter in list(queue):
                if waiter.granted.done():  # cancelled while waiting
                    queue.remove(waiter)
                    continue
                group_wait = 0.0 if waiter.group is None else self._groups.wait(waiter.group, now)
                if group_wait > 0:
                    soonest = min(soonest, group_wait)
                    continue
                queue.remove(waiter)
                self._grant(lane, waiter.group, now)
                waiter.granted.set_result(None)
                return 0.0
        return soonest if soonest != float("inf") else 1.0
