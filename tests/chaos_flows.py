"""Chaos in the middle of conversations (issue 11), shared by tests/test_chaos.py and
bench/chaos.py --flows.

New people join (/start <code>, name, unit) and members ask for leave (/leave, type, first
day, last day, reason, send), every answer queued at once, while the bot process is killed
with SIGKILL at random moments and restarted: most kills land between one step and the next.
Afterwards every answer must sit in its own field: each joiner's name and unit as typed,
each leave's days and reason as typed, once; nobody left inside a flow.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import SystemClock
from bot.config import Settings
from bot.context import AppContext
from bot.emulator import BotApiEmulator
from bot.emulator.schema import Schema
from bot.services.teams import create_invite
from storage import Storage
from tests.chaos_harness import (
    FIRST_MEMBER,
    SCHEMA_PATH,
    TOKEN,
    _bot_env,
    kill_and_finish,
    morning_timezone,
    prepare,
)

FIRST_JOINER = 6_000_000


@dataclass
class FlowChaosReport:
    joiners: int
    leavers: int
    kills: int
    kill_points: list[int]
    joined_right: int
    leaves_right: int
    wrong_fields: list[str] = field(default_factory=list)
    left_in_a_flow: int = 0
    diary_questions: int = 0
    restarts_ok: bool = True
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"joiners (3 steps)        {self.joiners}, joined with name and unit as typed"
            f" {self.joined_right}",
            f"leaves (6 steps)         {self.leavers}, stored once with days and reason as typed"
            f" {self.leaves_right}",
            f"answers in a wrong field {len(self.wrong_fields)} {self.wrong_fields[:3]}",
            f"left inside a flow       {self.left_in_a_flow}",
            f"'diary entry?' asked     {self.diary_questions}",
            f"kills (after n sends)    {self.kill_points}",
            f"seconds                  {self.seconds:.1f}",
        ]


def _leave_days(tz: str, i: int) -> tuple[date, date]:
    today = datetime.now(UTC).astimezone(ZoneInfo(tz)).date()
    first = today + timedelta(days=10 + i % 7)
    return first, first + timedelta(days=1 + i % 3)


async def run_flow_chaos(
    workdir: Path, *, joiners: int, leavers: int, kills: int, seed: int = 1, budget_s: float = 60
) -> FlowChaosReport:
    started = time.monotonic()
    rng = random.Random(seed)
    db_path = workdir / "flows.db"
    team_id = await prepare(db_path, leavers)
    async with Storage(db_path) as storage:
        ctx = AppContext(Settings(token=TOKEN, db_path=db_path), storage, SystemClock())
        team = await storage.teams.get(team_id)
        assert team is not None
        invite = await create_invite(ctx, team, "member", actor_id=None, max_uses=None)
    tz = morning_timezone(datetime.now(UTC))
    emu = BotApiEmulator(schema=Schema.load(SCHEMA_PATH), token=TOKEN, seed=seed)
    await emu.start()
    log = (workdir / "bot.log").open("ab")
    try:
        scripts: list[list[Any]] = []
        for i in range(joiners):
            user = emu.user(FIRST_JOINER + i, f"J{i}")
            scripts.append(
                [
                    lambda u=user: u.send_command("start", invite.code),
                    lambda u=user, i=i: u.send_text(f"Joiner {i}"),
                    lambda u=user, i=i: u.send_text(f"Unit {i}"),
                ]
            )
        for i in range(leavers):
            user = emu.user(FIRST_MEMBER + i, f"M{i}")
            first, last = _leave_days(tz, i)
            scripts.append(
                [
                    lambda u=user: u.send_command("leave"),
                    lambda u=user: u.press_raw("lv:type:personal"),
                    lambda u=user, d=first: u.send_text(d.isoformat()),
                    lambda u=user, d=last: u.send_text(d.isoformat()),
                    lambda u=user, i=i: u.send_text(f"Reason {i}"),
                    lambda u=user: u.press_raw("lv:ok"),
                ]
            )
        # Interleave the people; each one's answers stay in order.
        while any(scripts):
            script = rng.choice([s for s in scripts if s])
            script.pop(0)()
        last_update = emu.updates.next_id - 1
        env = _bot_env(emu, db_path, window=8)
        deadline = started + budget_s
        span = max(2, (3 * joiners + 5 * leavers) // (kills + 1))
        kill_points, restarts_ok = await kill_and_finish(
            emu, env, log, rng, kills=kills, span=span, last_update=last_update, deadline=deadline
        )
        report = await _judge(db_path, emu, joiners, leavers, tz)
        report.kills, report.kill_points = kills, kill_points
        report.restarts_ok = restarts_ok
        report.seconds = time.monotonic() - started
        return report
    finally:
        log.close()
        await emu.stop()


async def _judge(
    db_path: Path, emu: BotApiEmulator, joiners: int, leavers: int, tz: str
) -> FlowChaosReport:
    report = FlowChaosReport(joiners, leavers, 0, [], 0, 0)
    async with Storage(db_path) as storage:
        db = storage.db
        for i in range(joiners):
            tid = FIRST_JOINER + i
            row = await db.fetchone(
                "SELECT p.name, m.unit FROM people p JOIN memberships m USING (telegram_id)"
                " WHERE p.telegram_id = ?",
                (tid,),
            )
            got = (row["name"], row["unit"]) if row else None
            if got == (f"Joiner {i}", f"Unit {i}"):
                report.joined_right += 1
            elif got is not None:
                report.wrong_fields.append(f"joiner {i}: {got}")
        for i in range(leavers):
            tid = FIRST_MEMBER + i
            first, last = _leave_days(tz, i)
            rows = await db.fetchall(
                "SELECT leave_type, first_day, last_day, reason FROM requests"
                " WHERE telegram_id = ?",
                (tid,),
            )
            got_all = [tuple(r) for r in rows]
            want = ("personal", first.isoformat(), last.isoformat(), f"Reason {i}")
            if got_all == [want]:
                report.leaves_right += 1
            elif any(g != want for g in got_all):
                report.wrong_fields.append(f"leave {i}: {got_all}")
        report.left_in_a_flow = len(await db.fetchall("SELECT 1 FROM flow_state"))
    report.diary_questions = sum(
        1
        for r in emu.requests
        if r.method == "sendMessage" and "diary entry" in str(r.params.get("text", ""))
    )
    return report
