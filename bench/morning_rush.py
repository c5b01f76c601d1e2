"""Morning rush at Telegram's real timing: a big reminder fan-out while members check in.

    .venv/bin/python bench/morning_rush.py [--rtt-ms 150] [--members 3000] [--checkins 300]

The Bot API emulator runs in its own process and answers every call after a round trip
(default 150 ms, +-20 ms jitter). The bot is Outpost as shipped: default rate settings (30
messages a second, 20 a minute per group, confirmation window 30), aiohttp backend.

  morning  every team's pre-deadline check-in reminder fires at once (members / 30 s of
           sending); while that fan-out runs, `--checkins` members check in at a steady
           10 a second. Prints confirmation latency (the member's location queued -> the
           bot's confirmation reaching Telegram) p50/p90/max, interactive replies per
           second, the fan-out's duration against its floor (recipients / 30 per second),
           lost, duplicated, and members reminded after their check-in was confirmed.
  burst    `--checkins` other members check in at once with nothing else running:
           confirmations per second against the 30/s budget.
  echo     the same burst for python-telegram-bot's stock echo bot (ApplicationBuilder
           defaults) under the same round trip: 1 reply per round trip, the naive floor.

Bars (at 150 ms): confirmation p90 <= 2 s during the fan-out; burst >= 25/s and >= 3.5 x
echo; fan-out <= 1.15 x its floor; 0 lost, 0 duplicated, 0 reminded after confirmation.
Exit status 1 if a bar is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.checkin_burst import SITE_LAT, SITE_LON, TOKEN, Emulator, run_echo  # noqa: E402
from bot.app import build_application, polling  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.context import AppContext  # noqa: E402
from bot.rules.checkin import Site  # noqa: E402
from bot.services.fanout import FanoutResult  # noqa: E402
from bot.services.reminders import send_checkin_reminders  # noqa: E402
from storage import Storage  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Before anything is due: the start-up catch-up pass sends nothing.
DAWN = datetime(2026, 11, 25, 6, 0, tzinfo=SHANGHAI)
# The reminder's minute; check-ins from now on are on time (07:30, grace to 07:40).
REMINDER_AT = datetime(2026, 11, 25, 7, 0, tzinfo=SHANGHAI)
FIRST_MEMBER = 8_000_000
TEAM_SIZE = 100
BUDGET_PER_S = 30.0


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


async def seed(storage: Storage, members: int) -> list[int]:
    ids = list(range(FIRST_MEMBER, FIRST_MEMBER + members))
    now = time.time()
    for start in range(0, members, TEAM_SIZE):
        team = await storage.teams.create(
            f"Team {start // TEAM_SIZE + 1}",
            "Asia/Shanghai",
            Site(SITE_LAT, SITE_LON, 300),
            now=now,
        )
        for uid in ids[start : start + TEAM_SIZE]:
            await storage.people.ensure(uid, now=now)
            await storage.people.set_profile(uid, name=f"Member {uid}", unit="Unit")
            await storage.people.join(uid, team.id, "member", unit="Unit", code="-", now=now)
    return ids


async def check_in(emu: Emulator, user_ids: list[int]) -> dict[str, Any]:
    sent: dict[str, Any] = await emu.call(
        "POST",
        "/burst",
        json={
            "user_ids": user_ids,
            "latitude": SITE_LAT + 0.0003,
            "longitude": SITE_LON,
            "accuracy": 12.0,
            "date": int(REMINDER_AT.timestamp()) + 60,
        },
    )
    return sent


async def steady_check_ins(emu: Emulator, user_ids: list[int], per_s: float) -> dict[int, float]:
    """One member every 1/per_s seconds, on a fixed grid (no drift); when each was queued."""
    queued: dict[int, float] = {}
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i, uid in enumerate(user_ids):
        await asyncio.sleep(max(0.0, start + i / per_s - loop.time()))
        sent = await check_in(emu, [uid])
        queued.update({int(k): v for k, v in sent["queued"].items()})
    return queued


async def texts_since(emu: Emulator, mark: int) -> dict[int, list[tuple[float, str]]]:
    stats = await emu.call("GET", "/stats", params={"since": str(mark), "texts": "1"})
    return {int(k): [(at, text) for at, text in v] for k, v in stats["texts"].items()}


async def until_confirmed(emu: Emulator, mark: int, users: list[int], patience: float) -> None:
    deadline = time.monotonic() + patience
    wanted = set(users)
    while time.monotonic() < deadline:
        texts = await texts_since(emu, mark)
        done = {c for c in wanted if any(t.startswith("✅") for _, t in texts.get(c, []))}
        if done == wanted:
            return
        await asyncio.sleep(0.5)


def confirmations(texts: dict[int, list[tuple[float, str]]], chat: int) -> list[float]:
    return [at for at, text in texts.get(chat, []) if text.startswith("✅")]


def reminders(texts: dict[int, list[tuple[float, str]]], chat: int) -> list[float]:
    return [at for at, text in texts.get(chat, []) if text.startswith("⏰")]


async def morning(
    emu: Emulator, app: Any, clock: FixedClock, ids: list[int], rushers: list[int], rate: float
) -> dict[str, Any]:
    ctx: AppContext = app.bot_data["outpost"]
    clock.set(REMINDER_AT)
    teams = [t.id for t in await ctx.storage.teams.all()]
    await emu.call("POST", "/reset")  # requests are counted from here
    mark = 0
    started = time.monotonic()

    async def fan_out() -> tuple[FanoutResult, float]:
        # Every team's job fires in the same minute, as the scheduler would run them.
        results = await asyncio.gather(
            *(send_checkin_reminders(ctx, app.bot, tid, clock.now()) for tid in teams)
        )
        merged = FanoutResult()
        for r in results:
            merged.merge(r)
        return merged, time.monotonic() - started

    fanning = asyncio.create_task(fan_out())
    await asyncio.sleep(2.0)  # the fan-out is under way when the first member arrives
    queued = await steady_check_ins(emu, rushers, rate)
    result, fan_out_s = await fanning
    await until_confirmed(emu, mark, rushers, patience=60)
    texts = await texts_since(emu, mark)
    return {"queued": queued, "result": result, "fan_out_s": fan_out_s, "texts": texts, "ids": ids}


def report_morning(m: dict[str, Any], rushers: list[int]) -> tuple[list[str], dict[str, float]]:
    texts, queued, result = m["texts"], m["queued"], m["result"]
    latencies = []
    lost = duplicated = reminded_after = crossed = 0
    for uid in rushers:
        confirmed = confirmations(texts, uid)
        if not confirmed:
            lost += 1
            continue
        duplicated += len(confirmed) - 1
        latencies.append(min(confirmed) - queued[uid])
        for at in reminders(texts, uid):
            if at > min(confirmed):
                reminded_after += 1
            elif at > queued[uid]:
                crossed += 1  # sent while the check-in was on its way: nobody could know
    reminded = {uid for uid in m["ids"] if reminders(texts, uid)}
    duplicated += sum(len(reminders(texts, uid)) - 1 for uid in reminded)
    accounted = len(result.sent) + len(result.withdrawn) + len(result.already)
    lost += len(m["ids"]) - accounted + len(result.failed)
    interactive = sorted(min(confirmations(texts, u)) for u in rushers if confirmations(texts, u))
    span = interactive[-1] - min(queued.values()) if interactive else 0.0
    floor = len(m["ids"]) / BUDGET_PER_S
    used = (len(result.sent) + len(interactive)) / BUDGET_PER_S
    p50, p90 = quantile(latencies, 0.5), quantile(latencies, 0.9)
    lines = [
        f"members reminded        {len(result.sent)} sent, {len(result.withdrawn)} withdrawn at"
        f" their slot (checked in meanwhile), {len(result.already)} already sent",
        f"check-ins during it     {len(rushers)} at a steady rate",
        f"confirmation latency    p50 {p50:.2f} s  p90 {p90:.2f} s  max {max(latencies):.2f} s",
        f"interactive replies/s   {len(interactive) / span if span else 0:.1f}"
        f" (the arrival rate is the ceiling)",
        f"fan-out duration        {m['fan_out_s']:.1f} s; floor {floor:.1f} s (recipients/30)"
        f" -> {m['fan_out_s'] / floor:.3f} x; with the replies' slots {used:.1f} s",
        f"lost {lost}, duplicated {duplicated}, reminded after confirmation {reminded_after}"
        f" (reminders crossing a check-in in flight: {crossed})",
    ]
    figures = {
        "p90": p90,
        "fan_out_ratio": m["fan_out_s"] / floor,
        "lost": lost,
        "duplicated": duplicated,
        "reminded_after": reminded_after,
    }
    return lines, figures


async def burst(emu: Emulator, users: list[int]) -> tuple[list[str], float, int]:
    sent = await check_in(emu, users)
    await until_confirmed(emu, sent["mark"], users, patience=120)
    texts = await texts_since(emu, sent["mark"])
    queued = {int(k): v for k, v in sent["queued"].items()}
    confirmed = [min(confirmations(texts, u)) for u in users if confirmations(texts, u)]
    span = max(confirmed) - min(queued.values()) if confirmed else 0.0
    per_s = len(confirmed) / span if span else 0.0
    lost = len(users) - len(confirmed)
    dup = sum(max(0, len(confirmations(texts, u)) - 1) for u in users)
    lines = [
        f"burst alone             {len(confirmed)}/{len(users)} confirmed in {span:.1f} s"
        f" -> {per_s:.1f}/s ({per_s / BUDGET_PER_S:.2f} of the 30/s budget); lost {lost},"
        f" duplicated {dup}"
    ]
    return lines, per_s, lost + dup


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    print(
        f"morning rush: {args.members} members in teams of {TEAM_SIZE}, {args.checkins} check-ins"
        f" at {args.rate:g}/s during the fan-out; emulator round trip {args.rtt_ms:g} ms"
        f" +-{args.jitter_ms:g} ms, in its own process"
    )
    ok = True
    async with Emulator(args.rtt_ms, args.jitter_ms) as emu:
        echo_per_s = 0.0
        if not args.skip_echo:
            echo = await run_echo(emu, args.checkins, patience=600)
            echo_per_s = echo.per_s
            await emu.call("POST", "/reset")
        with tempfile.TemporaryDirectory(prefix="outpost-rush-") as tmp:
            settings = Settings(
                token=TOKEN,
                api_base_url=emu.base,
                db_path=Path(tmp) / "rush.db",
                media_dir=Path(tmp) / "media",
            )
            storage = Storage(settings.db_path)
            await storage.open()
            ids = await seed(storage, args.members)
            await emu.call("POST", "/users", json={"user_ids": ids})
            pool = ids[:]
            rng.shuffle(pool)
            rushers, bursters = pool[: args.checkins], pool[args.checkins : 2 * args.checkins]
            clock = FixedClock(DAWN)
            app = build_application(settings, clock=clock, storage=storage)
            async with polling(app, poll_timeout=10):
                assert app.job_queue is not None
                for job in app.job_queue.jobs():
                    job.schedule_removal()  # the bench fires the reminders itself, at its time
                await asyncio.sleep(1.0)
                m = await morning(emu, app, clock, ids, rushers, args.rate)
                lines, figures = report_morning(m, rushers)
                print("\n".join(lines))
                burst_lines, burst_per_s, burst_bad = await burst(emu, bursters)
                print("\n".join(burst_lines))
    if echo_per_s:
        print(
            f"stock PTB echo bot      {echo_per_s:.1f} replies/s under the same round trip;"
            f" outpost burst / echo = {burst_per_s / echo_per_s:.1f} x"
        )
    bars = {
        "confirmation p90 <= 2 s during the fan-out": figures["p90"] <= 2.0,
        "burst >= 25/s": burst_per_s >= 25,
        "burst >= 3.5 x echo": burst_per_s >= 3.5 * echo_per_s if echo_per_s else None,
        "fan-out <= 1.15 x floor": figures["fan_out_ratio"] <= 1.15,
        "0 lost, 0 duplicated": figures["lost"] == 0
        and figures["duplicated"] == 0
        and burst_bad == 0,
        "0 reminded after confirmation": figures["reminded_after"] == 0,
    }
    for name, met in bars.items():
        print(f"  {'skipped' if met is None else 'met    ' if met else 'MISSED '} {name}")
        ok = ok and met is not False
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt-ms", type=float, default=150.0)
    parser.add_argument("--jitter-ms", type=float, default=20.0)
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--checkins", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="check-ins per second")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-echo", action="store_true")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
