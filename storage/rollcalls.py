"""Roll calls (spot checks), their targets and outcomes, and the planned random draws."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from storage.audit import write_audit
from storage.db import Database
from storage.dialects.errors import INTEGRITY_ERRORS


@dataclass(frozen=True)
class OpenTarget:
    rollcall_id: int
    team_id: int
    deadline: float
    started_at: float


@dataclass(frozen=True)
class TargetResult:
    telegram_id: int
    name: str
    outcome: str
    distance_m: float | None


@dataclass(frozen=True)
class Plan:
    id: int
    team_id: int
    at: float


class RollcallRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def start(
        self,
        *,
        team_id: int,
        target_id: int | None,
        started_by: int | None,
        random_draw: bool,
        started_at: float,
        deadline: float,
        targets: Sequence[int],
        local_day: date,
        plan_id: int | None = None,
        shares: dict[int, int] | None = None,
    ) -> int | None:
        """Creates the roll call and its targets; a random draw is written to the audit
        here, when it fires, and its plan marked fired, all in one transaction.

        `shares` maps a target already asked by another open roll call to that roll call:
        her row here takes its answer instead of asking again (see `open_for`).

        None when the plan has fired already or is being fired right now by another
        process: the plan row is claimed first (FOR UPDATE SKIP LOCKED on PostgreSQL;
        SQLite's write lock already serialises), so a draw is asked once."""
        shares = shares or {}
        async with self.db.transaction() as conn:
            if plan_id is not None:
                claimed = await conn.execute_fetchall(
                    "SELECT id FROM rollcall_plans WHERE id = ? AND fired_at IS NULL"
                    + self.db.dialect.skip_locked,
                    (plan_id,),
                )
                if not claimed:
                    return None
            cur = await conn.execute(
                "INSERT INTO rollcalls(team_id, target_id, started_by, random_draw, started_at,"
                " deadline) VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, target_id, started_by, int(random_draw), started_at, deadline),
            )
            rollcall_id = cur.lastrowid or 0
            await conn.executemany(
                "INSERT INTO rollcall_targets(rollcall_id, telegram_id, team_id, local_day,"
                " shares_rollcall_id) VALUES (?, ?, ?, ?, ?)",
                [
                    (rollcall_id, tid, team_id, local_day.isoformat(), shares.get(tid))
                    for tid in targets
                ],
            )
            if plan_id is not None:
                await conn.execute(
                    "UPDATE rollcall_plans SET fired_at = ?, rollcall_id = ? WHERE id = ?",
                    (started_at, rollcall_id, plan_id),
                )
            await write_audit(
                conn,
                at=started_at,
                actor_id=started_by,
                action="rollcall.draw" if random_draw else "rollcall.start",
                team_id=team_id,
                subject=str(rollcall_id),
                after={"targets": len(targets), "member": target_id, "deadline": deadline},
            )
        return rollcall_id

    async def withdraw_targets(self, rollcall_id: int, telegram_ids: Sequence[int]) -> None:
        """Targets who were never asked (recalled or gone on leave before their call went
        out): not part of this roll call, so never counted as no answer."""
        if not telegram_ids:
            return
        async with self.db.transaction() as conn:
            await conn.executemany(
                "DELETE FROM rollcall_targets"
                " WHERE rollcall_id = ? AND telegram_id = ? AND outcome IS NULL",
                [(rollcall_id, tid) for tid in telegram_ids],
            )

    async def open_target(self, telegram_id: int, now: float) -> OpenTarget | None:
        # Asked of every location a member shares (is it a roll call's answer?): a read by key.
        row = await self.db.lookup(
            "SELECT r.id, r.team_id, r.deadline, r.started_at FROM rollcall_targets t"
            " JOIN rollcalls r ON r.id = t.rollcall_id WHERE t.telegram_id = ?"
            " AND t.outcome IS NULL AND t.shares_rollcall_id IS NULL AND t.withdrawn_at IS NULL"
            " AND r.closed_at IS NULL AND r.deadline >= ?"
            " ORDER BY r.started_at DESC LIMIT 1",
            (telegram_id, now),
        )
        return OpenTarget(row[0], row[1], row[2], row[3]) if row else None

    async def open_for(self, telegram_ids: Sequence[int], now: float) -> dict[int, int]:
        """The open roll call that already asked each of these people (answered or not): a
        person has at most one open roll call, which a later overlapping one shares."""
        if not telegram_ids:
            return {}
        marks = ",".join("?" * len(telegram_ids))
        rows = await self.db.fetchall(
            "SELECT t.telegram_id, min(r.id) FROM rollcall_targets t"
            " JOIN rollcalls r ON r.id = t.rollcall_id"
            f" WHERE t.telegram_id IN ({marks}) AND t.shares_rollcall_id IS NULL"
            " AND t.withdrawn_at IS NULL AND r.closed_at IS NULL AND r.deadline >= ?"
            " GROUP BY t.telegram_id",
            (*telegram_ids, now),
        )
        return {r[0]: r[1] for r in rows}

    async def answer(
        self,
        rollcall_id: int,
        telegram_id: int,
        *,
        outcome: str,
        at: float,
        chat_id: int,
        message_id: int,
        lat: float,
        lon: float,
        distance_m: float | None,
    ) -> bool:
        """Records the first answer only; a late or repeated one changes nothing."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rollcall_targets SET outcome = ?, answered_at = ?, chat_id = ?,"
                " message_id = ?, lat = ?, lon = ?, distance_m = ?"
                " WHERE rollcall_id = ? AND telegram_id = ? AND outcome IS NULL"
                " AND withdrawn_at IS NULL"
                " AND (SELECT closed_at FROM rollcalls WHERE id = ?) IS NULL",
                (
                    outcome,
                    at,
                    chat_id,
                    message_id,
                    lat,
                    lon,
                    distance_m,
                    rollcall_id,
                    telegram_id,
                    rollcall_id,
                ),
            )
            return cur.rowcount > 0

    async def close(self, rollcall_id: int, now: float) -> bool:
        """Marks everyone still silent as no answer; False if it was already closed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rollcalls SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (now, rollcall_id),
            )
            if cur.rowcount == 0:
                return False
            await conn.execute(
                "UPDATE rollcall_targets SET outcome = 'no_answer' WHERE rollcall_id = ?"
                " AND outcome IS NULL AND shares_rollcall_id IS NULL AND withdrawn_at IS NULL",
                (rollcall_id,),
            )
        return True

    async def get(self, rollcall_id: int) -> dict[str, Any] | None:
        row = await self.db.fetchone("SELECT * FROM rollcalls WHERE id = ?", (rollcall_id,))
        return dict(row) if row else None

    async def results(self, rollcall_id: int) -> list[TargetResult]:
        rows = await self.db.fetchall(
            "SELECT t.telegram_id, coalesce(p.name, CAST(t.telegram_id AS TEXT)),"
            " coalesce(s.outcome, t.outcome), coalesce(s.distance_m, t.distance_m)"
            " FROM rollcall_targets t LEFT JOIN people p ON p.telegram_id = t.telegram_id"
            " LEFT JOIN rollcall_targets s ON s.rollcall_id = t.shares_rollcall_id"
            " AND s.telegram_id = t.telegram_id"
            " WHERE t.rollcall_id = ? AND t.withdrawn_at IS NULL ORDER BY p.name, t.telegram_id",
            (rollcall_id,),
        )
        return [TargetResult(r[0], str(r[1]), r[2] or "no_answer", r[3]) for r in rows]

    async def open_ids(self) -> list[tuple[int, float]]:
        rows = await self.db.fetchall(
            "SELECT id, deadline FROM rollcalls WHERE closed_at IS NULL ORDER BY deadline"
        )
        return [(r[0], r[1]) for r in rows]

    async def absences(self, telegram_ids: Sequence[int], year: int) -> dict[int, int]:
        """Roll-call absences (out of area or no answer) per person in a calendar year."""
        if not telegram_ids:
            return {}
        marks = ",".join("?" * len(telegram_ids))
        rows = await self.db.fetchall(
            f"SELECT telegram_id, count(*) FROM rollcall_targets WHERE telegram_id IN ({marks})"
            " AND outcome IN ('out_of_area', 'no_answer') AND local_day BETWEEN ? AND ?"
            " GROUP BY telegram_id",
            (*telegram_ids, f"{year}-01-01", f"{year}-12-31"),
        )
        return {r[0]: r[1] for r in rows}

    async def add_plans(
        self,
        week: str,
        plans: Sequence[tuple[int, float]],
        *,
        drawn_before: Collection[int] = (),
        now: float = 0.0,
        log: Sequence[Any] = (),
    ) -> bool:
        """Stores a week's draw, or a top-up of it, with one admin-log row per plan (`log`,
        aligned with `plans`) in the same transaction. False, storing nothing, if the week's
        plans are no longer the `drawn_before` teams the draw was made against (another
        process drew meanwhile; on PostgreSQL the (week, team) key refuses a racing twin)."""
        try:
            return await self._add_plans(week, plans, drawn_before, now, log)
        except INTEGRITY_ERRORS:
            return False

    async def _add_plans(
        self,
        week: str,
        plans: Sequence[tuple[int, float]],
        drawn_before: Collection[int],
        now: float,
        log: Sequence[Any],
    ) -> bool:
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT team_id FROM rollcall_plans WHERE week = ?", (week,)
            ) as cur:
                if {r[0] for r in await cur.fetchall()} != set(drawn_before):
                    return False
            await conn.executemany(
                "INSERT INTO rollcall_plans(week, team_id, at) VALUES (?, ?, ?)",
                [(week, team_id, at) for team_id, at in plans],
            )
            for (team_id, _), entry in zip(plans, log, strict=False):
                await write_audit(
                    conn,
                    at=now,
                    actor_id=None,
                    action="rollcall.plan",
                    team_id=team_id,
                    subject=week,
                    after=entry,
                )
        return True

    async def week_teams(self, week: str) -> set[int]:
        """The teams a week's draw planned so far."""
        rows = await self.db.fetchall("SELECT team_id FROM rollcall_plans WHERE week = ?", (week,))
        return {r[0] for r in rows}

    async def unfired_plans(self) -> list[Plan]:
        rows = await self.db.fetchall(
            "SELECT id, team_id, at FROM rollcall_plans WHERE fired_at IS NULL ORDER BY at"
        )
        return [Plan(r[0], r[1], r[2]) for r in rows]

    async def plan(self, plan_id: int) -> Plan | None:
        row = await self.db.fetchone(
            "SELECT id, team_id, at FROM rollcall_plans WHERE id = ? AND fired_at IS NULL",
            (plan_id,),
        )
        return Plan(row[0], row[1], row[2]) if row else None

    async def skip_plan(self, plan_id: int, now: float) -> None:
        """A plan that can no longer fire (team gone, nobody to ask) is closed unfired."""
        await self.db.execute(
            "UPDATE rollcall_plans SET fired_at = ? WHERE id = ? AND fired_at IS NULL",
            (now, plan_id),
        )
