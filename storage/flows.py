"""Where each person is in a multi-step chat flow, kept in storage so a restart loses nothing.

Each write names the update that caused it (`by`), in the same statement or transaction as
the state itself: after a crash Telegram delivers that update again, and the flow layer
recognises it (`advanced_by`, `ended_by`) instead of applying it to the next step.
"""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database
from storage.models import FlowState


class FlowRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> FlowState | None:
        row = await self.db.lookup("SELECT * FROM flow_state WHERE telegram_id = ?", (telegram_id,))
        if row is None:
            return None
        return FlowState(
            row["telegram_id"],
            row["flow"],
            row["step"],
            json.loads(row["data"]),
            row["advanced_by"],
        )

    async def set(
        self,
        telegram_id: int,
        flow: str,
        step: str,
        data: dict[str, Any],
        *,
        now: float,
        by: int | None = None,
    ) -> None:
        await self.db.execute(
            "INSERT INTO flow_state(telegram_id, flow, step, data, updated_at, advanced_by)"
            " VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
            " data = excluded.data, updated_at = excluded.updated_at,"
            " advanced_by = excluded.advanced_by",
            (telegram_id, flow, step, json.dumps(data, ensure_ascii=False), now, by),
        )

    async def clear(self, telegram_id: int, *, by: int | None = None, now: float = 0.0) -> None:
        """End the person's flow; `by` is the update that ended it, remembered until the
        next flow ends so that its repeat is recognised."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM flow_state WHERE telegram_id = ?", (telegram_id,))
            if by is not None:
                await conn.execute(
                    "INSERT INTO flow_endings(telegram_id, update_id, ended_at) VALUES (?,?,?)"
                    " ON CONFLICT(telegram_id) DO UPDATE SET update_id = excluded.update_id,"
                    " ended_at = excluded.ended_at",
                    (telegram_id, by, now),
                )

    async def ended_by(self, telegram_id: int) -> int | None:
        """The update that ended the person's last flow, if one was recorded."""
        row = await self.db.lookup(
            "SELECT update_id FROM flow_endings WHERE telegram_id = ?", (telegram_id,)
        )
        return None if row is None else int(row["update_id"])
