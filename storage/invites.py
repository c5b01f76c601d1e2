"""Invite codes: random, expiring, revocable, naming a team and a role."""

from __future__ import annotations

import secrets
import sqlite3

from storage.db import Database
from storage.models import Invite

# 16 url-safe characters (96 bits): unguessable, and short enough for a /start payload
# (Telegram allows 64 characters of [A-Za-z0-9_-]).
CODE_BYTES = 12


def _invite(row: sqlite3.Row) -> Invite:
    return Invite(
        code=row["code"],
        team_id=row["team_id"],
        role=row["role"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        uses=row["uses"],
    )


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, team_id: int, role: str, *, now: float, days: int, created_by: int | None
    ) -> Invite:
        code = secrets.token_urlsafe(CODE_BYTES)
        await self.db.execute(
            "INSERT INTO invites(code, team_id, role, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (code, team_id, role, created_by, now, now + days * 86400),
        )
        return Invite(code, team_id, role, now, now + days * 86400, None, 0)

    async def get(self, code: str) -> Invite | None:
        row = await self.db.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
        return _invite(row) if row else None

    async def revoke(self, code: str, *, now: float) -> bool:
        changed = await self.db.fetchone("SELECT 1 FROM invites WHERE code = ?", (code,))
        await self.db.execute(
            "UPDATE invites SET revoked_at = ? WHERE code = ? AND revoked_at IS NULL", (now, code)
        )
        return changed is not None

    async def for_team(self, team_id: int) -> list[Invite]:
        rows = await self.db.fetchall(
            "SELECT * FROM invites WHERE team_id = ? ORDER BY created_at", (team_id,)
        )
        return [_invite(r) for r in rows]

    async def usable(self, now: float) -> dict[tuple[int, str], Invite]:
        """The newest usable invite of each team and role."""
        rows = await self.db.fetchall(
            "SELECT * FROM invites WHERE revoked_at IS NULL AND expires_at > ? ORDER BY created_at",
            (now,),
        )
        return {(r["team_id"], r["role"]): _invite(r) for r in rows}

    async def create_many(
        self, wanted: list[tuple[int, str]], *, now: float, days: int
    ) -> list[Invite]:
        invites = [
            Invite(
                secrets.token_urlsafe(CODE_BYTES), team_id, role, now, now + days * 86400, None, 0
            )
            for team_id, role in wanted
        ]
        await self.db.executemany(
            "INSERT INTO invites(code, team_id, role, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, NULL, ?, ?)",
            [(i.code, i.team_id, i.role, i.created_at, i.expires_at) for i in invites],
        )
        return invites
