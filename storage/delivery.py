"""What the bot has already done for Telegram: updates handled, confirmations sent.

Telegram delivers updates at least once (our poller confirms only after handling), so every
effect must be safe to repeat. These two records make it so: an update id seen here is not
handled again, and a confirmation recorded here is not sent again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable

from storage.db import Database


class DeliveryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Held from the moment a confirmation is sent until it is recorded: a crash can then
        # fall inside that window for at most one confirmation, so a kill repeats at most one.
        self.confirm_lock = asyncio.Lock()

    async def is_processed(self, update_id: int) -> bool:
        # Asked of every update: the inline by-key read, not a trip to the reader thread.
        row = await self.db.lookup(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return row is not None

    async def mark_processed(self, update_ids: Iterable[int], *, now: float) -> None:
        # Every update ends here, so in a burst this is the busiest write there is: it joins
        # the group commit (one transaction for all that are waiting), committed on return.
        rows = [(uid, now) for uid in update_ids]

        def unit(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO processed_updates(update_id, handled_at) VALUES (?, ?)"
                " ON CONFLICT(update_id) DO NOTHING",
                rows,
            )

        await self.db.write_grouped(unit)

    async def prune_processed(self, *, before: float) -> int:
        """Forget handled update ids older than `before`: Telegram keeps an unconfirmed update
        for 24 hours at most, so older ids can never come back."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM processed_updates WHERE handled_at < ?", (before,)
            )
            return cur.rowcount

    async def was_sent(self, kind: str, telegram_id: int, ref: str) -> bool:
        row = await self.db.lookup(
            "SELECT 1 FROM notifications WHERE kind = ? AND telegram_id = ? AND ref = ?",
            (kind, telegram_id, ref),
        )
        return row is not None

    async def record_sent(self, kind: str, telegram_id: int, ref: str, *, now: float) -> None:
        # Held inside the confirmation lock (bot/delivery.py): every trip here is a trip
        # every other confirmation waits for.
        await self.db.execute_alone(
            "INSERT INTO notifications(kind, telegram_id, ref, sent_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (kind, telegram_id, ref, now),
        )

    async def processed_count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM processed_updates")
        return int(row[0]) if row else 0
