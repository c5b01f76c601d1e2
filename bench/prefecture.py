"""A prefecture on one process: bulk set-up, start-up, idle cost and the morning's reminders.

    .venv/bin/python bench/prefecture.py [--scales 2300:4500 20000:39000] [--quiet 60]
                                         [--limit 300] [--skip-reminders]

For each scale (teams:members):
  1. builds the database through the real commands: `outpost team import teams.xlsx`
     (teams spread over three timezones and three check-in times) and `outpost member
     import members.csv`; the listed members are then enrolled straight into storage, as
     if each had joined by invite (joining itself is tested through the chat elsewhere);
  2. starts `outpost run` as its own process against the Bot API emulator (another
     process), with one member's location already queued, and prints the seconds from
     start to that member's answer; the scheduler's job count (from its start-up log line);
     resident memory; and the CPU share of the bot's process over a quiet stretch (--quiet
     seconds, default a minute) once start-up work (catch-up) has settled;
  3. at the first scale (unless --skip-reminders): the morning check-in reminder for every
     team at once, as the scheduler's slot jobs send it (one fan-out), through an emulator
     refusing more than --limit msg/s; prints the time against the floor members / limit.

Bars (issue 16): first answer <= 3 s at 2,300 teams and <= 15 s at 20,000; idle CPU <= 1%;
memory at 20,000 teams <= 2x that at 2,300; reminders within 1.15x the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import multiprocessing as mp
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_application  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.context import AppContext  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.rules.reminders import Kind  # noqa: E402
from bot.services.reminders import send_member_notices  # noqa: E402
from storage import Storage  # noqa: E402

TOKEN = "123456:BENCH-token"
ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Harbin")
CHECKIN_TIMES = ("07:30", "08:00", "08:30")
FIRST_MEMBER = 10_000_000
OUTPOST = [sys.executable, "-m", "bot.cli"]


# -- the emulator in its own process ------------------------------------------------------------


def _emulator(conn: Any, user_ids: list[int]) -> None:
    async def serve() -> None:
        emu = BotApiEmulator(token=TOKEN, control=True)
        await emu.start()
        for uid in user_ids:
            emu.user(uid, first_name=f"M{uid}")
        conn.send(emu.base_url)
        loop = asyncio.get_running_loop()
        while True:
            command, arg = await loop.run_in_executor(None, conn.recv)
            if command == "limit":
                emu.rate_limit(per_second=arg)
                conn.send(True)
            elif command == "report":
                ok = Counter(
                    r.params.get("chat_id")
                    for r in emu.requests
                    if r.method == "sendMessage" and r.status == 200
                )
                conn.send({"ok": dict(ok), "rejected_429": emu.rejected_by_limit})
            else:
                break
        await emu.stop()

    asyncio.run(serve())


class Emulator:
    def __init__(self, user_ids: list[int]) -> None:
        self.conn, child = mp.Pipe()
        self.proc = mp.get_context("spawn").Process(target=_emulator, args=(child, user_ids))
        self.proc.start()
        self.base_url: str = self.conn.recv()
        self.control = self.base_url[: -len("/bot")] + "/_emu"

    def ask(self, command: str, arg: Any = None) -> Any:
        self.conn.send((command, arg))
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send(("stop", None))
        self.proc.join(10)


# -- building the database through the import commands ------------------------------------------


def _team_name(i: int) -> str:
    return f"怀化 第{i:05d}村"


def write_sheets(folder: Path, teams: int, members: int) -> tuple[Path, Path]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("teams")
    sheet.append(["name", "latitude", "longitude", "datum", "radius", "timezone", "checkin_time"])
    for i in range(teams):
        # Spread over Huaihua's extent; every third row typed from a Chinese map (GCJ-02).
        lat = 26.5 + (i % 300) * 0.01
        lon = 109.5 + (i // 300 % 300) * 0.01
        datum = "gcj02" if i % 3 == 0 else "wgs84"
        sheet.append([_team_name(i), lat, lon, datum, 300, ZONES[i % 3], CHECKIN_TIMES[i % 3]])
    teams_xlsx = folder / "teams.xlsx"
    book.save(teams_xlsx)
    members_csv = folder / "members.csv"
    with members_csv.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["name", "unit", "team"])
        for j in range(members):
            out.writerow([f"队员{j:06d}", "县直单位", _team_name(j % teams)])
    return teams_xlsx, members_csv


def run_cli(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(OUTPOST + args, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"outpost {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
    print(
        f"  outpost {args[0]} {args[1]:<8} {time.perf_counter() - started:7.1f} s   "
        f"{proc.stdout.strip().splitlines()[-1]}"
    )
    return time.perf_counter() - started


async def enroll(db: Path, members: int, teams: int) -> list[int]:
    """Every listed member as if joined by invite: a person and an active membership."""
    async with Storage(db) as storage:
        ids = {t.name: t.id for t in await storage.teams.all()}
        rows = [
            (FIRST_MEMBER + j, f"队员{j:06d}", ids[_team_name(j % teams)]) for j in range(members)
        ]
        await storage.db.executemany(
            "INSERT INTO people(telegram_id, name, unit, language, created_at)"
            " VALUES (?, ?, '县直单位', 'zh', 0)",
            [(uid, name) for uid, name, _ in rows],
        )
        await storage.db.executemany(
            "INSERT INTO memberships(team_id, telegram_id, role, unit, joined_at)"
            " VALUES (?, ?, 'member', '县直单位', 0)",
            [(team_id, uid) for uid, _, team_id in rows],
        )
    return [uid for uid, _, _ in rows]


# -- the running bot -------------------------------------------------------------------------


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _replies(session: aiohttp.ClientSession, emu: Emulator, mark: int) -> int:
    async with session.get(emu.control + "/stats", params={"since": mark, "summary": "1"}) as r:
        return int((await r.json())["replies"])


async def start_and_idle(env: dict[str, str], emu: Emulator, member: int, quiet: float) -> dict:
    async with aiohttp.ClientSession() as session:
        body = {"user_ids": [member], "latitude": 27.0, "longitude": 110.0, "accuracy": 10.0}
        async with session.post(emu.control + "/burst", json=body) as r:
            mark = int((await r.json())["mark"])
        log = tempfile.TemporaryFile()
        started = time.perf_counter()
        bot = await asyncio.create_subprocess_exec(
            *OUTPOST, "run", cwd=ROOT, env=env, stderr=log, stdout=subprocess.DEVNULL
        )
        try:
            while await _replies(session, emu, mark) == 0:
                if bot.returncode is not None or time.perf_counter() - started > 600:
                    log.seek(0)
                    raise SystemExit(f"the bot never answered:\n{log.read().decode()[-2000:]}")
                await asyncio.sleep(0.05)
            first_answer = time.perf_counter() - started
            # Start-up work (the catch-up pass) settles: no new message for 3 s.
            last, since = -1, time.perf_counter()
            while time.perf_counter() - since < 3:
                now = await _replies(session, emu, mark)
                if now != last:
                    last, since = now, time.perf_counter()
                await asyncio.sleep(0.5)
            cpu0, t0 = _cpu_s(bot.pid), time.perf_counter()
            await asyncio.sleep(quiet)
            cpu_share = (_cpu_s(bot.pid) - cpu0) / (time.perf_counter() - t0)
            rss = _rss_mb(bot.pid)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except TimeoutError:
                bot.kill()
        log.seek(0)
        text = log.read().decode(errors="replace")
        found = re.search(r"scheduler: (\d+) teams at (\d+) slots, (\d+) jobs", text)
        return {
            "first_answer_s": first_answer,
            "rss_mb": rss,
            "idle_cpu": cpu_share,
            "startup_messages": last,
            "jobs": found.group(3) if found else "?",
            "slots": found.group(2) if found else "?",
        }


async def morning(db: Path, emu: Emulator, members: int, limit: float) -> dict:
    """Every team's check-in reminder at once, as the slot jobs send it: one fan-out."""
    emu.ask("limit", limit)
    before = Counter(emu.ask("report")["ok"])
    settings = Settings(token=TOKEN, api_base_url=emu.base_url, db_path=db, rate_limit_per_s=limit)
    app = build_application(settings)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)  # opens storage (the JobQueue itself is never started here)
    ctx: AppContext = app.bot_data["outpost"]
    team_ids = [t.id for t in await ctx.storage.teams.all()]
    # Let the rate limiter's bucket start from rest, as it would at 07:00.
    await asyncio.sleep(1.5)
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=7, minute=10)
    started = time.perf_counter()
    results = await send_member_notices(ctx, app.bot, team_ids, Kind.CHECKIN_REMINDER, now)
    elapsed = time.perf_counter() - started
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    report = emu.ask("report")
    sent = sum(len(r.sent) for r in results.values())
    duplicated = sum(max(0, c - before[chat] - 1) for chat, c in report["ok"].items())
    return {
        "elapsed": elapsed,
        "floor": members / limit,
        "sent": sent,
        "dup": duplicated,
        "rejected": report["rejected_429"],
    }


async def scale(teams: int, members: int, quiet: float, limit: float | None) -> dict:
    print(f"\n== {teams} teams, {members} members ==")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "outpost.db"
        teams_xlsx, members_csv = write_sheets(folder, teams, members)
        env = {
            **os.environ,
            "OUTPOST_DB": str(db),
            "OUTPOST_TZ": "Asia/Shanghai",
            "OUTPOST_LOG_LEVEL": "INFO",
            "TELEGRAM_BOT_TOKEN": TOKEN,
        }
        run_cli(["team", "import", str(teams_xlsx)], env)
        run_cli(["team", "import", str(teams_xlsx)], env)  # again: unchanged
        run_cli(["member", "import", str(members_csv)], env)
        user_ids = await enroll(db, members, teams)
        emu = Emulator(user_ids)
        try:
            env["TELEGRAM_API_BASE_URL"] = emu.base_url
            figures = await start_and_idle(env, emu, user_ids[0], quiet)
            print(f"  first answer      {figures['first_answer_s']:7.2f} s")
            print(f"  scheduler         {figures['jobs']} jobs ({figures['slots']} slots)")
            print(f"  resident memory   {figures['rss_mb']:7.1f} MB")
            print(
                f"  idle CPU          {figures['idle_cpu'] * 100:7.2f} % of a core over"
                f" {quiet:g} s (after {figures['startup_messages']} start-up messages)"
            )
            if limit:
                m = await morning(db, emu, members, limit)
                print(
                    f"  morning reminders {m['sent']} in {m['elapsed']:.2f} s, floor"
                    f" {m['floor']:.2f} s: {m['elapsed'] / m['floor']:.3f} x (bar 1.15);"
                    f" duplicated {m['dup']}, 429s {m['rejected']}"
                )
        finally:
            emu.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", default=["2300:4500", "20000:39000"])
    parser.add_argument("--quiet", type=float, default=60.0, help="seconds of idle measured")
    parser.add_argument("--limit", type=float, default=300.0, help="emulator msg/s for reminders")
    parser.add_argument("--skip-reminders", action="store_true")
    args = parser.parse_args()
    results = []
    for i, spec in enumerate(args.scales):
        teams, members = (int(x) for x in spec.split(":"))
        limit = None if args.skip_reminders or i else args.limit
        results.append((teams, asyncio.run(scale(teams, members, args.quiet, limit))))
    if len(results) > 1:
        (t0, a), (t1, b) = results[0], results[-1]
        print(f"\nmemory {t1} vs {t0} teams: {b['rss_mb'] / a['rss_mb']:.2f} x (bar 2)")


if __name__ == "__main__":
    main()
