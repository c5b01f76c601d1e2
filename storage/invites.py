"""Invite codes: random, expiring, revocable, naming a team and a role."""

from __future__ import annotations

import secrets
import sqlite3

from storage.audit import write_audit
from storage.db import Database
from storage.models import Invite, RoleChange

# 16 url-safe characters (96 bits): unguessable, and short enough for a /start payload
# (Telegram allows 64 characters of [A-Za-z0-9_-]).
CODE_BYTES = 12


def new_code() -> str:
    """A fresh invite code. Never one that starts with "-": typed after an option
    (`outpost invite --revoke CODE`) it would be read as another option."""
    while (code := secrets.token_urlsafe(CODE_BYTES)).startswith("-"):
        pass
    return code


def _invite(row: sqlite3.Row) -> Invite:
    return Invite(
        code=row["code"],
        team_id=row["team_id"],
        role=row["role"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        uses=row["uses"],
        max_uses=row["max_uses"],
    )


def _role_change(row: sqlite3.Row) -> RoleChange:
    approved = row["approved"]
    return RoleChange(
        id=row["id"],
        telegram_id=row["telegram_id"],
        team_id=row["team_id"],
        from_role=row["from_role"],
        to_role=row["to_role"],
        invite_code=row["invite_code"],
        asked_at=row["asked_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        approved=None if approved is None else bool(approved),
    )


# Counts one use of a code, only while it has uses left: the single place a use is taken.
TAKE_USE_SQL = (
    "UPDATE invites SET uses = uses + 1 WHERE code = ? AND (max_uses IS NULL OR uses < max_uses)"
)


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        team_id: int,
        role: str,
        *,
        now: float,
        days: int,
        created_by: int | None,
        max_uses: int | None = None,
    ) -> Invite:
        code = new_code()
        await self.db.execute(
            "INSERT INTO invites(code, team_id, role, created_by, created_at, expires_at,"
            " max_uses) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code, team_id, role, created_by, now, now + days * 86400, max_uses),
        )
        return Invite(code, team_id, role, now, now + days * 86400, None, 0, max_uses)

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
        """The newest usable invite of each team and role (not revoked, expired or used up)."""
        rows = await self.db.fetchall(
            "SELECT * FROM invites WHERE revoked_at IS NULL AND expires_at > ?"
            " AND (max_uses IS NULL OR uses < max_uses) ORDER BY created_at",
            (now,),
        )
        return {(r["team_id"], r["role"]): _invite(r) for r in rows}

    async def create_many(
        self, wanted: list[tuple[int, str]], *, now: float, days: int
    ) -> list[Invite]:
        # As with one link: a supervisor link serves one person.
        invites = [
            Invite(
                new_code(),
                team_id,
                role,
                now,
                now + days * 86400,
                None,
                0,
                1 if role == "supervisor" else None,
            )
            for team_id, role in wanted
        ]
        await self.db.executemany(
            "INSERT INTO invites(code, team_id, role, created_by, created_at, expires_at,"
            " max_uses) VALUES (?, ?, ?, NULL, ?, ?, ?)",
            [(i.code, i.team_id, i.role, i.created_at, i.expires_at, i.max_uses) for i in invites],
        )
        return invites

    async def ask_role_change(
        self, telegram_id: int, team_id: int, from_role: str, to_role: str, *, code: str, now: float
    ) -> tuple[RoleChange, bool] | None:
        """Records the request and takes one use of the code, together; None when the code
        has no use left. A request already waiting for the same change is returned as is
        (False: not new)."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT * FROM role_changes WHERE telegram_id = ? AND team_id = ?"
                " AND to_role = ? AND decided_at IS NULL",
                (telegram_id, team_id, to_role),
            ) as cur:
                waiting = await cur.fetchone()
            if waiting is not None:
                return _role_change(waiting), False
            took = await conn.execute(TAKE_USE_SQL, (code,))
            if took.rowcount != 1:
                return None
            cur = await conn.execute(
                "INSERT INTO role_changes(telegram_id, team_id, from_role, to_role, invite_code,"
                " asked_at) VALUES (?, ?, ?, ?, ?, ?)",
                (telegram_id, team_id, from_role, to_role, code, now),
            )
            change_id = cur.lastrowid
            await write_audit(
                conn,
                at=now,
                actor_id=telegram_id,
                action="role_change.ask",
                team_id=team_id,
                subject=code,
                before={"role": from_role},
                after={"role": to_role},
            )
        change = await self.role_change(int(change_id or 0))
        assert change is not None
        return change, True

    async def role_change(self, change_id: int) -> RoleChange | None:
        row = await self.db.fetchone("SELECT * FROM role_changes WHERE id = ?", (change_id,))
        return _role_change(row) if row else None

    async def decide_role_change(
        self, change_id: int, *, approved: bool, by: int, now: float
    ) -> bool:
        """The first decision wins; an approval changes the role only if the membership is
        still active with the role it had when asked. False when nothing was decided."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT * FROM role_changes WHERE id = ? AND decided_at IS NULL", (change_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            change = _role_change(row)
            applied = False
            if approved:
                cur = await conn.execute(
                    "UPDATE memberships SET role = ? WHERE telegram_id = ? AND team_id = ?"
                    " AND role = ? AND state = 'active'",
                    (change.to_role, change.telegram_id, change.team_id, change.from_role),
                )
                applied = cur.rowcount == 1
            await conn.execute(
                "UPDATE role_changes SET decided_by = ?, decided_at = ?, approved = ? WHERE id = ?",
                (by, now, int(applied), change_id),
            )
            await write_audit(
                conn,
                at=now,
                actor_id=by,
                action="role_change.approve" if applied else "role_change.reject",
                team_id=change.team_id,
                subject=str(change.telegram_id),
                before={"role": change.from_role},
                after={"role": change.to_role if applied else change.from_role},
            )
        return True
