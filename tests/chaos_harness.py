"""The chaos run shared by tests/test_chaos.py and bench/chaos.py.

The bot runs as a separate process (`python -m bot.cli run`) against the emulator running in
this process; members flood it with check-ins and free text while it is killed with SIGKILL
at random moments and restarted. Afterwards storage is compared with what the emulator
delivered and what the bot said.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.config import Settings
from bot.context import AppContext
from bot.emulator import BotApiEmulator
from bot.emulator.schema import Schema
from bot.i18n import t
from bot.rules.geo import Datum
from bot.services.teams import TeamDraft, create_team
from storage import Storage

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "tests" / "data" / "bot_api_subset.json"
TOKEN = "424242:CHAOS-token"
SITE = (30.1674, 120.2589)
FIRST_MEMBER = 5_000_000
DIARY_LINES = (
    "Checked the irrigation pumps in the east fields",
    "Met the village committee about the road",
    "Visited three households, all well",
    "今天走访了五户农户，情况良好",
)


@dataclass
class ChaosReport:
    members: int
    pushed: int
    delivered: int
    stored: int
    duplicated_rows: int
    lost: int
    accepted: int
    unconfirmed: int
    repeated_confirmations: int
    repeated_text_replies: int
    kills: int
    window: int
    integrity: str
    restarts_ok: bool
    seconds: float
    kill_points: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"members                 {self.members}",
            f"updates pushed          {self.pushed}",
            f"delivered               {self.delivered}",
            f"stored                  {self.stored}",
            f"duplicated rows         {self.duplicated_rows}",
            f"lost                    {self.lost}",
            f"accepted check-ins      {self.accepted}",
            f"unconfirmed             {self.unconfirmed}",
            f"repeated confirmations  {self.repeated_confirmations}"
            f" (kills {self.kills} x window {self.window} = bound {self.kills * self.window})",
            f"repeated text replies   {self.repeated_text_replies}",
            f"kills (after n sends)   {self.kill_points}",
            f"integrity_check         {self.integrity}",
            f"seconds                 {self.seconds:.1f}",
        ]


def morning_timezone(now: datetime) -> str:
    """A fixed-offset zone where it is about 07:00 now, so check-ins are on time today."""
    offset = (7 - now.astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    if offset == 0:
        return "Etc/GMT"
    # POSIX sign: Etc/GMT-8 is UTC+8.
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


async def prepare(db_path: Path | str, members: int) -> int:
    """A team and its members, written straight into storage (joining is tested elsewhere)."""
    settings = Settings(token=TOKEN, db_path=db_path)
    async with Storage(db_path) as storage:
        ctx = AppContext(settings=settings, storage=storage, clock=SystemClock())
        tz = morning_timezone(datetime.now(UTC))
        team = await create_team(
            ctx, TeamDraft("Chaos", SITE[0], SITE[1], Datum.WGS84, 300, tz), actor_id=None
        )
        now = time.time()
        for i in range(members):
            uid = FIRST_MEMBER + i
            await storage.people.ensure(uid, now=now)
            await storage.people.set_profile(uid, name=f"Member {i}", unit="Unit")
            await storage.people.join(uid, team.id, "member", unit="Unit", code="-", now=now)
        return team.id


def _bot_env(emu: BotApiEmulator, db_path: Path | str, window: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTPOST_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emu.base_url,
        OUTPOST_DB=str(db_path),
        OUTPOST_RATE_LIMIT="100000",
        OUTPOST_CONFIRM_WINDOW=str(window),
        OUTPOST_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


async def _start_bot(env: dict[str, str], log: Any) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=str(ROOT), env=env, stdout=log, stderr=log
    )


def _sends(emu: BotApiEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "sendMessage" and r.status == 200)


async def _wait_sends(emu: BotApiEmulator, target: int, proc: Any, deadline: float) -> None:
    while _sends(emu) < target and proc.returncode is None and time.monotonic() < deadline:
        await emu.changed(0.5)


async def run_chaos(
    workdir: Path,
    *,
    members: int,
    kills: int,
    seed: int = 1,
    budget_s: float = 50.0,
    window: int = 8,
    db: Path | str | None = None,
) -> ChaosReport:
    """`window`: the bot's confirmation window (OUTPOST_CONFIRM_WINDOW), so that a kill may
    repeat at most that many confirmations."""
    started = time.monotonic()
    rng = random.Random(seed)
    db_path = db or workdir / "chaos.db"
    await prepare(db_path, members)
    emu = BotApiEmulator(schema=Schema.load(SCHEMA_PATH), token=TOKEN, seed=seed)
    await emu.start()
    log = (workdir / "bot.log").open("ab")
    locations: set[int] = set()
    texts: set[int] = set()
    try:
        users = [emu.user(FIRST_MEMBER + i, f"M{i}") for i in range(members)]
        # The burst: every member shares a location and writes a line, in a shuffled order.
        actions = [(u, "loc") for u in users] + [(u, "text") for u in users]
        rng.shuffle(actions)
        for user, kind in actions:
            if kind == "loc":
                north = rng.uniform(-150, 150)
                msg = user.send_location(SITE[0] + north / 111_320, SITE[1], accuracy=20)
                locations.add(_update_id_of(emu, msg))
            else:
                msg = user.send_text(rng.choice(DIARY_LINES))
                texts.add(_update_id_of(emu, msg))
        last_update = max(locations | texts)
        env = _bot_env(emu, db_path, window)
        deadline = started + budget_s
        # Kill at random points of the burst: after a random number of further replies.
        span = max(2, 2 * members // (kills + 1))
        kill_points, restarts_ok = await kill_and_finish(
            emu, env, log, rng, kills=kills, span=span, last_update=last_update, deadline=deadline
        )
        return await _report(
            emu,
            db_path,
            members,
            locations,
            texts,
            (kills, window),
            kill_points,
            restarts_ok,
            started,
        )
    finally:
        log.close()
        await emu.stop()


async def kill_and_finish(
    emu: BotApiEmulator,
    env: dict[str, str],
    log: Any,
    rng: random.Random,
    *,
    kills: int,
    span: int,
    last_update: int,
    deadline: float,
) -> tuple[list[int], bool]:
    """Run the bot, SIGKILL it `kills` times (each after 1..span further replies) and start it
    again, let it finish every update, then stop it. Returns where the kills fell (replies
    sent so far) and whether every start and the final stop went well."""
    kill_points: list[int] = []
    restarts_ok = True
    proc = await _start_bot(env, log)
    for _ in range(kills):
        await _wait_sends(emu, _sends(emu) + rng.randint(1, span), proc, deadline)
        await asyncio.sleep(rng.uniform(0, 0.02))
        kill_points.append(_sends(emu))
        if proc.returncode is not None:
            restarts_ok = False
        else:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        proc = await _start_bot(env, log)
    while emu.confirmed_update_id < last_update and time.monotonic() < deadline:
        await emu.changed(0.5)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = await asyncio.wait_for(proc.wait(), 15)
    except TimeoutError:
        proc.kill()
        rc = await proc.wait()
    return kill_points, restarts_ok and rc == 0


def _update_id_of(emu: BotApiEmulator, msg: dict[str, Any]) -> int:
    # Actors return the message; the update carrying it was the last one queued.
    update = emu.updates._q[-1]
    assert update.get("message", {}).get("message_id") == msg["message_id"]
    return int(update["update_id"])


async def _report(
    emu: BotApiEmulator,
    db_path: Path | str,
    members: int,
    locations: set[int],
    texts: set[int],
    kills_and_window: tuple[int, int],
    kill_points: list[int],
    restarts_ok: bool,
    started: float,
) -> ChaosReport:
    delivered = {int(u["update_id"]) for u in emu.delivered_updates}
    async with Storage(db_path) as storage:
        db = storage.db
        rows = await db.fetchall("SELECT update_id, count(*) AS n FROM checkins GROUP BY update_id")
        per_update = {r["update_id"]: r["n"] for r in rows}
        processed = {r[0] for r in await db.fetchall("SELECT update_id FROM processed_updates")}
        accepted_by = [
            r[0] for r in await db.fetchall("SELECT telegram_id FROM checkins WHERE accepted = 1")
        ]
        days = await db.fetchall(
            "SELECT telegram_id, count(*) AS n FROM attendance_days GROUP BY telegram_id"
        )
        integrity = await db.integrity_check()
    # A check-in is stored once per location update; every other update leaves its id.
    stored_checkins = sum(min(n, 1) for uid, n in per_update.items() if uid in locations)
    stored_texts = len(texts & processed)
    duplicated = sum(n - 1 for n in per_update.values() if n > 1)
    duplicated += sum(1 for uid in per_update if uid not in locations)
    duplicated += sum(r["n"] - 1 for r in days if r["n"] > 1)
    lost = len(locations - set(per_update)) + len((locations | texts) - processed)
    confirmations: dict[int, int] = {}
    text_replies: dict[int, int] = {}
    # Free text from a member is kept and asked about as a diary entry; how many of those
    # questions were sent twice is reported (a kill between sending and recording).
    asked = t("en", "diary.ask", n=0).split("(")[0]
    for r in emu.requests:
        if r.method != "sendMessage" or r.status != 200:
            continue
        chat = int(r.params["chat_id"])
        if str(r.params.get("text", "")).startswith(asked):
            text_replies[chat] = text_replies.get(chat, 0) + 1
        elif str(r.params.get("text", "")).startswith("✅"):
            confirmations[chat] = confirmations.get(chat, 0) + 1
    unconfirmed = sum(1 for uid in accepted_by if confirmations.get(uid, 0) == 0)
    repeated = sum(max(0, confirmations.get(uid, 0) - 1) for uid in accepted_by)
    return ChaosReport(
        members=members,
        pushed=len(locations | texts),
        delivered=len(delivered),
        stored=stored_checkins + stored_texts,
        duplicated_rows=duplicated,
        lost=lost,
        accepted=len(accepted_by),
        unconfirmed=unconfirmed,
        repeated_confirmations=repeated,
        repeated_text_replies=sum(max(0, n - 1) for n in text_replies.values()),
        kills=kills_and_window[0],
        window=kills_and_window[1],
        integrity=str(integrity),
        restarts_ok=restarts_ok,
        seconds=time.monotonic() - started,
        kill_points=kill_points,
    )
