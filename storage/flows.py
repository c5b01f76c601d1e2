"""Where each person is in a multi-step chat flow, kept in storage so a restart loses nothing."""

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
        return FlowState(row["telegram_id"], row["flow"], row["step"], json.loads(row["data"]))

    async def set(
        self, telegram_id: int, flow: str, step: str, data: dict[str, Any], *, now: float
    ) -> None:
        await self.db.execute(
            "INSERT INTO flow_state(telegram_id, flow, step, data, updated_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
            " data = excluded.data, updated_at = excluded.updated_at",
            (telegram_id, flow, step, json.dumps(data, ensure_ascii=False), now),
        )

    async def clear(self, telegram_id: int) -> None:
        await self.db.execute("DELETE FROM flow_state WHERE telegram_id = ?", (telegram_id,))
