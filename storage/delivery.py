"""What the bot has already done for Telegram: updates handled, confirmations sent.

Telegram delivers updates at least once (our poller confirms only after handling), so every
effect must be safe to repeat. These two records make it so: an update id seen here is not
handled again, and a confirmation recorded here is not sent again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from storage.db import Database
from storage.dialects.prepared import hot

# Every update and every confirmation writes one of these: prepared on PostgreSQL.
# A step's transaction may have recorded the update unfinished (RECORD_STEP_UPDATE): finish it.
_MARK_PROCESSED = hot(
    "INSERT INTO processed_updates(update_id, handled_at, finished) VALUES (?, ?, 1)"
    " ON CONFLICT(update_id) DO UPDATE SET finished = 1"
)
_RECORD_SENT = hot(
    "INSERT INTO notifications(kind, telegram_id, ref, sent_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)

# A flow step's transaction records its update as handled but not finished (storage/flows.py):
# its replies go out after the commit. The poller's mark (`mark_processed`) finishes it.
RECORD_STEP_UPDATE = (
    "INSERT INTO processed_updates(update_id, handled_at, finished) VALUES (?, ?, 0)"
    " ON CONFLICT(update_id) DO NOTHING"
)


class DeliveryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_processed(self, update_id: int) -> bool:
        """Wholly handled: every handler of the update finished."""
        return await self.handled(update_id) is True

    async def handled(self, update_id: int) -> bool | None:
        """None: not handled. False: only a flow step of it was stored (its replies may not
        have gone out). True: wholly handled."""
        # Asked of every update: the inline by-key read, not a trip to the reader thread.
        row = await self.db.lookup(
            "SELECT finished FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return None if row is None else bool(row["finished"])

    async def mark_processed(self, update_ids: Iterable[int], *, now: float) -> None:
        # Every update ends here, so in a burst this is the busiest write there is: it joins
        # the group commit (one transaction for all that are waiting), committed on return.
        rows = [(uid, now) for uid in update_ids]

        def unit(conn: sqlite3.Connection) -> None:
            conn.executemany(_MARK_PROCESSED, rows)

        await self.db.write_bookkeeping(unit)

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
        # Each pending record holds a place in the confirmation window (bot/delivery.py):
        # in a burst they share one commit instead of queueing for the writer one by one.
        row = (kind, telegram_id, ref, now)

        def unit(conn: sqlite3.Connection) -> None:
            conn.execute(_RECORD_SENT, row)

        await self.db.write_bookkeeping(unit)

    async def processed_count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM processed_updates")
        return int(row[0]) if row else 0
