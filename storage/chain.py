"""The chains' heads and anchors.

Hashing is storage/chain_hash.py; checking, storage/chain_verify.py.
"""

from __future__ import annotations

import json
import time

from storage.db import Database


class ChainRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def heads(self) -> dict[str, tuple[int, str]]:
        rows = await self.db.fetchall("SELECT chain, seq, hash FROM chain_heads ORDER BY chain")
        return {r["chain"]: (r["seq"], r["hash"]) for r in rows}

    async def anchor(self, at: float | None = None) -> str:
        """Seals every chain's head into one checkpoint on the system chain and returns the
        system head after it: one hash that, kept outside the system, pins all history."""
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT chain, seq, hash FROM chain_heads WHERE chain != 'system' ORDER BY chain"
            )
            heads = {r["chain"]: [r["seq"], r["hash"]] for r in rows}
            await conn.execute(
                "INSERT INTO chain_checkpoints(at, heads) VALUES (?, ?)",
                (time.time() if at is None else at, json.dumps(heads, sort_keys=True)),
            )
            head = await conn.execute_fetchall(
                "SELECT hash FROM chain_heads WHERE chain = 'system'"
            )
        return str(next(iter(head))["hash"])

    async def row_hashes(self, source: str, row_ids: list[int]) -> dict[int, str]:
        """The latest link hash of each row, for exports that carry it."""
        if not row_ids:
            return {}
        marks = ",".join("?" * len(row_ids))
        rows = await self.db.fetchall(
            f"SELECT row_id, hash FROM chain_links WHERE source = ? AND row_id IN ({marks})"
            " ORDER BY row_id, chain, seq",
            (source, *row_ids),
        )
        return {r["row_id"]: r["hash"] for r in rows}
