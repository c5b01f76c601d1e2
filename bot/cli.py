"""`outpost`: the one console command.

Errors are one line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.context import AppContext
from bot.fileperms import restrict_umask, warn_if_shared
from bot.logmask import install_token_mask, mask
from bot.rules.compliance import parse_month
from bot.rules.geo import DEFAULT_RADIUS_M, Datum, InvalidCoordinates
from bot.rules.schedule import parse_hhmm
from bot.services.teams import (
    ROLES,
    TeamChanges,
    TeamDraft,
    create_invite,
    create_team,
    invite_link,
    revoke_invite,
    update_team,
)
from storage import Storage
from storage.teams import DuplicateTeam

Command = Callable[[AppContext, argparse.Namespace], Awaitable[int]]


class CliError(Exception):
    """A problem the operator can fix; printed as one line."""


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"unknown timezone {value!r}") from exc
    return value


def _hhmm(value: str) -> str:
    try:
        return parse_hhmm(value).strftime("%H:%M")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a time HH:MM") from exc


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return int(value)


class _Parser(argparse.ArgumentParser):
    """A mistyped command line is one line too (argparse would print its usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} -h)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="outpost", description="Outpost field-team bot")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot (long polling, or a webhook if configured)")
    demo = sub.add_parser("demo", help="play a scripted week against the built-in emulator")
    demo.add_argument("--out", default="outpost-demo", help="folder for the database and exports")
    demo.add_argument("--quiet", action="store_true", help="write the transcript file only")

    team = sub.add_parser("team", help="manage teams").add_subparsers(dest="action", required=True)
    add = team.add_parser("add", help="create a team")
    add.add_argument("name")
    add.add_argument("--lat", type=float, required=True, help="site latitude")
    add.add_argument("--lon", type=float, required=True, help="site longitude")
    add.add_argument(
        "--datum",
        choices=[d.value for d in Datum],
        default="wgs84",
        help="datum of the coordinates: wgs84 (GPS), gcj02 (Amap/Tencent), bd09 (Baidu)",
    )
    add.add_argument("--radius", type=int, default=DEFAULT_RADIUS_M, help="site radius in metres")
    add.add_argument(
        "--tz", type=_timezone, default=None, help="IANA timezone (default OUTPOST_TZ)"
    )
    add.add_argument("--checkin-time", type=_hhmm, default="07:30", help="on time until HH:MM")
    team.add_parser("list", help="list teams")
    tset = team.add_parser("set", help="change a team's site, schedule or policy switches")
    tset.add_argument("team", help="team name or id")
    tset.add_argument("--lat", type=float)
    tset.add_argument("--lon", type=float)
    tset.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84")
    tset.add_argument("--radius", type=int)
    tset.add_argument("--tz", type=_timezone)
    tset.add_argument("--checkin-time", type=_hhmm, help="on time until HH:MM")
    tset.add_argument("--grace", type=int, help="grace minutes after the check-in time")
    tset.add_argument("--cutoff", type=_hhmm, help="late until HH:MM, missed after")
    tset.add_argument("--require-live", choices=["on", "off"])
    tset.add_argument("--evening-check", choices=["on", "off"])
    from bot import cli_audit  # `team spoof`: evidence settings live with the evidence CLI

    cli_audit.add_team_parser(team)

    invite = sub.add_parser("invite", help="make an invite link for a team")
    invite.add_argument("team", help="team name or id")
    invite.add_argument("--role", choices=ROLES, default="member")
    invite.add_argument(
        "--bot-username", default=None, help="bot username for the link (default: ask Telegram)"
    )
    invite.add_argument("--revoke", metavar="CODE", help="revoke an invite code instead")
    invite.add_argument(
        "--uses",
        type=_positive,
        default=None,
        help="how many people may join with it (default: supervisor 1, member unlimited)",
    )

    admin = sub.add_parser("admin", help="manage administrators").add_subparsers(
        dest="action", required=True
    )
    admin_add = admin.add_parser("add", help="make a Telegram user id an admin")
    admin_add.add_argument("user_id", type=int)

    report = sub.add_parser("report", help="reports").add_subparsers(dest="action", required=True)
    month = report.add_parser("month", help="monthly compliance: print it, write XLSX and PNG")
    month.add_argument("month", help="the month, YYYY-MM")
    month.add_argument("--team", help="team name or id (default: every team)")
    month.add_argument("--out", help="XLSX path (default compliance-YYYY-MM.xlsx); PNG beside it")
    month.add_argument("--lang", choices=("en", "zh"), default="en")
    # Administration (export, member, audit, backup) and bulk import live in their own modules.
    from bot import cli_admin, cli_db, cli_import

    cli_import.add_team_parser(team)
    cli_admin.add_parsers(sub)
    cli_db.add_parsers(sub)
    COMMANDS.update(cli_admin.COMMANDS)
    COMMANDS.update(cli_import.COMMANDS)
    return parser


async def cmd_team_add(ctx: AppContext, args: argparse.Namespace) -> int:
    draft = TeamDraft(
        name=args.name,
        lat=args.lat,
        lon=args.lon,
        datum=Datum(args.datum),
        radius_m=args.radius,
        timezone=args.tz or ctx.settings.timezone,
        on_time=args.checkin_time,
    )
    try:
        team = await create_team(ctx, draft, actor_id=None)
    except DuplicateTeam as exc:
        raise CliError(f"a team called {args.name!r} already exists") from exc
    except (InvalidCoordinates, ValueError) as exc:
        raise CliError(f"cannot create team: {exc}") from exc
    print(
        f"team {team.id} {team.name}: site {team.site.lat:.6f},{team.site.lon:.6f} (WGS-84)"
        f" radius {team.site.radius_m} m, {team.timezone}, on time by {args.checkin_time}"
    )
    return 0


async def cmd_team_list(ctx: AppContext, args: argparse.Namespace) -> int:
    teams = await ctx.storage.teams.all()
    if not teams:
        print("no teams yet: outpost team add NAME --lat .. --lon ..")
        return 0
    counts = await ctx.storage.teams.member_counts()
    for team in teams:
        c = counts.get(team.id, {})
        print(
            f"{team.id}\t{team.name}\t{team.timezone}\t{team.site.lat:.6f},{team.site.lon:.6f}"
            f"\t{team.site.radius_m} m\tmembers {c.get('member', 0)}"
            f"\tsupervisors {c.get('supervisor', 0)}"
        )
    return 0


def _switch(value: str | None) -> bool | None:
    return None if value is None else value == "on"


async def cmd_team_set(ctx: AppContext, args: argparse.Namespace) -> int:
    team = await ctx.storage.teams.find(args.team)
    if team is None:
        raise CliError(f"no team {args.team!r} (see outpost team list)")
    changes = TeamChanges(
        lat=args.lat,
        lon=args.lon,
        datum=Datum(args.datum),
        radius_m=args.radius,
        timezone=args.tz,
        on_time=args.checkin_time,
        grace_minutes=args.grace,
        cutoff=args.cutoff,
        require_live=_switch(args.require_live),
        evening_enabled=_switch(args.evening_check),
    )
    try:
        updated = await update_team(ctx, team, changes, actor_id=None)
    except ValueError as exc:
        raise CliError(f"cannot change {team.name}: {exc}") from exc
    s = updated.schedule
    print(
        f"team {updated.id} {updated.name}: site {updated.site.lat:.6f},{updated.site.lon:.6f}"
        f" radius {updated.site.radius_m} m, {updated.timezone}, on time by"
        f" {s.on_time:%H:%M} (+{s.grace_minutes} min), cutoff {s.cutoff:%H:%M},"
        f" live required {'on' if updated.require_live else 'off'},"
        f" evening check {'on' if s.evening_enabled else 'off'}"
    )
    return 0


async def cmd_invite(ctx: AppContext, args: argparse.Namespace) -> int:
    if args.revoke:
        if not await revoke_invite(ctx, args.revoke, actor_id=None):
            raise CliError(f"no invite with code {args.revoke!r}")
        print(f"revoked {args.revoke}")
        return 0
    team = await ctx.storage.teams.find(args.team)
    if team is None:
        raise CliError(f"no team {args.team!r} (see outpost team list)")
    username = args.bot_username or await bot_username(ctx.settings)
    if args.uses is None:
        invite = await create_invite(ctx, team, args.role, actor_id=None)
    else:
        invite = await create_invite(ctx, team, args.role, actor_id=None, max_uses=args.uses)
    uses = "any number of uses" if invite.max_uses is None else f"{invite.max_uses} use(s)"
    print(invite_link(username, invite.code))
    print(
        f"{args.role} invite for {team.name}, valid {ctx.settings.invite_days} days,"
        f" {uses}, code {invite.code}"
    )
    return 0


async def bot_username(settings: Settings) -> str:
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.require_token(), base_url=settings.api_base_url) as bot:
            return bot.username
    except ConfigError as exc:
        raise CliError(f"{exc} (or pass --bot-username)") from exc
    except TelegramError as exc:
        raise CliError(
            f"could not ask Telegram for the bot's username: {exc} (or pass --bot-username)"
        ) from exc


async def cmd_admin_add(ctx: AppContext, args: argparse.Namespace) -> int:
    person = await ctx.storage.people.get(args.user_id)
    await ctx.storage.people.set_admin(args.user_id, True, now=ctx.now_ts())
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=None,
        action="admin.add",
        subject=str(args.user_id),
        before={"is_admin": bool(person and person.is_admin)},
        after={"is_admin": True},
    )
    print(f"{args.user_id} is now an admin")
    return 0


async def cmd_report_month(ctx: AppContext, args: argparse.Namespace) -> int:
    from bot.services.compliance import write_month_files

    try:
        year, month = parse_month(args.month)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    team_id = None
    if args.team:
        team = await ctx.storage.teams.find(args.team)
        if team is None:
            raise CliError(f"no team {args.team!r} (see outpost team list)")
        team_id = team.id
    out = Path(args.out or f"compliance-{year:04d}-{month:02d}.xlsx")
    if not out.parent.is_dir() or not os.access(out.parent, os.W_OK):
        raise CliError(f"cannot write {out}: {out.parent} is not a writable directory")
    try:
        text, written = await write_month_files(ctx, year, month, team_id, out, args.lang)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from exc
    print(text)
    for path in written:
        print(f"wrote {path}")
    return 0


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("team", "add"): cmd_team_add,
    ("team", "list"): cmd_team_list,
    ("team", "set"): cmd_team_set,
    ("invite", None): cmd_invite,
    ("admin", "add"): cmd_admin_add,
    ("report", "month"): cmd_report_month,
}


async def _with_storage(settings: Settings, command: Command, args: argparse.Namespace) -> int:
    async with Storage(settings.db_path) as storage:
        ctx = AppContext(settings=settings, storage=storage, clock=SystemClock())
        return await command(ctx, args)


def main(argv: Sequence[str] | None = None, env: dict[str, Any] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _main(args, env)
    except (ConfigError, CliError) as exc:
        # Masked too: PTB's InvalidToken quotes the token it was given.
        print(f"outpost: {mask(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`outpost team list | head -1`): stop quietly, as a Unix tool
        # killed by SIGPIPE does; later flushes go nowhere instead of raising again.
        _silence_stdout()
        return 141
    except sqlite3.Error as exc:
        # A full disk, a locked or damaged database: one line (the CLI is often in scripts).
        print(f"outpost: database {settings_path(env)}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A full disk, a read-only folder, a vanished file: one line, never a traceback.
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"outpost: {mask(str(exc.strerror or exc))}{where}", file=sys.stderr)
        return 1


def _main(args: argparse.Namespace, env: dict[str, Any] | None) -> int:
    settings = load_settings(env)
    # Before any library logs: the token is masked in every record, at every level.
    install_token_mask(settings.token)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Every file created from here on (database, -wal/-shm, reports, media) is private.
    restrict_umask()
    if isinstance(settings.db_path, Path):
        warn_if_shared(settings.db_path)
    if args.command == "demo":
        from bot.demo import main as demo_main

        return demo_main(args.out, echo=not args.quiet)
    if args.command == "run":
        from bot.app import run

        settings.require_token()
        run(settings)
        return 0
    if args.command == "db":  # opens the two databases it names, not OUTPOST_DB
        from bot.cli_db import cmd_db_copy

        return asyncio.run(cmd_db_copy(args))
    command = COMMANDS.get((args.command, getattr(args, "action", None)))
    if command is None:
        raise CliError(f"unknown command {args.command}")
    return asyncio.run(_with_storage(settings, command, args))


def settings_path(env: dict[str, Any] | None) -> str:
    return str((env if env is not None else os.environ).get("OUTPOST_DB") or "outpost.db")


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # lives until the process exits


if __name__ == "__main__":
    sys.exit(main())
