"""The emulator's memory: the update queue, files and small records."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

# Telegram leaves these out unless a bot asks for them by name.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class Recorded:
    """One HTTP call the bot made: decoded params and the JSON answer it got."""

    method: str
    params: dict[str, Any]
    response: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Upload:
    """A file the bot uploaded (multipart)."""

    field: str
    filename: str
    mime_type: str
    data: bytes
    method: str = ""
    chat_id: int | str | None = None
    file_id: str | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str | None = None
    file_name: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # the Document/PhotoSize/... object

    @property
    def file_size(self) -> int:
        return len(self.data)


class Files:
    """Files known to the emulator, by file_id and by download path."""

    def __init__(self) -> None:
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._seq = itertools.count(1)

    def add(
        self, data: bytes, folder: str, ext: str, mime_type: str | None, file_name: str | None
    ) -> StoredFile:
        n = next(self._seq)
        # Real file_ids are long opaque strings; a prefix per folder keeps ours readable.
        f = StoredFile(
            file_id=f"EMU{folder[:3].upper()}{n:06d}AAQ",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"{folder}/file_{n}.{ext}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.by_id[f.file_id] = f
        self.by_path[f.file_path] = f
        return f


class UpdateQueue:
    """Telegram's per-bot update queue, with getUpdates' confirmation rules.

    Updates are kept in id order in a deque, so confirming is a pop from the left and a read
    touches only what it returns: no scans of history, whatever its size.
    """

    def __init__(self, first_id: int = 1) -> None:
        self._q: deque[dict[str, Any]] = deque()
        self.next_id = first_id
        self.confirmed_update_id = 0
        self.delivered: list[dict[str, Any]] = []
        self._max_delivered = 0
        self.allowed: frozenset[str] | None = None  # None: Telegram's default set
        self._wakeup = asyncio.Event()

    def __len__(self) -> int:
        return len(self._q)

    def wanted(self, kind: str) -> bool:
        if self.allowed is None:
            return kind not in OPT_IN_UPDATES
        return kind in self.allowed

    def set_allowed(self, kinds: list[str] | None) -> None:
        if kinds is None:
            return  # Telegram keeps the previous setting when the parameter is absent
        self.allowed = frozenset(kinds) if kinds else None

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        if "update_id" not in update:
            update = {"update_id": self.next_id, **update}
        self.next_id = max(self.next_id, int(update["update_id"]) + 1)
        self._q.append(update)
        # Swap in a fresh event before setting the old one, so waiters wake exactly once.
        ev, self._wakeup = self._wakeup, asyncio.Event()
        ev.set()
        return update

    def confirm(self, offset: int) -> None:
        if offset < 0:
            # "-N": keep only the last N updates, forget everything before them.
            keep = -offset
            while len(self._q) > keep:
                self.confirmed_update_id = max(
                    self.confirmed_update_id, self._q.popleft()["update_id"]
                )
            return
        while self._q and self._q[0]["update_id"] < offset:
            self.confirmed_update_id = max(self.confirmed_update_id, self._q.popleft()["update_id"])
        self.confirmed_update_id = max(self.confirmed_update_id, min(offset, self.next_id) - 1)

    def take(self, offset: int, limit: int) -> list[dict[str, Any]]:
        floor = offset if offset > 0 else 0
        out = [u for u in itertools.islice(self._q, limit) if u["update_id"] >= floor]
        for u in out:
            if u["update_id"] > self._max_delivered:
                self._max_delivered = u["update_id"]
                self.delivered.append(u)
        return out

    def clear(self) -> None:
        while self._q:
            self.confirmed_update_id = max(self.confirmed_update_id, self._q.popleft()["update_id"])

    async def wait(self, within: float) -> None:
        ev = self._wakeup
        try:
            await asyncio.wait_for(ev.wait(), within)
        except TimeoutError:
            pass

    def wake(self) -> None:
        ev, self._wakeup = self._wakeup, asyncio.Event()
        ev.set()
