"""Injected faults and Telegram-like flood limits."""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import dataclass

FAULT_KINDS = ("429", "500", "502", "reset", "reset_after", "stall")


@dataclass
class Fault:
    """One rule. `times=None` fires without end; `probability=None` fires on every match."""

    kind: str
    method: str | None = None
    times: int | None = 1
    probability: float | None = None
    retry_after: int = 1
    seconds: float = 10.0
    fired: int = 0
    # Only calls to this chat (None: any chat).
    chat_id: int | None = None

    def matches(self, method: str, chat_id: object = None) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.chat_id is not None and str(chat_id) != str(self.chat_id):
            return False
        if self.method is None:
            # Faults aimed at "anything" must not break the polling loop by surprise.
            return method.lower() != "getupdates"
        return self.method.lower() == method.lower()


class Faults:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rules: list[Fault] = []

    def add(
        self,
        kind: str,
        method: str | None = None,
        times: int | None = 1,
        probability: float | None = None,
        retry_after: int = 1,
        seconds: float = 10.0,
        chat_id: int | None = None,
    ) -> Fault:
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")
        rule = Fault(kind, method, times, probability, retry_after, seconds, chat_id=chat_id)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str, chat_id: object = None) -> Fault | None:
        """The first rule that fires for this request, counted as fired."""
        for rule in self.rules:
            if not rule.matches(method, chat_id):
                continue
            if rule.probability is not None and self.rng.random() >= rule.probability:
                continue
            rule.fired += 1
            return rule
        return None


class RateLimiter:
    """Token bucket over all send*/edit* calls, plus Telegram's per-chat ceilings.

    Uses the monotonic clock, not the emulator's (possibly frozen) date clock: flood control
    is about real request rates.
    """

    def __init__(
        self,
        per_second: float,
        per_chat_per_second: float | None = None,
        per_group_per_minute: int | None = None,
    ) -> None:
        self.rate = float(per_second)
        self.tokens = float(per_second)
        self.stamp = time.monotonic()
        self.per_chat = per_chat_per_second
        self.per_group = per_group_per_minute
        self._chat_last: dict[int, float] = {}
        self._group_window: dict[int, deque[float]] = {}

    def check(self, chat_id: int | None) -> int | None:
        """None if allowed (and counted); else retry_after in whole seconds (>= 1)."""
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return max(1, math.ceil((1 - self.tokens) / self.rate))
        if chat_id is not None and self.per_chat and chat_id > 0:
            last = self._chat_last.get(chat_id)
            gap = 1 / self.per_chat
            if last is not None and now - last < gap:
                return max(1, math.ceil(gap - (now - last)))
            self._chat_last[chat_id] = now
        if chat_id is not None and self.per_group and chat_id < 0:
            window = self._group_window.setdefault(chat_id, deque())
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) >= self.per_group:
                return max(1, math.ceil(60 - (now - window[0])))
            window.append(now)
        self.tokens -= 1
        return None
