"""`outpost demo`: a scripted week of a small team, played against the built-in emulator.

No token, no network: the emulator is Telegram, a FixedClock is time. The real bot runs
unchanged; the script acts as the people, calls the scheduled jobs at their moments, and
prints what everyone saw as a transcript. The database and exports stay in a folder.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import logging
import sys
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from psycopg.conninfo import conninfo_to_dict

from bot.app import build_application, polling
from bot.cli import COMMANDS, build_parser
from bot.clock import FixedClock
from bot.config import Settings, is_postgres
from bot.context import AppContext
from bot.emulator import BotApiEmulator, UserActor
from bot.rules.geo import Datum
from bot.services.compliance import send_monthly_compliance
from bot.services.reminders import (
    send_checkin_reminders,
    send_deadline_nudges,
    send_diary_reminders,
)
from bot.services.rollcall import close_rollcall
from bot.services.slot_runs import run_slot
from bot.services.summary import send_supervisor_summaries
from bot.services.teams import TeamDraft, create_invite, create_team
from storage import Storage
from storage.transfer import counts

TZ = "Asia/Shanghai"
SITE = (30.1674, 120.2589)
DEMO_TOKEN = "100200300:DEMO-no-network"
ADMIN_ID = 5001
# A 1×1 PNG stands in for a member's photo of their work.
DEMO_PHOTO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def north_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    return lat + metres / 111_320.0, lon


@dataclass
class Transcript:
    """What people did and what the bot said, in order, readable."""

    emu: BotApiEmulator
    names: dict[int, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    _seen: int = 0
    echo: bool = True

    def say(self, line: str) -> None:
        self.lines.append(line)
        if self.echo:
            print(line, flush=True)

    def heading(self, text: str) -> None:
        self.say("")
        self.say(f"── {text} " + "─" * max(0, 70 - len(text)))

    def user(self, who: UserActor, action: str) -> None:
        self.say(f"  {self.names.get(who.id, who.id)} → bot: {action}")

    def flush_bot(self) -> None:
        for rec in self.emu.requests[self._seen :]:
            line = self._render(rec.method, rec.params)
            if line:
                self.say(line)
        self._seen = len(self.emu.requests)

    def _render(self, method: str, p: dict[str, Any]) -> str | None:
        to = self.names.get(_int(p.get("chat_id")), str(p.get("chat_id")))
        if method == "sendMessage":
            body = textwrap.indent(str(p.get("text", "")), " " * 6).strip()
            buttons = _buttons(p.get("reply_markup"))
            return f"  bot → {to}: {body}" + (f"\n      {buttons}" if buttons else "")
        if method == "editMessageText":
            return f"  bot ✎ {to}: {textwrap.indent(str(p.get('text', '')), ' ' * 6).strip()}"
        if method == "sendLocation":
            return f"  bot → {to}: [map pin {p.get('latitude')}, {p.get('longitude')}]"
        if method in ("sendDocument", "sendPhoto"):
            return f"  bot → {to}: [{method.removeprefix('send').lower()} {p.get('caption') or ''}]"
        if method == "answerCallbackQuery" and p.get("text"):
            return f"  bot (popup): {p['text']}"
        return None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _buttons(markup: Any) -> str:
    if not isinstance(markup, dict):
        return ""
    if markup.get("remove_keyboard"):
        return "⌨ (keyboard removed)"
    if "keyboard" in markup:  # the reply keyboard the person now sees
        return "⌨ " + " ".join(f"[{b.get('text')}]" for row in markup["keyboard"] for b in row)
    if "inline_keyboard" not in markup:
        return ""
    return " ".join(f"[{b.get('text')}]" for row in markup["inline_keyboard"] for b in row)


class DemoRefused(Exception):
    """The database named for the demo holds data of its own (one line for the user)."""


class Demo:
    def __init__(self, out: Path, *, echo: bool = True, db: str | None = None) -> None:
        """`db`: a PostgreSQL URL to play the week in; else a SQLite file in `out`."""
        self.out = out
        self.db = db
        self.clock = FixedClock(datetime(2026, 11, 23, 6, 0, tzinfo=ZoneInfo(TZ)))  # a Monday
        self.emu = BotApiEmulator(
            clock=lambda: self.clock.now().timestamp(),
            token=DEMO_TOKEN,
            bot_username="outpost_demo_bot",
        )
        self.transcript = Transcript(self.emu, echo=echo)
        self._ctx: AppContext | None = None
        self.app: Any = None

    # -- plumbing -------------------------------------------------------------------------

    @property
    def ctx(self) -> AppContext:
        assert self._ctx is not None, "the bot is not running yet"
        return self._ctx

    async def settle(self) -> None:
        """Wait until the bot has handled everything and gone quiet, then print it."""
        for _ in range(200):
            busy = await self.emu.changed(0.1)
            if not busy and self.emu.pending_updates_count == 0:
                break
        self.transcript.flush_bot()

    def at(self, day: date, hh: int, mm: int = 0, ss: int = 0) -> None:
        self.clock.set(datetime.combine(day, time(hh, mm, ss), tzinfo=ZoneInfo(TZ)))

    async def act(self, who: UserActor, action: str, do: Callable[[], Any]) -> Any:
        self.transcript.user(who, action)
        result = do()
        await self.settle()
        return result

    async def job(self, name: str, run: Callable[[], Awaitable[Any]]) -> None:
        self.transcript.say(f"  ⏰ {self.clock.now().astimezone(ZoneInfo(TZ)):%a %H:%M} {name}")
        await run()
        await self.settle()

    def person(self, user_id: int, name: str, lang: str = "en") -> UserActor:
        self.transcript.names[user_id] = name
        return self.emu.user(user_id, first_name=name.split()[0], language_code=lang)

    # -- the script -----------------------------------------------------------------------

    async def run(self) -> None:
        db: Path | str
        if self.db is None:
            self.out.mkdir(parents=True, exist_ok=True)
            db = self.out / "outpost.db"
            for stale in self.out.glob("outpost.db*"):
                stale.unlink()
        else:
            db = self.db
            await _refuse_unless_empty(db)
            self.out.mkdir(parents=True, exist_ok=True)
        async with self.emu:
            settings = Settings(
                token=DEMO_TOKEN,
                api_base_url=self.emu.base_url,
                db_path=db,
                media_dir=self.out / "media",
                admins=frozenset({ADMIN_ID}),
                timezone=TZ,
                rate_limit_per_s=1000,
            )
            self.app = build_application(settings, clock=self.clock)
            async with polling(self.app, poll_timeout=1):
                self._ctx = self.app.bot_data["outpost"]
                for step in self.script():
                    await step()
        self.transcript.heading("Left behind")
        self.transcript.say(f"  database: {_shown(db)}")
        for path in sorted(self.out.rglob("*")):
            if path.is_file() and not path.name.startswith("outpost.db"):
                self.transcript.say(f"  {path}")
        (self.out / "transcript.txt").write_text("\n".join(self.transcript.lines) + "\n", "utf-8")

    def script(self) -> list[Callable[[], Awaitable[None]]]:
        days = [lambda n=n: self.day(n) for n in range(5)]
        return [self.setup, *days, self.month_end, self.newcomers]

    async def setup(self) -> None:
        t = self.transcript
        t.heading("Monday: the administrator sets up Xiaoshan Village")
        admin = self.person(ADMIN_ID, "Admin Chen")
        draft = TeamDraft("Xiaoshan Village", SITE[0], SITE[1], Datum.WGS84, 300, TZ)
        self.team = await create_team(self.ctx, draft, actor_id=ADMIN_ID)
        t.say(
            f"  $ outpost team add 'Xiaoshan Village' --lat {SITE[0]} --lon {SITE[1]} --radius 300"
        )
        await self.act(admin, "/teams", lambda: admin.send_command("teams"))
        self.supervisor = await self.join(
            6001, "Zhang Supervisor", "supervisor", "County Agriculture Bureau"
        )
        self.members = [
            await self.join(7001, "Li Wei", "member", "County Water Bureau"),
            await self.join(7002, "王芳", "member", "县卫生局", lang="zh-hans"),
            await self.join(7003, "Sun Hao", "member", "Township Office"),
        ]

    async def join(
        self, uid: int, name: str, role: str, unit: str, lang: str = "en", team: Any = None
    ) -> UserActor:
        invite = await create_invite(self.ctx, team or self.team, role, actor_id=ADMIN_ID)
        who = self.person(uid, name, lang)
        await self.act(
            who,
            f"opens invite link (/start {invite.code[:6]}…)",
            lambda: who.send_command("start", invite.code),
        )
        await self.act(who, name, lambda: who.send_text(name))
        await self.act(who, unit, lambda: who.send_text(unit))
        return who

    async def day(self, n: int) -> None:
        day = date(2026, 11, 23) + timedelta(days=n)
        self.transcript.heading(f"{day:%A %d %B}")
        li, wang, sun = self.members
        bot, team_id = self.app.bot, self.team.id
        self.at(day, 7, 0)
        await self.job(
            "check-in reminder",
            lambda: send_checkin_reminders(self.ctx, bot, team_id, self.clock.now()),
        )
        if n != 4:  # Friday Li is on approved leave
            self.at(day, 7, 5 + n)
            await self.act(
                li,
                "📍 shares location at the site",
                lambda: li.send_location(*north_of(*SITE, 40 + 10 * n), accuracy=12),
            )
        if n == 1:
            self.at(day, 7, 20)
            await self.act(
                sun,
                "forwards a friend's location from the site",
                lambda: sun.forward_location(*SITE),
            )
        if n == 3:
            self.at(day, 7, 15)
            await self.act(
                wang,
                "📍 shares location 2.4 km away",
                lambda: wang.send_location(*north_of(*SITE, 2400), accuracy=25),
            )
            await self.act(wang, "在县城领种子", lambda: wang.send_text("在县城领种子"))
        else:
            self.at(day, 7, 12)
            await self.act(
                wang,
                "📍 shares live location",
                # Real GPS never lands on the same metre twice (a repeat is a spoof signal).
                lambda: wang.send_location(
                    *north_of(*SITE, 3 + 2.5 * n), live_period=900, accuracy=8
                ),
            )
        if n == 2:
            self.at(day, 7, 40, 1)
            await self.job(
                "deadline nudge",
                lambda: send_deadline_nudges(self.ctx, bot, team_id, self.clock.now()),
            )
            self.at(day, 8, 10)  # Sun oversleeps: late
        else:
            self.at(day, 7, 25)
        # Sun's "location" is the same pin every day, without a phone's accuracy: the
        # supervisor's summary lists it to look at (SPEC §6), never rejecting it.
        await self.act(sun, "📍 shares location", lambda: sun.send_location(*north_of(*SITE, 120)))
        if n == 0:
            await self.diary(day)
        if n == 1:
            await self.leave_requests(day)
        if n == 3:
            await self.rollcall(day)
        self.at(day, 20, 30)
        await self.job(
            "diary reminder", lambda: send_diary_reminders(self.ctx, bot, team_id, self.clock.now())
        )
        self.at(day, 21, 0)
        await self.job(
            "supervisor summary",
            lambda: send_supervisor_summaries(self.ctx, bot, team_id, self.clock.now()),
        )

    async def diary(self, day: date) -> None:
        li, wang, _ = self.members
        self.at(day, 17, 30)
        await self.act(li, "/diary", lambda: li.send_command("diary"))
        await self.act(
            li,
            "Cleared the irrigation ditch on the east field with 6 villagers.",
            lambda: li.send_text(
                "Cleared the irrigation ditch on the east field with 6 villagers."
            ),
        )
        await self.act(
            li,
            "[photo] East field ditch, after",
            lambda: li.send_photo(DEMO_PHOTO, caption="East field ditch, after"),
        )
        await self.act(li, "/done", lambda: li.send_command("done"))
        self.at(day, 18, 5)
        await self.act(
            wang,
            "走访了三户留守老人，测量血压。",
            lambda: wang.send_text("走访了三户留守老人，测量血压。"),
        )
        question = self.last_bot_message(wang)
        await self.act(wang, "[是]", lambda: wang.press(question, data=f"di:yes:{day}"))

    async def leave_requests(self, day: date) -> None:
        li, _, sun = self.members
        boss = self.supervisor
        friday, thursday = day + timedelta(days=3), day + timedelta(days=2)
        self.at(day, 12, 10)
        await self.act(li, "/leave", lambda: li.send_command("leave"))
        await self.press(li, "[Personal]", "lv:type:personal")
        await self.act(li, str(friday), lambda: li.send_text(str(friday)))
        await self.act(li, str(friday), lambda: li.send_text(str(friday)))
        await self.act(
            li,
            "Daughter's school meeting in town",
            lambda: li.send_text("Daughter's school meeting in town"),
        )
        await self.press(li, "[Send]", "lv:ok")
        request = self.last_bot_message(boss)
        await self.press(
            boss,
            "[Approve]",
            request["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
            message=request,
        )
        self.at(day, 12, 40)
        await self.act(sun, "/leave", lambda: sun.send_command("leave"))
        await self.press(sun, "[Sick]", "lv:type:sick")
        await self.act(sun, str(thursday), lambda: sun.send_text(str(thursday)))
        await self.act(sun, str(thursday), lambda: sun.send_text(str(thursday)))
        await self.act(sun, "Dentist", lambda: sun.send_text("Dentist"))
        await self.press(sun, "[Send]", "lv:ok")
        request = self.last_bot_message(boss)
        await self.press(
            boss,
            "[Reject]",
            request["reply_markup"]["inline_keyboard"][0][1]["callback_data"],
            message=request,
        )
        await self.act(
            boss,
            "The dentist in town opens Saturdays; please go then.",
            lambda: boss.send_text("The dentist in town opens Saturdays; please go then."),
        )

    async def rollcall(self, day: date) -> None:
        li, wang, _sun = self.members
        boss = self.supervisor
        self.at(day, 15, 0)
        await self.act(boss, "/rollcall", lambda: boss.send_command("rollcall"))
        self.at(day, 15, 8)
        await self.act(
            li,
            "📡 shares live location",
            lambda: li.send_location(*north_of(*SITE, 64), live_period=900, accuracy=9),
        )
        self.at(day, 15, 12)
        await self.act(
            wang,
            "📡 shares live location",
            lambda: wang.send_location(*north_of(*SITE, 1.5), live_period=900, accuracy=7),
        )
        self.transcript.say("  (Sun Hao does not answer)")
        self.at(day, 15, 31)
        for rollcall_id, _deadline in await self.ctx.storage.rollcalls.open_ids():

            async def close(rid: int = rollcall_id) -> None:
                await close_rollcall(self.ctx, self.app.bot, rid, self.clock.now())

            await self.job("roll call closes", close)
        # Sun's pin has come up to look at every day: the supervisor looks at his month.
        self.at(day, 16, 0)
        await self.act(boss, "/evidence Sun Hao", lambda: boss.send_command("evidence", "Sun Hao"))

    async def press(
        self, who: UserActor, label: str, data: str, message: dict[str, Any] | None = None
    ) -> None:
        message = message or self.last_bot_message(who)
        await self.act(who, f"presses {label}", lambda: who.press(message, data=data))

    def last_bot_message(self, who: UserActor) -> dict[str, Any]:
        return self.emu.sent_messages(who.id)[-1]

    async def month_end(self) -> None:
        self.transcript.heading("Tuesday 1 December: the monthly report")
        self.at(date(2026, 12, 1), 8, 0)
        await self.job(
            "monthly compliance",
            lambda: send_monthly_compliance(self.ctx, self.app.bot, team_id=self.team.id),
        )
        report = self.out / "report-2026-11.xlsx"
        await self.cli(["report", "month", "2026-11", "--out", str(report)])
        export = self.out / "export-2026-11-23_27.xlsx"
        await self.cli(
            [
                "export",
                "--from",
                "2026-11-23",
                "--to",
                "2026-11-27",
                "--format",
                "xlsx",
                "--out",
                str(export),
            ]
        )

    async def newcomers(self) -> None:
        """What used to trip a new deployment up (issue 13), now behaving: menus by role,
        alerts in a team with no supervisor, days before joining, a recall mid roll call."""
        t = self.transcript
        t.heading("Tuesday 1 December: a new team, seen by each role")
        admin, boss = self.emu.user(ADMIN_ID), self.supervisor
        self.at(date(2026, 12, 1), 9, 0)
        await self.act(boss, "/start", lambda: boss.send_command("start"))
        await self.act(admin, "/start", lambda: admin.send_command("start"))
        await self.act(admin, "📍 shares a location (by habit)", lambda: admin.send_location(*SITE))
        draft = TeamDraft("Hilltop", SITE[0] + 0.05, SITE[1], Datum.WGS84, 300, TZ)
        self.hilltop = await create_team(self.ctx, draft, actor_id=ADMIN_ID)
        t.say("  $ outpost team add Hilltop ...   (no supervisor yet)")
        zhou = await self.join(7004, "Zhou Min", "member", "Township Office", team=self.hilltop)
        t.heading("An out-of-area check-in where nobody supervises: the admins hear")
        self.at(date(2026, 12, 1), 9, 20)
        await self.act(
            zhou,
            "📍 shares location 3 km away",
            lambda: zhou.send_location(SITE[0] + 0.05 + 0.027, SITE[1], accuracy=15),
        )
        await self.act(zhou, "Bus broke down", lambda: zhou.send_text("Bus broke down"))
        t.heading("Before joining is 'not a member yet'")
        await self.act(
            admin, "/summary 2026-11-30", lambda: admin.send_command("summary", "2026-11-30")
        )
        await self.act(
            zhou, "/makeup 2026-11-30", lambda: zhou.send_command("makeup", "2026-11-30")
        )
        t.heading("A member recalled during a roll call is neither present nor absent")
        self.at(date(2026, 12, 1), 10, 0)
        await self.act(
            admin, "/rollcall Hilltop", lambda: admin.send_command("rollcall", "Hilltop")
        )
        await self.act(
            admin,
            f"/recall {zhou.id} Back to the township",
            lambda: admin.send_command("recall", f"{zhou.id} Back to the township"),
        )
        await self.press(admin, "[✅ Confirm]", "rc:ok")
        self.at(date(2026, 12, 1), 10, 5)
        await self.act(
            zhou,
            "📡 shares live location",
            lambda: zhou.send_location(SITE[0] + 0.05, SITE[1], live_period=900),
        )
        self.at(date(2026, 12, 1), 10, 31)
        for rollcall_id, _deadline in await self.ctx.storage.rollcalls.open_ids():

            async def close(rid: int = rollcall_id) -> None:
                await close_rollcall(self.ctx, self.app.bot, rid, self.clock.now())

            await self.job("roll call closes", close)
        t.heading("21:00: the summary of a team without a supervisor goes to the admins")
        self.at(date(2026, 12, 1), 21, 0)
        teams = [self.team.id, self.hilltop.id]
        await self.job(
            "summaries of both teams (one slot)",
            lambda: run_slot(self.ctx, self.app.bot, "summary", teams, self.clock.now()),
        )

    async def cli(self, argv: list[str]) -> None:
        """An admin's command line, run by the real CLI code against the demo's clock."""
        self.transcript.say("  $ outpost " + " ".join(argv))
        args = build_parser().parse_args(argv)
        command = COMMANDS[(args.command, getattr(args, "action", None))]
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            code = await command(self.ctx, args)
        for line in printed.getvalue().splitlines():
            self.transcript.say(f"    {line}")
        if code != 0:
            self.transcript.say(f"    (exit {code})")


async def _refuse_unless_empty(url: str) -> None:
    """A demo's teams, people and check-ins must never land among a deployment's own."""
    async with Storage(url) as storage:
        held = await counts(storage.db, ["teams", "people"])
    teams, people = held["teams"], held["people"]
    if teams or people:
        raise DemoRefused(
            f"{_shown(url)} already holds {teams} team(s) and {people} person(s);"
            " the demo plays its week in an empty one (e.g. createdb outpost_demo)"
        )


def _shown(db: Path | str) -> str:
    """The database as the transcript names it: a URL without its password."""
    if isinstance(db, Path):
        return str(db)
    return f"PostgreSQL database {conninfo_to_dict(db).get('dbname') or '(default)'}"


def main(out: str = "outpost-demo", echo: bool = True, db: str | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    # The demo's week runs in accelerated time: APScheduler sees every job as "missed by
    # days" and the update log forgets old ids as days pass; neither is news to a viewer.
    logging.getLogger().setLevel(logging.WARNING)
    for noisy in ("apscheduler", "telegram", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The demo's clock runs days in the past while the JobQueue runs on the wall clock, so
    # every job it schedules (a roll call's close) counts as "missed by N days"; the demo
    # runs those jobs itself at their simulated time.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.ERROR)
    path = Path(out)
    if path.exists() and not path.is_dir():
        print(
            f"outpost: --out {out!r} is not a folder; choose a folder with --out", file=sys.stderr
        )
        return 2
    if path.exists() and not (path / "transcript.txt").exists() and any(path.iterdir()):
        print(
            f"outpost: --out {out!r} exists and is not a demo folder; choose another with --out",
            file=sys.stderr,
        )
        return 2
    if db is not None and not is_postgres(db):
        print(
            "outpost: --db takes a postgresql:// URL (SQLite: the demo's file is in --out)",
            file=sys.stderr,
        )
        return 2
    demo = Demo(path, echo=echo, db=db)
    try:
        asyncio.run(demo.run())
    except DemoRefused as refused:
        print(f"outpost: {refused}", file=sys.stderr)
        return 2
    where = "transcript and exports" if db else "transcript, database and exports"
    print(f"\nDemo finished: {where} are in {path.resolve()}")
    return 0


__all__ = ["Demo", "main"]
