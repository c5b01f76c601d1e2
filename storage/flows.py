"""Where each person is in a multi-step chat flow, kept in storage so a restart loses nothing.

Each write names the update that caused it (`by`), in the same transaction as the state
itself, and that transaction also records the update as handled (processed_updates,
unfinished: the step's replies are sent after the commit). So the step and "this update was
handled" cannot part: a repeat of the update is never taken for a later step's answer. What
the database cannot hold (a reply sent, work outside it) is why the update stays
"unfinished" until every handler is done: after a crash its repeat still reaches the flow,
which recognises it (`advanced_by`, `ended_by`) and asks the current question again.
"""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database
from storage.delivery import RECORD_STEP_UPDATE
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
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO flow_state(telegram_id, flow, step, data, updated_at, advanced_by)"
                " VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(telegram_id) DO UPDATE SET flow = excluded.flow,"
                " step = excluded.step, data = excluded.data, updated_at = excluded.updated_at,"
                " advanced_by = excluded.advanced_by",
                (telegram_id, flow, step, json.dumps(data, ensure_ascii=False), now, by),
            )
            if by is not None:
                await conn.execute(RECORD_STEP_UPDATE, (by, now))

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
                await conn.execute(RECORD_STEP_UPDATE, (by, now))

    async def moved_by(self, telegram_id: int, update_id: int) -> bool:
        """Whether `update_id` is what put the person where they are: it moved their current
        flow to its step, or ended their last flow and no flow began since."""
        state = await self.get(telegram_id)
        if state is not None:
            return state.advanced_by == update_id
        return await self.ended_by(telegram_id) == update_id

    async def ended_by(self, telegram_id: int) -> int | None:
        """The update that ended the person's last flow, if one was recorded."""
        row = await self.db.lookup(
            "SELECT update_id FROM flow_endings WHERE telegram_id = ?", (telegram_id,)
        )
        return None if row is None else int(row["update_id"])
