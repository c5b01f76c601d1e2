"""Leave and make-up requests, the approval prompts sent for them, and their decisions.

Every state change is one transaction with its audit row; a decision is an UPDATE guarded by
the state it expects, so of two supervisors pressing at once exactly one changes anything.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from storage.audit import write_audit
from storage.db import Database
from storage.dialects import Dialect

ACTIVE_STATES = ("pending", "awaiting_admin", "approved")
UNDECIDED_STATES = ("pending", "awaiting_admin")


@dataclass(frozen=True)
class Request:
    id: int
    kind: str
    telegram_id: int
    team_id: int
    leave_type: str | None
    first_day: date
    last_day: date
    days: int
    reason: str
    retroactive: bool
    state: str
    created_at: float
    decided_by: int | None
    decided_at: float | None
    decision_reason: str | None
    admin_decided_by: int | None
    admin_decided_at: float | None
    ended_early_on: date | None
    reminded_at: float | None
    escalated_at: float | None

    def audit_view(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
            "decided_by": self.decided_by,
            "admin_decided_by": self.admin_decided_by,
            "decision_reason": self.decision_reason,
            "ended_early_on": self.ended_early_on.isoformat() if self.ended_early_on else None,
        }


@dataclass(frozen=True)
class NewRequest:
    kind: str
    telegram_id: int
    team_id: int
    leave_type: str | None
    first_day: date
    last_day: date
    days: int
    reason: str
    retroactive: bool


@dataclass(frozen=True)
class PromptMessage:
    request_id: int
    chat_id: int
    message_id: int
    audience: str


@dataclass(frozen=True)
class Decision:
    """The outcome of trying to decide: `request` is the state after (or as found)."""

    won: bool
    request: Request | None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _request(row: sqlite3.Row) -> Request:
    first = _day(row["first_day"])
    last = _day(row["last_day"])
    assert first is not None and last is not None
    return Request(
        id=row["id"],
        kind=row["kind"],
        telegram_id=row["telegram_id"],
        team_id=row["team_id"],
        leave_type=row["leave_type"],
        first_day=first,
        last_day=last,
        days=row["days"],
        reason=row["reason"],
        retroactive=bool(row["retroactive"]),
        state=row["state"],
        created_at=row["created_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_reason=row["decision_reason"],
        admin_decided_by=row["admin_decided_by"],
        admin_decided_at=row["admin_decided_at"],
        ended_early_on=_day(row["ended_early_on"]),
        reminded_at=row["reminded_at"],
        escalated_at=row["escalated_at"],
    )


# The last day a request still holds: an ended-early leave releases its return day onwards.
def _held_last_day(dialect: Dialect) -> str:
    return (
        "CASE WHEN ended_early_on IS NOT NULL AND ended_early_on <= last_day"
        f" THEN {dialect.day_before('ended_early_on')} ELSE last_day END"
    )


class RequestRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, request_id: int) -> Request | None:
        row = await self.db.fetchone("SELECT * FROM requests WHERE id = ?", (request_id,))
        return _request(row) if row else None

    async def clashes(self, telegram_id: int, first: date, last: date) -> list[Request]:
        rows = await self.db.fetchall(
            _clash_sql(self.db.dialect),
            (telegram_id, *ACTIVE_STATES, last.isoformat(), first.isoformat()),
        )
        return [_request(r) for r in rows]

    async def create(self, new: NewRequest, *, now: float) -> tuple[Request | None, list[Request]]:
        """Inserts a request unless it overlaps an active one of the same person (checked in
        the same transaction, so two quick submissions cannot both pass). Returns the new
        request, or None and the clashing requests."""
        async with self.db.transaction() as conn:
            params = (
                new.telegram_id,
                *ACTIVE_STATES,
                new.last_day.isoformat(),
                new.first_day.isoformat(),
            )
            async with conn.execute(_clash_sql(self.db.dialect), params) as cur:
                clashes = [_request(r) for r in await cur.fetchall()]
            if clashes:
                return None, clashes
            async with conn.execute(
                "INSERT INTO requests(kind, telegram_id, team_id, leave_type, first_day,"
                " last_day, days, reason, retroactive, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING *",
                (
                    new.kind,
                    new.telegram_id,
                    new.team_id,
                    new.leave_type,
                    new.first_day.isoformat(),
                    new.last_day.isoformat(),
                    new.days,
                    new.reason,
                    int(new.retroactive),
                    now,
                ),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            created = _request(row)
            await write_audit(
                conn,
                at=now,
                actor_id=new.telegram_id,
                action=f"{new.kind}.requested",
                team_id=new.team_id,
                subject=f"request:{created.id}",
                after=created.audit_view(),
            )
            return created, []

    async def decide(
        self,
        request_id: int,
        *,
        expect_state: str,
        new_state: str,
        actor_id: int,
        admin_stage: bool,
        reason: str | None,
        now: float,
        makeup_place: str | None = None,
        also_admin: bool = False,
    ) -> Decision:
        """The first decision wins: the UPDATE only matches while the request is still in
        `expect_state`. An approved make-up marks its day in the same transaction.
        `also_admin`: an admin deciding at the supervisor stage gives both approvals."""
        columns = (
            ["admin_decided_by", "admin_decided_at"]
            if admin_stage
            else ["decided_by", "decided_at"]
        )
        if also_admin and not admin_stage:
            columns += ["admin_decided_by", "admin_decided_at"]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        values = [actor_id if c.endswith("_by") else now for c in columns]
        async with self.db.transaction() as conn:
            before = await _fetch(conn, request_id)
            if before is None:
                return Decision(False, None)
            cur = await conn.execute(
                f"UPDATE requests SET state = ?, {assignments},"
                " decision_reason = coalesce(?, decision_reason) WHERE id = ? AND state = ?",
                (new_state, *values, reason, request_id, expect_state),
            )
            if cur.rowcount != 1:
                return Decision(False, before)
            after = await _fetch(conn, request_id)
            assert after is not None
            if after.kind == "makeup" and new_state == "approved":
                await _mark_made_up(conn, after, now, makeup_place or "on_site")
            await _audit_change(
                conn,
                at=now,
                actor_id=actor_id,
                action=f"{after.kind}.{'admin_' if admin_stage else ''}{new_state}",
                before=before,
                after=after,
            )
            return Decision(True, after)

    async def cancel(
        self, request_id: int, telegram_id: int, *, today: date, now: float
    ) -> Decision:
        """The member withdraws a request: allowed while undecided or not yet started."""
        async with self.db.transaction() as conn:
            before = await _fetch(conn, request_id)
            if before is None or before.telegram_id != telegram_id:
                return Decision(False, before)
            cur = await conn.execute(
                "UPDATE requests SET state = 'cancelled' WHERE id = ? AND telegram_id = ?"
                " AND (state IN ('pending', 'awaiting_admin')"
                " OR (state = 'approved' AND first_day > ?))",
                (request_id, telegram_id, today.isoformat()),
            )
            if cur.rowcount != 1:
                return Decision(False, before)
            after = replace(before, state="cancelled")
            await _audit_change(
                conn,
                at=now,
                actor_id=telegram_id,
                action=f"{before.kind}.cancelled",
                before=before,
                after=after,
            )
            return Decision(True, after)

    async def end_early(
        self, request_id: int, telegram_id: int, *, back_on: date, days: int, now: float
    ) -> Decision:
        """An approved leave under way ends: `back_on` and the days after are released."""
        async with self.db.transaction() as conn:
            before = await _fetch(conn, request_id)
            if before is None or before.telegram_id != telegram_id:
                return Decision(False, before)
            cur = await conn.execute(
                "UPDATE requests SET ended_early_on = ?, days = ? WHERE id = ?"
                " AND telegram_id = ? AND kind = 'leave' AND state = 'approved'"
                " AND ended_early_on IS NULL AND first_day <= ? AND last_day >= ?",
                (
                    back_on.isoformat(),
                    days,
                    request_id,
                    telegram_id,
                    back_on.isoformat(),
                    back_on.isoformat(),
                ),
            )
            if cur.rowcount != 1:
                return Decision(False, before)
            after = replace(before, ended_early_on=back_on, days=days)
            await _audit_change(
                conn,
                at=now,
                actor_id=telegram_id,
                action="leave.ended_early",
                before=before,
                after=after,
            )
            return Decision(True, after)

    async def add_prompt(
        self, request_id: int, chat_id: int, message_id: int, audience: str
    ) -> None:
        await self.db.execute(
            "INSERT INTO request_messages(request_id, chat_id, message_id, audience)"
            " VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
            (request_id, chat_id, message_id, audience),
        )

    async def prompts(self, request_id: int) -> list[PromptMessage]:
        rows = await self.db.fetchall(
            "SELECT * FROM request_messages WHERE request_id = ? ORDER BY chat_id, message_id",
            (request_id,),
        )
        return [
            PromptMessage(r["request_id"], r["chat_id"], r["message_id"], r["audience"])
            for r in rows
        ]

    async def of_person(self, telegram_id: int, *, from_day: date) -> list[Request]:
        """A person's live requests that still matter on or after `from_day`."""
        rows = await self.db.fetchall(
            f"SELECT * FROM requests WHERE telegram_id = ? AND state IN (?,?,?)"
            f" AND {_held_last_day(self.db.dialect)} >= ? ORDER BY first_day, id",
            (telegram_id, *ACTIVE_STATES, from_day.isoformat()),
        )
        return [_request(r) for r in rows]

    async def undecided(self, *, created_before: float) -> list[Request]:
        rows = await self.db.fetchall(
            "SELECT * FROM requests WHERE state = 'pending' AND created_at <= ?"
            " AND escalated_at IS NULL ORDER BY id",
            (created_before,),
        )
        return [_request(r) for r in rows]

    async def awaiting_admin(self, *, decided_before: float) -> list[Request]:
        """Requests a supervisor approved that still wait for an admin, not yet reminded."""
        rows = await self.db.fetchall(
            "SELECT * FROM requests WHERE state = 'awaiting_admin' AND decided_at <= ?"
            " AND admin_reminded_at IS NULL ORDER BY id",
            (decided_before,),
        )
        return [_request(r) for r in rows]

    async def claim_followup(self, request_id: int, column: str, *, now: float) -> bool:
        """Marks a reminder/escalation as done, once: True for the caller that should send."""
        states = {
            "reminded_at": "pending",
            "escalated_at": "pending",
            "admin_reminded_at": "awaiting_admin",
        }
        if column not in states:
            raise ValueError(column)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE requests SET {column} = ? WHERE id = ? AND {column} IS NULL AND state = ?",
                (now, request_id, states[column]),
            )
            if cur.rowcount == 1:
                await write_audit(
                    conn,
                    at=now,
                    actor_id=None,
                    action=f"request.{column.removesuffix('ed_at')}",
                    subject=f"request:{request_id}",
                )
            return cur.rowcount == 1

    async def count_by_state(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT state, count(*) AS n FROM requests GROUP BY state")
        return {r["state"]: r["n"] for r in rows}


def _clash_sql(dialect: Dialect) -> str:
    return (
        "SELECT * FROM requests WHERE telegram_id = ? AND state IN (?,?,?)"
        f" AND first_day <= ? AND {_held_last_day(dialect)} >= ? ORDER BY first_day"
    )


async def _fetch(conn: Any, request_id: int) -> Request | None:
    async with conn.execute("SELECT * FROM requests WHERE id = ?", (request_id,)) as cur:
        row = await cur.fetchone()
    return _request(row) if row else None


async def _mark_made_up(conn: Any, request: Request, now: float, place: str) -> None:
    """The day counts as attended, marked as made up. An existing row keeps its place (a
    make-up fixes the timing, never turns an out-of-area day into an on-site one); a day
    with no accepted check-in gets `place` (on site: the approval attests the presence)."""
    await conn.execute(
        "INSERT INTO attendance_days(telegram_id, team_id, local_day, place, timing,"
        " updated_at) VALUES (?,?,?,?, 'made_up', ?) ON CONFLICT(telegram_id, team_id,"
        " local_day) DO UPDATE SET timing = 'made_up', updated_at = excluded.updated_at",
        (request.telegram_id, request.team_id, request.first_day.isoformat(), place, now),
    )


async def _audit_change(
    conn: Any, *, at: float, actor_id: int, action: str, before: Request, after: Request
) -> None:
    """A request moved from `before` to `after`: both kept in the audit trail."""
    await write_audit(
        conn,
        at=at,
        actor_id=actor_id,
        action=action,
        team_id=after.team_id,
        subject=f"request:{after.id}",
        before=before.audit_view(),
        after=after.audit_view(),
    )
