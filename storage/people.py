"""People, their roles in teams, and administrators."""

from __future__ import annotations

import sqlite3

from storage.db import Database
from storage.invites import TAKE_USE_SQL
from storage.models import Membership, Person

_MEMBERSHIP_SQL = """
SELECT m.id, m.team_id, t.name AS team_name, m.telegram_id, m.role, m.state, m.unit,
       m.joined_at
FROM memberships m JOIN teams t ON t.id = m.team_id
"""


def _person(row: sqlite3.Row) -> Person:
    return Person(
        telegram_id=row["telegram_id"],
        name=row["name"],
        unit=row["unit"],
        username=row["username"],
        language=row["language"],
        is_admin=bool(row["is_admin"]),
        unreachable=bool(row["unreachable"]),
    )


def _membership(row: sqlite3.Row) -> Membership:
    return Membership(
        id=row["id"],
        team_id=row["team_id"],
        team_name=row["team_name"],
        telegram_id=row["telegram_id"],
        role=row["role"],
        state=row["state"],
        unit=row["unit"],
        joined_at=row["joined_at"],
    )


SET_PROFILE_SQL = "UPDATE people SET name = ?, unit = ? WHERE telegram_id = ?"
LEAVE_OTHER_TEAMS_SQL = (
    "UPDATE memberships SET state = 'left' WHERE telegram_id = ? AND role = 'member'"
    " AND team_id != ? AND state = 'active'"
)


class _NotJoined(Exception):
    """Aborts a join's transaction: the code had no use left, or the person is already in."""


class PeopleRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> Person | None:
        row = await self.db.lookup("SELECT * FROM people WHERE telegram_id = ?", (telegram_id,))
        return _person(row) if row else None

    async def ensure(self, telegram_id: int, *, now: float, username: str | None = None) -> None:
        await self.db.execute(
            "INSERT INTO people(telegram_id, username, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET username = coalesce(excluded.username,"
            " people.username)",
            (telegram_id, username, now),
        )

    async def name_if_unnamed(self, telegram_id: int, name: str, *, now: float) -> None:
        """Gives someone who never told us a name (an admin listed in OUTPOST_ADMINS) the
        name Telegram shows for them; a name given in a join conversation is kept."""
        await self.db.execute(
            "INSERT INTO people(telegram_id, name, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET name = coalesce(people.name, excluded.name)",
            (telegram_id, name, now),
        )

    async def set_profile(self, telegram_id: int, *, name: str, unit: str) -> None:
        await self.db.execute(SET_PROFILE_SQL, (name, unit, telegram_id))

    async def set_language(self, telegram_id: int, language: str, *, now: float) -> None:
        await self.db.execute(
            "INSERT INTO people(telegram_id, language, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET language = excluded.language",
            (telegram_id, language, now),
        )

    async def set_admin(self, telegram_id: int, is_admin: bool, *, now: float) -> None:
        await self.db.execute(
            "INSERT INTO people(telegram_id, is_admin, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET is_admin = excluded.is_admin",
            (telegram_id, int(is_admin), now),
        )

    async def admin_ids(self) -> set[int]:
        rows = await self.db.fetchall("SELECT telegram_id FROM people WHERE is_admin = 1")
        return {r["telegram_id"] for r in rows}

    async def set_unreachable(self, telegram_id: int, unreachable: bool) -> None:
        await self.db.execute(
            "UPDATE people SET unreachable = ? WHERE telegram_id = ?",
            (int(unreachable), telegram_id),
        )

    async def memberships(self, telegram_id: int) -> list[Membership]:
        rows = await self.db.lookup_all(
            _MEMBERSHIP_SQL + " WHERE m.telegram_id = ? AND t.archived = 0 ORDER BY m.id",
            (telegram_id,),
        )
        return [_membership(r) for r in rows]

    async def membership(self, telegram_id: int, team_id: int) -> Membership | None:
        row = await self.db.fetchone(
            _MEMBERSHIP_SQL + " WHERE m.telegram_id = ? AND m.team_id = ?", (telegram_id, team_id)
        )
        return _membership(row) if row else None

    async def team_members(
        self, team_id: int, *, role: str | None = None, state: str | None = "active"
    ) -> list[tuple[Membership, Person]]:
        sql = (
            "SELECT m.id, m.team_id, t.name AS team_name, m.telegram_id, m.role, m.state,"
            " m.unit AS m_unit, m.joined_at, p.* FROM memberships m"
            " JOIN teams t ON t.id = m.team_id"
            " JOIN people p ON p.telegram_id = m.telegram_id WHERE m.team_id = ?"
        )
        params: list[object] = [team_id]
        if role:
            sql += " AND m.role = ?"
            params.append(role)
        if state:
            sql += " AND m.state = ?"
            params.append(state)
        rows = await self.db.fetchall(sql + " ORDER BY p.name, m.telegram_id", params)
        out = []
        for r in rows:
            m = Membership(
                id=r["id"],
                team_id=r["team_id"],
                team_name=r["team_name"],
                telegram_id=r["telegram_id"],
                role=r["role"],
                state=r["state"],
                unit=r["m_unit"],
                joined_at=r["joined_at"],
            )
            out.append((m, _person(r)))
        return out

    async def join(
        self, telegram_id: int, team_id: int, role: str, *, unit: str, code: str, now: float
    ) -> None:
        """Writes a membership as given, active (enrolment by the operator, seeding). Links
        never come here: they go through `accept_invite`."""
        await self.db.execute(
            "INSERT INTO memberships(team_id, telegram_id, role, unit, invite_code, joined_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(team_id, telegram_id) DO UPDATE SET"
            " role = excluded.role, state = 'active', unit = excluded.unit,"
            " invite_code = excluded.invite_code, joined_at = excluded.joined_at",
            (team_id, telegram_id, role, unit, code, now),
        )

    async def accept_invite(
        self,
        telegram_id: int,
        team_id: int,
        role: str,
        *,
        unit: str,
        code: str,
        now: float,
        name: str | None = None,
        leave_other_member_teams: bool = False,
    ) -> bool:
        """Adds a membership (or brings back one that was left) and counts the invite's use,
        atomically. An active or recalled membership is never rewritten by a link, and a
        code with no use left joins nobody: False then, and nothing changed.

        With `name`, the person's name and unit are written in the same transaction, and with
        `leave_other_member_teams` their other member teams are left in it too: a crash can
        not leave someone joined without a name, or stationed at two sites."""
        try:
            async with self.db.transaction() as conn:
                took = await conn.execute(TAKE_USE_SQL, (code,))
                if took.rowcount != 1:
                    raise _NotJoined
                cur = await conn.execute(
                    "INSERT INTO memberships(team_id, telegram_id, role, unit, invite_code,"
                    " joined_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(team_id, telegram_id)"
                    " DO UPDATE SET role = excluded.role, state = 'active', unit = excluded.unit,"
                    " invite_code = excluded.invite_code, joined_at = excluded.joined_at"
                    " WHERE memberships.state = 'left'",
                    (team_id, telegram_id, role, unit, code, now),
                )
                if cur.rowcount != 1:
                    raise _NotJoined  # rolls the use back too
                if leave_other_member_teams:
                    await conn.execute(LEAVE_OTHER_TEAMS_SQL, (telegram_id, team_id))
                if name is not None:
                    await conn.execute(SET_PROFILE_SQL, (name, unit, telegram_id))
        except _NotJoined:
            return False
        return True
