"""The log of notifications sent: the (kind, person, ref) key makes "send once" atomic."""

from __future__ import annotations

from collections.abc import Sequence

from storage.db import Database

Key = tuple[str, int, str]


class NotificationRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_many(self, keys: Sequence[Key], *, now: float) -> set[Key]:
        """Records every key not yet recorded, in one transaction; returns those it recorded.

        The writer lock (BEGIN IMMEDIATE) makes the read-then-insert atomic across
        coroutines and processes, so two claimers never both win the same key."""
        if not keys:
            return set()
        async with self.db.transaction() as conn:
            taken: set[Key] = set()
            for kind in {k[0] for k in keys}:
                refs = sorted({k[2] for k in keys if k[0] == kind})
                for i in range(0, len(refs), 500):
                    chunk = refs[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    async with conn.execute(
                        f"SELECT kind, telegram_id, ref FROM notifications"
                        f" WHERE kind = ? AND ref IN ({marks})",
                        (kind, *chunk),
                    ) as cur:
                        taken.update((r[0], r[1], r[2]) for r in await cur.fetchall())
            fresh = [k for k in dict.fromkeys(keys) if k not in taken]
            await conn.executemany(
                "INSERT INTO notifications(kind, telegram_id, ref, sent_at) VALUES (?, ?, ?, ?)",
                [(*k, now) for k in fresh],
            )
        return set(fresh)

    async def claim(self, kind: str, telegram_id: int, ref: str, *, now: float) -> bool:
        return bool(await self.claim_many([(kind, telegram_id, ref)], now=now))

    async def release_many(self, keys: Sequence[Key]) -> None:
        """Forgets keys whose message never went out, so that a retry sends them."""
        if keys:
            await self.db.executemany(
                "DELETE FROM notifications WHERE kind = ? AND telegram_id = ? AND ref = ?", keys
            )

    async def sent_refs(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (kind, ref) pairs that at least one recipient was sent: one query per kind."""
        found: set[tuple[str, str]] = set()
        for kind in {k for k, _ in keys}:
            refs = sorted({r for k, r in keys if k == kind})
            for i in range(0, len(refs), 500):
                chunk = refs[i : i + 500]
                rows = await self.db.fetchall(
                    f"SELECT DISTINCT ref FROM notifications WHERE kind = ?"
                    f" AND ref IN ({','.join('?' * len(chunk))})",
                    (kind, *chunk),
                )
                found.update((kind, r[0]) for r in rows)
        return found

    async def recipients(self, kind: str, ref: str) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT telegram_id FROM notifications WHERE kind = ? AND ref = ?", (kind, ref)
        )
        return {r[0] for r in rows}

    async def all_for(self, telegram_id: int) -> list[Key]:
        rows = await self.db.fetchall(
            "SELECT kind, telegram_id, ref FROM notifications WHERE telegram_id = ?"
            " ORDER BY sent_at, kind",
            (telegram_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]
