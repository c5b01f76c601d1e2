"""Recalls and the vacancies they open (SPEC §3.8), and the roster admins list.

A recall row is the vacancy: `vacancy_closed_at` NULL means the team still waits for someone.
Every change writes its audit row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.audit import write_audit
from storage.db import Database

VACANCY_REMINDER = "vacancy"


class NotRecallable(ValueError):
    """The person is not an active member of that team (never joined, left, or recalled)."""


@dataclass(frozen=True)
class Recall:
    id: int
    telegram_id: int
    team_id: int
    team_name: str
    member_name: str | None
    unit: str | None
    reason: str
    recalled_by: int | None
    recalled_at: float
    vacancy_closed_at: float | None
    refill_days: int


_RECALL_SQL = """
SELECT r.id, r.telegram_id, r.team_id, t.name AS team_name, p.name AS member_name, r.unit,
       r.reason, r.recalled_by, r.recalled_at, r.vacancy_closed_at,
       coalesce(po.refill_days, 7) AS refill_days
FROM recalls r JOIN teams t ON t.id = r.team_id
LEFT JOIN people p ON p.telegram_id = r.telegram_id
LEFT JOIN policies po ON po.team_id = r.team_id
"""


def _recall(row: Any) -> Recall:
    return Recall(**{k: row[k] for k in row.keys()})


class RecallRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recall(
        self, telegram_id: int, team_id: int, *, reason: str, by: int | None, now: float
    ) -> Recall:
        """Membership -> 'recalled', a recall row (the vacancy) with the dispatching unit,
        and the audit row: all or nothing."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT m.state, coalesce(m.unit, p.unit) AS unit FROM memberships m"
                " JOIN people p ON p.telegram_id = m.telegram_id"
                " WHERE m.telegram_id = ? AND m.team_id = ? AND m.role = 'member'",
                (telegram_id, team_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None or row["state"] != "active":
                raise NotRecallable(row["state"] if row else "not a member")
            await conn.execute(
                "UPDATE memberships SET state = 'recalled' WHERE telegram_id = ? AND team_id = ?",
                (telegram_id, team_id),
            )
            # Her unanswered roll calls end for her: a recalled member is neither present
            # nor absent in them.
            await conn.execute(
                "UPDATE rollcall_targets SET withdrawn_at = ? WHERE telegram_id = ?"
                " AND team_id = ? AND outcome IS NULL AND withdrawn_at IS NULL AND rollcall_id IN"
                " (SELECT id FROM rollcalls WHERE closed_at IS NULL)",
                (now, telegram_id, team_id),
            )
            cur = await conn.execute(
                "INSERT INTO recalls(telegram_id, team_id, unit, reason, recalled_by, recalled_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (telegram_id, team_id, row["unit"], reason, by, now),
            )
            recall_id = cur.lastrowid or 0
            await write_audit(
                conn,
                at=now,
                actor_id=by,
                action="member.recall",
                team_id=team_id,
                subject=str(telegram_id),
                before={"state": "active"},
                after={"state": "recalled", "reason": reason, "unit": row["unit"]},
            )
        recall = await self.get(recall_id)
        assert recall is not None
        return recall

    async def reinstate(
        self, telegram_id: int, team_id: int, *, reason: str, by: int | None, now: float
    ) -> Recall:
        """Undoes a recall: membership 'recalled' -> 'active', the vacancy it opened closed
        (the person is back in their own seat), and the audit row: all or nothing. Raises
        NotRecallable when the person is not recalled from that team."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT m.state FROM memberships m WHERE m.telegram_id = ? AND m.team_id = ?",
                (telegram_id, team_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None or row["state"] != "recalled":
                raise NotRecallable(row["state"] if row else "not a member")
            async with conn.execute(
                "SELECT id FROM recalls WHERE telegram_id = ? AND team_id = ?"
                " ORDER BY recalled_at DESC, id DESC LIMIT 1",
                (telegram_id, team_id),
            ) as cur:
                last = await cur.fetchone()
            await conn.execute(
                "UPDATE memberships SET state = 'active' WHERE telegram_id = ? AND team_id = ?",
                (telegram_id, team_id),
            )
            await conn.execute(
                "UPDATE recalls SET vacancy_closed_at = ?, closed_by = ? WHERE telegram_id = ?"
                " AND team_id = ? AND vacancy_closed_at IS NULL",
                (now, telegram_id, telegram_id, team_id),
            )
            await write_audit(
                conn,
                at=now,
                actor_id=by,
                action="member.reinstate",
                team_id=team_id,
                subject=str(telegram_id),
                before={"state": "recalled"},
                after={"state": "active", "reason": reason},
            )
        recall = await self.get(int(last["id"])) if last else None
        assert recall is not None
        return recall

    async def get(self, recall_id: int) -> Recall | None:
        row = await self.db.fetchone(_RECALL_SQL + " WHERE r.id = ?", (recall_id,))
        return _recall(row) if row else None

    async def open_vacancies(self, team_id: int | None = None) -> list[Recall]:
        sql = _RECALL_SQL + " WHERE r.vacancy_closed_at IS NULL"
        params: list[Any] = []
        if team_id is not None:
            sql += " AND r.team_id = ?"
            params.append(team_id)
        rows = await self.db.fetchall(sql + " ORDER BY r.recalled_at, r.id", params)
        return [_recall(r) for r in rows]

    async def overdue_vacancies(self, now: float) -> list[Recall]:
        """Open vacancies older than their team's refill_days."""
        rows = await self.db.fetchall(
            _RECALL_SQL + " WHERE r.vacancy_closed_at IS NULL"
            " AND r.recalled_at + coalesce(po.refill_days, 7) * 86400 <= ?"
            " ORDER BY r.recalled_at, r.id",
            (now,),
        )
        return [_recall(r) for r in rows]

    async def close_oldest_vacancy(self, team_id: int, *, by: int, now: float) -> int | None:
        """A member joined `team_id`: its oldest open vacancy is filled. Returns its id."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id, telegram_id FROM recalls WHERE team_id = ?"
                " AND vacancy_closed_at IS NULL ORDER BY recalled_at, id LIMIT 1",
                (team_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            await conn.execute(
                "UPDATE recalls SET vacancy_closed_at = ?, closed_by = ? WHERE id = ?",
                (now, by, row["id"]),
            )
            await write_audit(
                conn,
                at=now,
                actor_id=by,
                action="vacancy.close",
                team_id=team_id,
                subject=str(row["id"]),
                before={"recalled": row["telegram_id"], "open": True},
                after={"filled_by": by, "open": False},
            )
            return int(row["id"])

    async def claim_reminder(self, telegram_id: int, ref: str, *, now: float) -> bool:
        """Insert-first "send once": True if this reminder was not sent before."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO notifications(kind, telegram_id, ref, sent_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (VACANCY_REMINDER, telegram_id, ref, now),
            )
            return cur.rowcount > 0

    async def release_reminder(self, telegram_id: int, ref: str) -> None:
        """The send failed: let the next run try again."""
        await self.db.execute(
            "DELETE FROM notifications WHERE kind = ? AND telegram_id = ? AND ref = ?",
            (VACANCY_REMINDER, telegram_id, ref),
        )

    async def untold(self) -> list[Recall]:
        """Recalls whose member has not been told yet, oldest first."""
        rows = await self.db.fetchall(
            _RECALL_SQL + " WHERE r.member_told_at IS NULL ORDER BY r.recalled_at"
        )
        return [_recall(r) for r in rows]

    async def mark_told(self, recall_id: int, *, now: float) -> bool:
        """True for the one caller that marks it: the notice goes out once."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE recalls SET member_told_at = ? WHERE id = ? AND member_told_at IS NULL",
                (now, recall_id),
            )
            return cur.rowcount == 1

    async def mark_reminded(self, recall_id: int, *, now: float) -> None:
        await self.db.execute(
            "UPDATE recalls SET last_reminded_at = ? WHERE id = ?", (now, recall_id)
        )

    async def roster(self, team_id: int | None = None) -> list[dict[str, Any]]:
        """Everyone with a membership (or admin rights): one row per person and team."""
        sql = (
            "SELECT p.telegram_id, p.name, p.language, p.is_admin, p.unreachable,"
            " m.role, m.state, coalesce(m.unit, p.unit) AS unit, t.id AS team_id,"
            " t.name AS team_name FROM people p"
            " LEFT JOIN memberships m ON m.telegram_id = p.telegram_id"
            " LEFT JOIN teams t ON t.id = m.team_id"
        )
        params: list[Any] = []
        if team_id is not None:
            sql += " WHERE m.team_id = ?"
            params.append(team_id)
        else:
            sql += " WHERE m.id IS NOT NULL OR p.is_admin = 1"
        sql += " ORDER BY t.name, m.role DESC, p.name, p.telegram_id"
        return [dict(r) for r in await self.db.fetchall(sql, params)]
