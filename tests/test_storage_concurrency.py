"""Exactly-once bookkeeping held by the database itself: two Storage instances on one
database (as two worker processes would be) never both win a notice, a handled update, a
decision or a drawn roll call."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import psycopg
import pytest

from bot.rules.checkin import Site
from storage import Storage

SITE = Site(30.0, 120.0, 300)


async def test_two_workers_claim_each_notice_once(storage: Storage, db_target: Path | str) -> None:
    keys = [("reminder", uid, "2026-11-25") for uid in range(1, 601)]
    async with Storage(db_target) as other:
        mine, theirs = await asyncio.gather(
            storage.notifications.claim_many(keys[:400], now=1.0),
            other.notifications.claim_many(keys[200:], now=1.0),
        )
    assert mine | theirs == set(keys)
    assert mine & theirs == set()
    # Claiming again wins nothing, from either.
    assert await storage.notifications.claim_many(keys, now=2.0) == set()


async def test_two_workers_decide_a_request_once(storage: Storage, db_target: Path | str) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    await storage.people.ensure(7, now=0.0)
    request_id = await storage.db.execute(
        "INSERT INTO requests(telegram_id, team_id, kind, first_day, last_day, days, reason,"
        " state, created_at) VALUES (7, ?, 'leave', '2026-11-26', '2026-11-26', 1, 'x',"
        " 'pending', 0)",
        (team.id,),
    )
    async with Storage(db_target) as other:
        outcomes = await asyncio.gather(
            *(
                repo.decide(
                    request_id, expect_state="pending", new_state=state, actor_id=actor,
                    admin_stage=False, reason=None, now=5.0,
                )
                for repo, state, actor in (
                    (storage.leave_requests, "approved", 1),
                    (other.leave_requests, "rejected", 2),
                )
            )
        )  # fmt: skip
    assert sorted(o.won for o in outcomes) == [False, True]
    winner = next(o for o in outcomes if o.won)
    row = await storage.db.fetchone("SELECT state FROM requests WHERE id = ?", (request_id,))
    assert winner.request is not None and row is not None
    assert row["state"] == winner.request.state


async def test_a_drawn_roll_call_fires_once(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    assert await storage.rollcalls.add_plans("2026-W48", [(team.id, 100.0)])
    (plan,) = await storage.rollcalls.unfired_plans()
    kwargs = dict(
        team_id=team.id, target_id=None, started_by=None, random_draw=True, started_at=100.0,
        deadline=1900.0, targets=[7], local_day=__import__("datetime").date(2026, 11, 25),
    )  # fmt: skip
    first = await storage.rollcalls.start(**kwargs, plan_id=plan.id)  # type: ignore[arg-type]
    assert first is not None
    assert await storage.rollcalls.start(**kwargs, plan_id=plan.id) is None  # type: ignore[arg-type]
    rows = await storage.db.fetchall("SELECT id FROM rollcalls")
    assert [r[0] for r in rows] == [first]
    # A second draw of the same week made against an outdated view is refused.
    assert not await storage.rollcalls.add_plans("2026-W48", [(team.id, 200.0)])


async def test_a_plan_another_worker_is_firing_is_skipped_not_awaited(
    storage: Storage, db_target: Path | str
) -> None:
    if not storage.db.dialect.postgres:
        pytest.skip("SQLite has one writer: there is no second worker to skip past")
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    assert await storage.rollcalls.add_plans("2026-W48", [(team.id, 100.0)])
    (plan,) = await storage.rollcalls.unfired_plans()
    with psycopg.connect(str(db_target)) as busy:  # another worker, mid-way through firing
        busy.execute("SELECT id FROM rollcall_plans WHERE id = %s FOR UPDATE", (plan.id,))
        started = time.monotonic()
        result = await storage.rollcalls.start(
            team_id=team.id, target_id=None, started_by=None, random_draw=True,
            started_at=100.0, deadline=1900.0, targets=[7],
            local_day=__import__("datetime").date(2026, 11, 25), plan_id=plan.id,
        )  # fmt: skip
        assert result is None and time.monotonic() - started < 5
        busy.rollback()
