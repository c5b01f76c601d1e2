"""Check-in burst: N members all share their location at once; how fast does Outpost answer?

    .venv/bin/python bench/checkin_burst.py [--members 2000]

The Bot API emulator runs in its own process (`python -m bot.emulator --control`), so the
bot and Telegram's stand-in each get a core, as in production. Two bots meet the same burst
in the same run, one after the other:

  echo     a bare python-telegram-bot Application, one MessageHandler replying "ok", built
           with ApplicationBuilder's defaults: HTTPXRequest, updates handled one at a time
           (the bar's reference). Giving this stock app 256 concurrent updates makes it
           slower, not faster (36-49/s here): httpx's pool is the bottleneck (bot/http.py);
  echo (aiohttp)
           the same app on Outpost's HTTP backend and concurrency (256): the floor that PTB
           itself sets, so the gap to Outpost is Outpost's own work;
  outpost  the real bot from bot.app.build_application, on a temp database with one team and
           N active members created through the storage repositories.

Latency runs from the moment the emulator queued a member's update to the moment the bot's
sendMessage for that chat reached the emulator (both stamped by the emulator's clock);
throughput is replies over the time from the burst to the last reply. The run then checks
that every member got exactly one reply and that every check-in row exists.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg_scratch import scratch_database  # noqa: E402
from bot.app import build_application, polling  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.http import make_requests  # noqa: E402
from bot.rules.checkin import Site  # noqa: E402
from storage import Storage  # noqa: E402

TOKEN = "123456:BENCH-token"
SITE_LAT, SITE_LON = 30.1674, 120.2589
# A Wednesday, 07:10 in Shanghai: inside the check-in window and on time.
MORNING = datetime(2026, 11, 25, 7, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
SCHEMA = ROOT / "tests" / "data" / "bot_api_subset.json"
ECHO_USERS_FROM = 5_000_000
MEMBERS_FROM = 7_000_000


@dataclass
class Phase:
    name: str
    replies: int
    members: int
    seconds: float
    p50_ms: float
    p99_ms: float
    exactly_one: int
    extra: dict[str, Any]

    @property
    def per_s(self) -> float:
        return self.replies / self.seconds if self.seconds else 0.0


class Emulator:
    """The emulator subprocess and its /_emu/ control channel."""

    def __init__(self, latency_ms: float = 0.0, jitter_ms: float = 0.0) -> None:
        # A round trip on every Bot API call (bench/morning_rush.py); 0 here: pure speed.
        self.latency_ms, self.jitter_ms = latency_ms, jitter_ms
        self.proc: asyncio.subprocess.Process | None = None
        self.base = ""
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Emulator:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.emulator",
            "--port",
            "0",
            "--control",
            "--schema",
            str(SCHEMA),
            "--latency-ms",
            str(self.latency_ms),
            "--jitter-ms",
            str(self.jitter_ms),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 20)).decode()
        # "Bot API emulator at http://127.0.0.1:PORT/bot  (files: ...)"
        self.base = line.split(" at ", 1)[1].split()[0]
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session:
            await self.session.close()
        if self.proc and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()

    def cpu_seconds(self) -> float:
        """User + system CPU of the emulator process so far (Linux /proc), 0 elsewhere."""
        assert self.proc is not None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @property
    def control(self) -> str:
        return self.base[: -len("/bot")] + "/_emu"

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        assert self.session is not None
        async with self.session.request(method, self.control + path, **kw) as resp:
            resp.raise_for_status()
            return await resp.json()


async def burst_and_wait(emu: Emulator, user_ids: list[int], patience: float) -> dict[str, Any]:
    sent = await emu.call(
        "POST",
        "/burst",
        json={
            "user_ids": user_ids,
            "latitude": SITE_LAT + 0.0003,  # about 33 m north of the site: on site
            "longitude": SITE_LON,
            "accuracy": 12.0,
            "date": int(MORNING.timestamp()),
        },
    )
    deadline = time.monotonic() + patience
    cpu_start = time.process_time()
    emu_cpu_start = emu.cpu_seconds()
    last_count, stable_since = -1, time.monotonic()
    while True:
        await asyncio.sleep(0.25)
        summary = await emu.call("GET", "/stats", params={"since": sent["mark"], "summary": "1"})
        got = summary["replies"]
        if got != last_count:
            last_count, stable_since = got, time.monotonic()
        if got >= len(user_ids) and time.monotonic() - stable_since > 0.5:
            break  # everyone answered; a short grace catches any second reply
        if time.monotonic() > deadline:
            break
    # CPU the bot's process spent (all its threads), minus the idle grace: cost per reply.
    cpu = time.process_time() - cpu_start
    emu_cpu = emu.cpu_seconds() - emu_cpu_start
    stats = await emu.call("GET", "/stats", params={"since": sent["mark"]})
    return {"queued": sent["queued"], "cpu_s": cpu, "emu_cpu_s": emu_cpu, **stats}


def measure(name: str, user_ids: list[int], result: dict[str, Any], extra: dict[str, Any]) -> Phase:
    queued = {int(k): v for k, v in result["queued"].items()}
    replies = {int(k): v for k, v in result["replies"].items() if int(k) in queued}
    latencies = sorted((min(ts) - queued[chat]) * 1000 for chat, ts in replies.items())
    start = min(queued.values())
    end = max((max(ts) for ts in replies.values()), default=start)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return Phase(
        name=name,
        replies=sum(len(ts) for ts in replies.values()),
        members=len(user_ids),
        seconds=end - start,
        p50_ms=q[49] if q else 0.0,
        p99_ms=q[98] if q else 0.0,
        exactly_one=sum(1 for ts in replies.values() if len(ts) == 1),
        extra={
            "violations": result["violations"],
            "cpu_s": result["cpu_s"],
            "emu_cpu_s": result["emu_cpu_s"],
            **extra,
        },
    )


async def run_echo(
    emu: Emulator, n: int, patience: float, backend: str = "stock", concurrency: int = 1
) -> Phase:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("ok")

    builder = ApplicationBuilder().token(TOKEN).base_url(emu.base)
    if concurrency > 1:
        builder = builder.concurrent_updates(concurrency)
    if backend != "stock":
        # The same PTB app on Outpost's HTTP backend: how much of the cost is PTB's own.
        request, updates_request = make_requests(backend, pool_size=64)
        builder = builder.request(request).get_updates_request(updates_request)
    app: Application = builder.build()  # type: ignore[type-arg]
    app.add_handler(MessageHandler(filters.ALL, echo))
    users = list(range(ECHO_USERS_FROM, ECHO_USERS_FROM + n))
    async with stock_polling(app):
        await asyncio.sleep(0.5)
        result = await burst_and_wait(emu, users, patience)
    name = "echo (stock PTB)" if backend == "stock" else f"echo ({backend})"
    return measure(name, users, result, {})


@asynccontextmanager
async def stock_polling(app: Application) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """A bare PTB bot's own lifecycle: PTB's Updater, as `run_polling` would run it."""
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def seed(storage: Storage, n: int) -> list[int]:
    team = await storage.teams.create(
        "Bench", "Asia/Shanghai", Site(SITE_LAT, SITE_LON, 300), now=time.time()
    )
    ids = list(range(MEMBERS_FROM, MEMBERS_FROM + n))
    for uid in ids:
        await storage.people.ensure(uid, now=time.time())
        await storage.people.set_profile(uid, name=f"Member {uid}", unit="Bench unit")
        await storage.people.join(uid, team.id, "member", unit="Bench unit", code="bench", now=0)
    # The burst is at 07:10: the 07:00 reminder went out ten minutes ago. Without this the
    # scheduler's start-up catch-up would (rightly) send it now, inside the measurement.
    await storage.notifications.claim_many(
        [("checkin_reminder", uid, MORNING.date().isoformat()) for uid in ids], now=time.time()
    )
    return ids


async def run_outpost(
    emu: Emulator,
    n: int,
    patience: float,
    workdir: Path,
    backend: str,
    db: Path | str | None = None,
    name: str = "outpost",
    prepare: Callable[[Storage], Awaitable[None]] | None = None,
) -> Phase:
    """`prepare` changes the seeded database before the burst (bench/audit_verify.py uses it
    to measure the bot without its hash-chain triggers)."""
    settings = Settings(
        token=TOKEN,
        api_base_url=emu.base,
        db_path=db or workdir / "bench.db",
        media_dir=workdir / "media",
        rate_limit_per_s=100_000,  # this measures Outpost, not Telegram's 30 msg/s cap
        http_backend=backend,
    )
    storage = Storage(settings.db_path)
    await storage.open()
    users = await seed(storage, n)
    if prepare is not None:
        await prepare(storage)
    app = build_application(settings, clock=FixedClock(MORNING), storage=storage)
    group = storage.db.group_stats
    async with polling(app, poll_timeout=1):
        await asyncio.sleep(0.5)
        groups_before = group.groups
        result = await burst_and_wait(emu, users, patience)
        groups = group.groups - groups_before
    # polling() closed the storage on the way out; reopen to count what was written.
    async with Storage(settings.db_path) as check:
        rows = await check.checkins.count()
        accepted = await check.checkins.count(accepted=True)
        days = len(await check.checkins.team_day(1, MORNING.date()))
    phase = measure(
        name,
        users,
        result,
        {"rows": rows, "accepted": accepted, "attendance_days": days, "groups": groups},
    )
    return phase


def table(phases: list[Phase]) -> str:
    head = (
        f"{'bot':<18}{'replies':>9}{'seconds':>9}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'cpu ms/reply':>14}{'emulator cpu ms':>17}"
    )
    lines = [head, "-" * len(head)]
    for p in phases:
        lines.append(
            f"{p.name:<18}{p.replies:>9}{p.seconds:>9.2f}{p.per_s:>9.0f}"
            f"{p.p50_ms:>9.0f}{p.p99_ms:>9.0f}{p.extra['cpu_s'] * 1000 / max(1, p.replies):>14.2f}"
            f"{p.extra['emu_cpu_s'] * 1000 / max(1, p.replies):>17.2f}"
        )
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=120.0, help="per phase, seconds")
    parser.add_argument("--skip-echo", action="store_true")
    parser.add_argument("--http-backend", default="aiohttp", choices=("aiohttp", "httpx"))
    parser.add_argument(
        "--db",
        help="a postgresql:// server: Outpost also meets the burst on a scratch database there,"
        " side by side with SQLite",
    )
    args = parser.parse_args(argv)
    n = args.members

    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="outpost-bench-") as tmp:
        async with Emulator() as emu:
            if not args.skip_echo:
                phases.append(await run_echo(emu, n, args.timeout))
                await emu.call("POST", "/reset")
                same = await run_echo(
                    emu, n, args.timeout, backend=args.http_backend, concurrency=256
                )
                phases.append(same)
                await emu.call("POST", "/reset")
            outpost = await run_outpost(emu, n, args.timeout, Path(tmp), args.http_backend)
            phases.append(outpost)
            if args.db:
                await emu.call("POST", "/reset")
                with scratch_database(args.db, "burst") as url:
                    pg = await run_outpost(
                        emu, n, args.timeout, Path(tmp), args.http_backend, url, "outpost (pg)"
                    )
                phases.append(pg)

    print(f"check-in burst: {n} members at once; emulator in own process; {os.cpu_count()} cpus")
    print(table(phases))
    echo = phases[0] if not args.skip_echo else None
    all_ok = True
    for outpost in [p for p in phases if p.name.startswith("outpost")]:
        all_ok = report(outpost, n, echo, phases[1] if echo else None) and all_ok
    return 0 if all_ok else 1


def report(outpost: Phase, n: int, echo: Phase | None, same: Phase | None) -> bool:
    """The figures and the bar for one database's run; True when every check-in landed."""
    label = outpost.name
    # Check-ins accepted per second: the rows say how many were accepted, the replies when.
    accepted_per_s = outpost.extra["accepted"] / outpost.seconds if outpost.seconds else 0.0
    print(
        f"{label}: {outpost.extra['accepted']} accepted check-ins -> {accepted_per_s:.0f} "
        f"accepted/s; rows {outpost.extra['rows']}/{n}, attendance days "
        f"{outpost.extra['attendance_days']}/{n}, exactly one reply {outpost.exactly_one}/{n}"
    )
    groups = outpost.extra["groups"]
    print(
        f"{label}: check-ins written in {groups} group transactions "
        f"(avg {outpost.extra['rows'] / max(1, groups):.1f} per commit)"
    )
    ok = (
        outpost.extra["rows"] == n
        and outpost.extra["accepted"] == n
        and outpost.extra["attendance_days"] == n
        and outpost.exactly_one == n
        and outpost.replies == n
    )
    bar = accepted_per_s >= 300
    if echo is not None and same is not None:
        ratio = accepted_per_s / echo.per_s if echo.per_s else 0.0
        print(f"echo: exactly one reply {echo.exactly_one}/{n}")
        print(f"{label}: ratio to echo throughput: {ratio:.2f}  (bar >= 0.50)")
        print(
            f"{label}: ratio to {same.name}: {accepted_per_s / same.per_s if same.per_s else 0:.2f}"
            "  (the same PTB app on Outpost's HTTP backend: Outpost's own overhead)"
        )
        bar = bar and ratio >= 0.5
    print(f"{label}: emulator Bot API violations: {outpost.extra['violations']}")
    print(
        f"{label}: complete: {'yes' if ok else 'NO'}; bar (>= 300/s and >= 0.5 x echo): "
        f"{'met' if bar and ok else 'NOT met'}"
    )
    return ok


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
