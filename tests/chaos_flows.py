"""Chaos in the middle of conversations (issue 11), shared by tests/test_chaos.py and
bench/chaos.py --flows.

Five conversations run at once, every answer queued up front, while the bot process is
killed with SIGKILL at random moments and restarted, so most kills land between one step and
the next:

- join: /start <code>, name, unit;
- leave: /leave, type, first day, last day, reason, send;
- /newteam (admins): name, typed site, radius, timezone, check-in time, cutoff, confirm;
- /diary (members): open, two entries, /done, then a loose line kept and confirmed as a
  diary entry ("is this a diary entry?" → yes);
- /export (admins): typed range, team typed by name, format.

Each answer is distinct per person and per field, so one that lands in another field shows.
Afterwards: every row as typed, once (none lost, none doubled); every export run with the
options chosen (a run cut short by a kill runs again: counted, not wrong); the diary question
asked once per loose line, again only where a kill fell between sending it and recording it
(as for every confirmation); nobody left inside a flow.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import SystemClock
from bot.config import Settings
from bot.context import AppContext
from bot.emulator import BotApiEmulator, UserActor
from bot.emulator.schema import Schema
from bot.i18n import t
from bot.services.teams import create_invite
from storage import Storage
from storage.db import Database
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
# The bot's confirmation window: a kill between sending a message recorded once sent (the
# diary question) and recording it repeats it, at most this many per kill (bot/delivery.py).
WINDOW = 8
FIRST_ADMIN = 7_000_000
FIRST_EXPORTER = 7_100_000
TEAM = "Chaos"  # the team prepare() makes; exports name it
TIMEZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Tokyo", "Europe/Berlin")
Step = Callable[[], Any]


@dataclass(frozen=True)
class Cast:
    """How many people take each conversation."""

    joiners: int = 0
    leavers: int = 0
    newteams: int = 0
    diarists: int = 0
    exporters: int = 0

    @property
    def members(self) -> int:
        return self.leavers + self.diarists

    @property
    def admins(self) -> list[int]:
        return [FIRST_ADMIN + i for i in range(self.newteams)] + [
            FIRST_EXPORTER + i for i in range(self.exporters)
        ]

    @property
    def steps(self) -> int:
        return (
            3 * self.joiners
            + 6 * self.leavers
            + 8 * self.newteams
            + 6 * self.diarists
            + 5 * self.exporters
        )


@dataclass
class FlowChaosReport:
    cast: Cast
    kills: int
    kill_points: list[int]
    database: str = "SQLite"
    right: dict[str, int] = field(default_factory=dict)
    wrong_fields: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    left_in_a_flow: int = 0
    diary_questions: int = 0
    diary_questions_repeated: int = 0
    exports_run: int = 0
    restarts_ok: bool = True
    seconds: float = 0.0

    @property
    def questions_within_bound(self) -> bool:
        return self.diary_questions_repeated <= self.kills * WINDOW

    @property
    def all_right(self) -> bool:
        c = self.cast
        want = {
            "join": c.joiners,
            "leave": c.leavers,
            "newteam": c.newteams,
            "diary": c.diarists,
            "export": c.exporters,
        }
        return all(self.right.get(k, 0) == n for k, n in want.items())

    def lines(self) -> list[str]:
        c, r = self.cast, self.right
        return [
            f"database                 {self.database}",
            f"joins (3 steps)          {c.joiners}, name and unit as typed {r.get('join', 0)}",
            f"leaves (6 steps)         {c.leavers}, days and reason as typed, once"
            f" {r.get('leave', 0)}",
            f"/newteam (8 steps)       {c.newteams}, name/site/radius/tz/time/cutoff as typed,"
            f" once {r.get('newteam', 0)}",
            f"/diary (6 steps)         {c.diarists}, each line once on today's page"
            f" {r.get('diary', 0)}",
            f"/export (5 steps)        {c.exporters}, run with the range/team/format chosen"
            f" {r.get('export', 0)} (runs {self.exports_run}: a kill mid-export runs it again)",
            f"answers in a wrong field {len(self.wrong_fields)} {self.wrong_fields[:3]}",
            f"rows lost                {len(self.lost)} {self.lost[:3]}",
            f"rows duplicated          {len(self.duplicated)} {self.duplicated[:3]}",
            f"left inside a flow       {self.left_in_a_flow}",
            f"'diary entry?' asked     {self.diary_questions} (want {c.diarists}),"
            f" repeated {self.diary_questions_repeated} (a kill between sending and recording;"
            f" bound kills {self.kills} x window {WINDOW} = {self.kills * WINDOW})",
            f"kills (after n sends)    {self.kill_points}",
            f"seconds                  {self.seconds:.1f}",
        ]


def _today(tz: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(tz)).date()


def _leave_days(tz: str, i: int) -> tuple[date, date]:
    first = _today(tz) + timedelta(days=10 + i % 7)
    return first, first + timedelta(days=1 + i % 3)


def _newteam_answers(i: int) -> dict[str, Any]:
    """Answers no other field would accept as its own: a site is two numbers, a radius one,
    a time has a colon, a timezone a slash, a name a word."""
    return {
        "name": f"Outpost {i}",
        "lat": round(30.1 + i / 10_000, 4),
        "lon": round(120.2 + i / 10_000, 4),
        "radius": 100 + i % 2000,
        "tz": TIMEZONES[i % len(TIMEZONES)],
        "time": f"08:{i % 60:02d}",
        "cutoff": f"11:{i % 60:02d}",
    }


def _export_range(i: int) -> tuple[str, str]:
    return "2026-10-01", f"2026-10-{10 + i % 20:02d}"


def _diary_lines(i: int) -> tuple[str, str, str]:
    return f"Diary {i} morning", f"Diary {i} afternoon", f"Loose note {i}"


def _scripts(emu: BotApiEmulator, cast: Cast, code: str, tz: str) -> list[list[Step]]:
    scripts: list[list[Step]] = []
    for i in range(cast.joiners):
        scripts.append(_join_script(emu.user(FIRST_JOINER + i, f"J{i}"), code, i))
    for i in range(cast.leavers):
        scripts.append(_leave_script(emu.user(FIRST_MEMBER + i, f"M{i}"), *_leave_days(tz, i), i))
    for i in range(cast.newteams):
        scripts.append(_newteam_script(emu.user(FIRST_ADMIN + i, f"A{i}"), _newteam_answers(i)))
    for i in range(cast.diarists):
        u = emu.user(FIRST_MEMBER + cast.leavers + i, f"D{i}")
        scripts.append(_diary_script(u, _diary_lines(i), _today(tz)))
    for i in range(cast.exporters):
        u = emu.user(FIRST_EXPORTER + i, f"E{i}")
        scripts.append(_export_script(u, _export_range(i)))
    return scripts


def _join_script(u: UserActor, code: str, i: int) -> list[Step]:
    return [
        lambda: u.send_command("start", code),
        lambda: u.send_text(f"Joiner {i}"),
        lambda: u.send_text(f"Unit {i}"),
    ]


def _leave_script(u: UserActor, first: date, last: date, i: int) -> list[Step]:
    return [
        lambda: u.send_command("leave"),
        lambda: u.press_raw("lv:type:personal"),
        lambda: u.send_text(first.isoformat()),
        lambda: u.send_text(last.isoformat()),
        lambda: u.send_text(f"Reason {i}"),
        lambda: u.press_raw("lv:ok"),
    ]


def _newteam_script(u: UserActor, a: dict[str, Any]) -> list[Step]:
    return [
        lambda: u.send_command("newteam"),
        lambda: u.send_text(a["name"]),
        lambda: u.send_text(f"{a['lat']} {a['lon']}"),
        lambda: u.send_text(str(a["radius"])),
        lambda: u.send_text(a["tz"]),
        lambda: u.send_text(a["time"]),
        lambda: u.send_text(a["cutoff"]),
        lambda: u.press_raw("nt:confirm"),
    ]


def _diary_script(u: UserActor, lines: tuple[str, str, str], today: date) -> list[Step]:
    return [
        lambda: u.send_command("diary"),
        lambda: u.send_text(lines[0]),
        lambda: u.send_text(lines[1]),
        lambda: u.send_command("done"),
        lambda: u.send_text(lines[2]),
        lambda: u.press_raw(f"di:yes:{today.isoformat()}"),
    ]


def _export_script(u: UserActor, days: tuple[str, str]) -> list[Step]:
    return [
        lambda: u.send_command("export"),
        lambda: u.press_raw("ex:r:typed"),
        lambda: u.send_text(f"{days[0]} {days[1]}"),
        lambda: u.send_text(TEAM),
        lambda: u.press_raw("ex:f:csv"),
    ]


async def run_flow_chaos(
    workdir: Path,
    *,
    cast: Cast,
    kills: int,
    seed: int = 1,
    budget_s: float = 60,
    db: Path | str | None = None,
) -> FlowChaosReport:
    """`db`: the database (a SQLite file or a PostgreSQL URL), else SQLite in `workdir`."""
    started = time.monotonic()
    rng = random.Random(seed)
    target: Path | str = db or workdir / "flows.db"
    team_id = await prepare(target, cast.members)
    async with Storage(target) as storage:
        ctx = AppContext(Settings(token=TOKEN, db_path=target), storage, SystemClock())
        team = await storage.teams.get(team_id)
        assert team is not None and team.name == TEAM
        invite = await create_invite(ctx, team, "member", actor_id=None, max_uses=None)
    tz = morning_timezone(datetime.now(UTC))
    emu = BotApiEmulator(schema=Schema.load(SCHEMA_PATH), token=TOKEN, seed=seed)
    await emu.start()
    log = (workdir / "bot.log").open("ab")
    try:
        scripts = _scripts(emu, cast, invite.code, tz)
        # Interleave the people; each one's answers stay in order.
        while any(scripts):
            script = rng.choice([s for s in scripts if s])
            script.pop(0)()
        last_update = emu.updates.next_id - 1
        env = _bot_env(emu, target, window=WINDOW)
        env["OUTPOST_ADMINS"] = ",".join(str(a) for a in cast.admins)
        span = max(2, cast.steps // (kills + 1))
        kill_points, restarts_ok = await kill_and_finish(
            emu,
            env,
            log,
            rng,
            kills=kills,
            span=span,
            last_update=last_update,
            deadline=started + budget_s,
        )
        database = "PostgreSQL" if isinstance(target, str) else "SQLite"
        report = FlowChaosReport(cast, kills, kill_points, database)
        async with Storage(target) as storage:
            await _judge(report, storage.db, tz)
        _count_diary_questions(report, emu)
        report.restarts_ok = restarts_ok
        report.seconds = time.monotonic() - started
        return report
    finally:
        log.close()
        await emu.stop()


async def _judge(report: FlowChaosReport, db: Database, tz: str) -> None:
    cast = report.cast
    await _judge_joins(report, db, cast)
    await _judge_leaves(report, db, cast, tz)
    await _judge_newteams(report, db, cast)
    await _judge_diaries(report, db, cast, _today(tz))
    await _judge_exports(report, db, cast)
    report.left_in_a_flow = len(await db.fetchall("SELECT 1 FROM flow_state"))


def _tally(report: FlowChaosReport, kind: str, who: str, got: list[Any], want: Any) -> None:
    """One person's rows of a kind against the one row they typed."""
    if got == [want]:
        report.right[kind] = report.right.get(kind, 0) + 1
        return
    if any(g != want for g in got):
        report.wrong_fields.append(f"{who}: {got}")
    if not got:
        report.lost.append(who)
    elif len(got) > 1 and all(g == want for g in got):
        report.duplicated.append(f"{who}: {len(got)} rows")


async def _judge_joins(report: FlowChaosReport, db: Database, cast: Cast) -> None:
    for i in range(cast.joiners):
        rows = await db.fetchall(
            "SELECT p.name, m.unit FROM people p JOIN memberships m ON m.telegram_id ="
            " p.telegram_id WHERE p.telegram_id = ?",
            (FIRST_JOINER + i,),
        )
        got = [(r["name"], r["unit"]) for r in rows]
        _tally(report, "join", f"joiner {i}", got, (f"Joiner {i}", f"Unit {i}"))


async def _judge_leaves(report: FlowChaosReport, db: Database, cast: Cast, tz: str) -> None:
    for i in range(cast.leavers):
        first, last = _leave_days(tz, i)
        rows = await db.fetchall(
            "SELECT leave_type, first_day, last_day, reason FROM requests WHERE telegram_id = ?",
            (FIRST_MEMBER + i,),
        )
        got = [tuple(r) for r in rows]
        want = ("personal", first.isoformat(), last.isoformat(), f"Reason {i}")
        _tally(report, "leave", f"leave {i}", got, want)


async def _judge_newteams(report: FlowChaosReport, db: Database, cast: Cast) -> None:
    rows = await db.fetchall(
        "SELECT t.name, s.entered_lat, s.entered_lon, s.radius_m, t.timezone, c.on_time,"
        " c.cutoff FROM teams t JOIN sites s ON s.team_id = t.id"
        " JOIN schedules c ON c.team_id = t.id WHERE t.name <> ?",
        (TEAM,),
    )
    made = [tuple(r) for r in rows]
    wanted = set()
    for i in range(cast.newteams):
        a = _newteam_answers(i)
        want = (a["name"], a["lat"], a["lon"], a["radius"], a["tz"], a["time"], a["cutoff"])
        wanted.add(want)
        got = [m for m in made if m[0] == a["name"]]
        _tally(report, "newteam", f"newteam {i}", got, want)
    # A team named by another answer (a radius taken as a name) is a wrong field too.
    names = {w[0] for w in wanted}
    report.wrong_fields += [f"team {m}" for m in made if m[0] not in names]


async def _judge_diaries(report: FlowChaosReport, db: Database, cast: Cast, today: date) -> None:
    for i in range(cast.diarists):
        rows = await db.fetchall(
            "SELECT text, local_day FROM diary_entries WHERE telegram_id = ? ORDER BY id",
            (FIRST_MEMBER + cast.leavers + i,),
        )
        got = sorted((r["text"], r["local_day"]) for r in rows)
        want = sorted((line, today.isoformat()) for line in _diary_lines(i))
        _tally(report, "diary", f"diary {i}", [got] if got else [], want)


async def _judge_exports(report: FlowChaosReport, db: Database, cast: Cast) -> None:
    team = await db.fetchone("SELECT id FROM teams WHERE name = ?", (TEAM,))
    for i in range(cast.exporters):
        rows = await db.fetchall(
            "SELECT after FROM audit WHERE action = 'export' AND actor_id = ?",
            (FIRST_EXPORTER + i,),
        )
        runs = [json.loads(r["after"]) for r in rows]
        got = [(r["from"], r["to"], r["team_id"], r["format"]) for r in runs]
        want = (*_export_range(i), team["id"], "csv")
        report.exports_run += len(got)
        # Run again after a kill mid-export is how the wizard is made safe: not a duplicate.
        _tally(report, "export", f"export {i}", sorted(set(got)), want)


def _count_diary_questions(report: FlowChaosReport, emu: BotApiEmulator) -> None:
    asked = t("en", "diary.ask", n=0).split("(")[0]
    per_chat: dict[int, int] = {}
    for r in emu.requests:
        if r.method == "sendMessage" and str(r.params.get("text", "")).startswith(asked):
            chat = int(r.params["chat_id"])
            per_chat[chat] = per_chat.get(chat, 0) + 1
    report.diary_questions = sum(per_chat.values())
    report.diary_questions_repeated = sum(n - 1 for n in per_chat.values() if n > 1)
