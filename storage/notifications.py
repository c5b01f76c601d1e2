"""The log of notifications sent: the (kind, person, ref) key makes "send once" atomic."""

from __future__ import annotations

from collections.abc import Sequence

from storage.db import Database

Key = tuple[str, int, str]
# Rows per INSERT: 4 parameters each stays far below SQLite's limit of variables.
_CHUNK = 200


class NotificationRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_many(self, keys: Sequence[Key], *, now: float) -> set[Key]:
        """Records every key not yet recorded, in one transaction; returns those it recorded.

        The primary key decides: ON CONFLICT DO NOTHING … RETURNING hands back only the rows
        this call inserted, so two claimers (coroutines, or processes on one PostgreSQL)
        never both win the same key, and no lock is needed to read-then-insert."""
        fresh = list(dict.fromkeys(keys))
        if not fresh:
            return set()
        won: set[Key] = set()
        async with self.db.transaction() as conn:
            for i in range(0, len(fresh), _CHUNK):
                chunk = fresh[i : i + _CHUNK]
                rows = await conn.execute_fetchall(
                    "INSERT INTO notifications(kind, telegram_id, ref, sent_at) VALUES "
                    + ",".join(["(?, ?, ?, ?)"] * len(chunk))
                    + " ON CONFLICT DO NOTHING RETURNING kind, telegram_id, ref",
                    [v for k in chunk for v in (*k, now)],
                )
                won.update((r[0], r[1], r[2]) for r in rows)
        return won

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
