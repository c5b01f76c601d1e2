"""Fan-out benchmark: N check-in reminders through the Bot API emulator enforcing a flood
limit (429 with an integer retry_after past it), as Telegram does.

    .venv/bin/python bench/fanout.py [--n 3000] [--limit 300]

The emulator runs in its own process (sharing one event loop with the bot would halve the
bot's request rate). The bot side is the real thing: Application with AIORateLimiter paced
at settings.rate_limit_per_s, the reminder service, the notification log in SQLite.
Prints the total time against the floor N / limit, and sent / lost / duplicated counted by
the emulator. Bar: time <= 1.15 x floor, lost 0, duplicated 0.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bot.app import build_application
from bot.clock import SystemClock
from bot.config import Settings
from bot.context import AppContext
from bot.emulator import BotApiEmulator
from bot.rules.geo import Datum
from bot.services.reminders import send_checkin_reminders
from bot.services.teams import TeamDraft, create_team
from storage import Storage

TOKEN = "123456:BENCH-token"


FIRST_USER = 100_000


def _emulator_process(conn, n: int, limit: float) -> None:  # type: ignore[no-untyped-def]
    async def serve() -> None:
        emu = BotApiEmulator(token=TOKEN)
        await emu.start()
        for i in range(n):
            emu.user(FIRST_USER + i, first_name=f"U{i}")
        emu.rate_limit(per_second=limit)
        conn.send(emu.base_url)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)  # "report"
        ok = Counter(
            r.params.get("chat_id")
            for r in emu.requests
            if r.method == "sendMessage" and r.status == 200
        )
        conn.send({"ok": dict(ok), "rejected_429": emu.rejected_by_limit})
        await loop.run_in_executor(None, conn.recv)  # "stop"
        await emu.stop()

    asyncio.run(serve())


async def _populate(storage: Storage, n: int) -> int:
    ctx = AppContext(Settings(token=TOKEN), storage, SystemClock())
    draft = TeamDraft("Bench", 30.1674, 120.2589, Datum.WGS84, 300, "Asia/Shanghai")
    team = await create_team(ctx, draft, actor_id=None)
    for i in range(n):
        uid = FIRST_USER + i
        await storage.people.ensure(uid, now=0)
        await storage.people.set_profile(uid, name=f"Member {i}", unit="Bench")
        await storage.people.join(uid, team.id, "member", unit="Bench", code="bench", now=0)
    return team.id


async def run(n: int, limit: float, transport: str) -> None:
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_emulator_process, args=(child, n, limit))
    proc.start()
    base_url = parent.recv()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        async with Storage(db) as storage:
            team_id = await _populate(storage, n)
        settings = Settings(
            token=TOKEN,
            api_base_url=base_url,
            db_path=db,
            rate_limit_per_s=limit,
            http_backend=transport,
        )
        app = build_application(settings)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        ctx: AppContext = app.bot_data["outpost"]
        now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=7, minute=0, second=0)
        # Let the rate limiter's bucket start from rest, as it would at 07:00.
        await asyncio.sleep(1.5)
        started = time.perf_counter()
        result = await send_checkin_reminders(ctx, app.bot, team_id, now)
        elapsed = time.perf_counter() - started
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
    parent.send("report")
    report = parent.recv()
    parent.send("stop")
    proc.join(10)
    ok: dict[int, int] = report["ok"]
    delivered = sum(1 for uid in range(FIRST_USER, FIRST_USER + n) if ok.get(uid, 0) >= 1)
    duplicated = sum(max(0, c - 1) for c in ok.values())
    floor = n / limit
    print(f"reminders            {n}")
    print(f"limit                {limit:g} msg/s (emulator answers 429 past it)")
    print(f"floor (N/limit)      {floor:.2f} s")
    print(f"total time           {elapsed:.2f} s  ({elapsed / floor:.3f} x floor, bar 1.15)")
    print(f"sent                 {delivered}  (service reported {len(result.sent)})")
    print(f"lost                 {n - delivered}")
    print(f"duplicated           {duplicated}")
    print(f"429 answers          {report['rejected_429']}")
    print(f"failed/blocked       {len(result.failed)}/{len(result.blocked)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--limit", type=float, default=300)
    parser.add_argument(
        "--transport", choices=("aiohttp", "httpx"), default="aiohttp", help="OUTPOST_HTTP_BACKEND"
    )
    args = parser.parse_args()
    print(f"transport            {args.transport}")
    asyncio.run(run(args.n, args.limit, args.transport))


if __name__ == "__main__":
    main()
