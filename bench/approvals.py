"""Approvals under contention: 500 pending leave requests, two supervisors pressing Approve
on every one at the same moment, through the real bot and the Bot API emulator over HTTP.

Prints decisions per second and the number of violations, which must be 0. A violation is a
request not decided exactly once (state, decider, audit rows), a member not told exactly
once, or a press left unanswered.

    python bench/approvals.py [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_application, polling
from bot.config import Settings
from bot.context import AppContext
from bot.emulator import BotApiEmulator
from bot.emulator.schema import Schema
from bot.rules.geo import Datum
from bot.services.leave_requests import send_prompts
from bot.services.teams import TeamDraft, create_invite, create_team
from storage.leave_requests import NewRequest

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token"
DAYS_PER_MEMBER = 10
REQUEST_ID = re.compile(r"#(\d+)\b")


async def setup(ctx: AppContext, emu: BotApiEmulator, n_requests: int) -> tuple[list, list]:
    team = await create_team(
        ctx, TeamDraft("Bench", 30.1674, 120.2589, Datum.WGS84, 300, "Asia/Shanghai"), actor_id=None
    )
    now = ctx.now_ts()
    supervisors: list[Any] = []
    members: list[Any] = []
    n_members = -(-n_requests // DAYS_PER_MEMBER)
    for i, role in [(i, "supervisor") for i in range(2)] + [
        (i, "member") for i in range(n_members)
    ]:
        user_id = (7000 if role == "supervisor" else 8000) + i
        user = emu.user(user_id, first_name=f"{role}{i}")
        invite = await create_invite(ctx, team, role, actor_id=None)
        await ctx.storage.people.ensure(user_id, now=now)
        await ctx.storage.people.set_profile(user_id, name=f"{role.title()} {i}", unit="Bench")
        await ctx.storage.people.join(
            user_id, team.id, role, unit="Bench", code=invite.code, now=now
        )
        (supervisors if role == "supervisor" else members).append(user)
    start = date(2027, 1, 1)
    requests = []
    for k in range(n_requests):
        member = members[k // DAYS_PER_MEMBER]
        day = start + timedelta(days=k % DAYS_PER_MEMBER)
        request, _ = await ctx.storage.leave_requests.create(
            NewRequest("leave", member.id, team.id, "personal", day, day, 1, "bench", False),
            now=now,
        )
        assert request is not None
        requests.append(request)
    return supervisors, requests


async def run(n_requests: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        emu = BotApiEmulator(
            schema=Schema.load(ROOT / "tests/data/bot_api_subset.json"), token=TOKEN
        )
        async with emu:
            settings = Settings(
                token=TOKEN,
                api_base_url=emu.base_url,
                db_path=Path(tmp) / "bench.db",
                media_dir=Path(tmp) / "media",
                rate_limit_per_s=100_000,
            )
            app = build_application(settings)
            async with polling(app, poll_timeout=1):
                ctx: AppContext = app.bot_data["outpost"]
                supervisors, requests = await setup(ctx, emu, n_requests)
                for request in requests:
                    await send_prompts(
                        ctx, app.bot, request, [s.id for s in supervisors], "supervisor"
                    )
                prompts = {
                    s.id: {
                        int(REQUEST_ID.search(m["text"])[1]): m  # type: ignore[index]
                        for m in emu.sent_messages(s.id)
                    }
                    for s in supervisors
                }
                mark = emu.mark()
                started = time.perf_counter()
                queries = []
                for request in requests:  # both press the same request at the same moment
                    for s in supervisors:
                        queries.append(
                            s.press(prompts[s.id][request.id], data=f"req:approve:{request.id}")
                        )
                while sum(1 for q in queries if emu.callback_answers(q)) < len(queries):
                    if not await emu.changed(30):
                        break
                elapsed = time.perf_counter() - started
                await asyncio.sleep(0.5)  # let any stray late message land before counting
                violations = await verify(ctx, emu, requests, queries, mark)
    print(f"requests: {n_requests}, presses: {len(queries)} (2 supervisors, concurrent)")
    print(f"elapsed: {elapsed:.2f} s, decisions/s: {n_requests / elapsed:.1f}")
    print(f"violations: {violations}")
    return 1 if violations else 0


async def verify(
    ctx: AppContext, emu: BotApiEmulator, requests: list, queries: list, mark: int
) -> int:
    violations = 0
    told: dict[int, int] = {}
    for rec in emu.requests[mark:]:
        if rec.method == "sendMessage" and rec.response.get("ok"):
            found = REQUEST_ID.search(str(rec.params.get("text", "")))
            chat = int(rec.params["chat_id"])
            if found and chat >= 8000:
                told[int(found[1])] = told.get(int(found[1]), 0) + 1
    audits = await ctx.storage.db.fetchall(
        "SELECT subject, count(*) AS n FROM audit WHERE action IN ('leave.approved',"
        " 'leave.rejected') GROUP BY subject"
    )
    decided = {row["subject"]: row["n"] for row in audits}
    for request in requests:
        row = await ctx.storage.leave_requests.get(request.id)
        ok = (
            row is not None
            and row.state == "approved"
            and row.decided_by is not None
            and decided.get(f"request:{request.id}") == 1
            and told.get(request.id) == 1
        )
        violations += not ok
    violations += sum(1 for q in queries if len(emu.callback_answers(q)) != 1)
    return violations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.requests)))


if __name__ == "__main__":
    main()
