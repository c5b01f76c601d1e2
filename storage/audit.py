"""The audit trail: who did what, when, with the state before and after."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Conn, Database


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


async def write_audit(
    conn: Conn,
    *,
    at: float,
    actor_id: int | None,
    action: str,
    team_id: int | None = None,
    subject: str | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Inside a caller's transaction, so an action and its audit row commit together."""
    await conn.execute(
        "INSERT INTO audit(at, actor_id, action, team_id, subject, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, actor_id, action, team_id, subject, _dump(before), _dump(after)),
    )


async def write_audit_many(conn: Conn, rows: list[dict[str, Any]]) -> None:
    """Many audit rows inside a caller's transaction (a bulk import: one row per team)."""
    await conn.executemany(
        "INSERT INTO audit(at, actor_id, action, team_id, subject, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r["at"],
                r.get("actor_id"),
                r["action"],
                r.get("team_id"),
                r.get("subject"),
                _dump(r.get("before")),
                _dump(r.get("after")),
            )
            for r in rows
        ],
    )


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, **fields: Any) -> None:
        async with self.db.transaction() as conn:
            await write_audit(conn, **fields)

    async def recent(self, limit: int = 50, action: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM audit"
        params: list[Any] = []
        if action:
            sql += " WHERE action = ?"
            params.append(action)
        rows = await self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])
        return [dict(r) for r in rows]
