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
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg

from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.context import AppContext
from bot.fileperms import restrict_umask, warn_if_shared
from bot.logmask import install_token_mask, mask
from bot.rules.calendar import format_workdays
from bot.rules.compliance import parse_month
from bot.rules.geo import DEFAULT_RADIUS_M, Datum, InvalidCoordinates
from bot.rules.geo_hints import looks_swapped
from bot.rules.morning import suggested_cutoff
from bot.rules.policy import POLICY_SETTINGS, Policy, describe_policy
from bot.rules.team_hours import parse_hhmm
from bot.services.teams import (
    ROLES,
    TeamChanges,
    TeamDraft,
    TeamNotEmpty,
    archive_team,
    create_invite,
    create_team,
    invite_link,
    rename_team,
    revoke_invite,
    set_default_policy,
    update_team,
)
from storage import Storage
from storage.models import Team
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


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from exc


# SPEC §2's policy numbers, each a setting: --min-days etc., keys of POLICY_SETTINGS.
_POLICY_HELP = {
    "min_days": "days on site owed a month (default 22)",
    "min_nights": "nights on site owed a month when the evening check is on (default 15)",
    "excellent_absences": "roll-call absences a year that bar an 'excellent' rating (default 2)",
    "competent_absences": "more absences than this bar a 'competent' rating (default 3)",
    "second_approval_after": "leave longer than this many days also needs an admin (default 5)",
    "refill_days": "days within which a recalled member's place is refilled (default 7)",
}


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    for key, text in _POLICY_HELP.items():
        parser.add_argument("--" + key.replace("_", "-"), dest=f"policy_{key}", help=text)


def _policy_args(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    return tuple(
        (key, value)
        for key in POLICY_SETTINGS
        if (value := getattr(args, f"policy_{key}", None)) is not None
    )


def _option_words(message: str) -> str:
    """A rule's message names settings as keys; the shell user typed options."""
    for key in POLICY_SETTINGS:
        message = message.replace(key, "--" + key.replace("_", "-"))
    return message


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("outpost")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


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
    parser.add_argument("--version", action="version", version=f"outpost {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, help="what to do")

    sub.add_parser("run", help="run the bot (long polling, or a webhook if configured)")
    demo = sub.add_parser("demo", help="play a scripted week against the built-in emulator")
    demo.add_argument("--out", default="outpost-demo", help="folder for the database and exports")
    demo.add_argument("--quiet", action="store_true", help="write the transcript file only")
    demo.add_argument(
        "--db",
        metavar="URL",
        help="play the week in this empty PostgreSQL database (postgresql://…) instead of a"
        " SQLite file in --out",
    )

    team = sub.add_parser("team", help="manage teams").add_subparsers(
        dest="action", required=True, help="add, list, set or archive"
    )
    add = team.add_parser("add", help="create a team")
    add.add_argument("name", help="the team's name (unique, at most 64 characters)")
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
    add.add_argument(
        "--cutoff",
        type=_hhmm,
        default=None,
        help="late until HH:MM, missed after (default 12:00, or 2 h after a later check-in time)",
    )
    team.add_parser("list", help="list teams")
    tset = team.add_parser("set", help="change a team's site, schedule or policy switches")
    tset.add_argument("team", help="team name or id")
    tset.add_argument("--lat", type=float, help="new site latitude (with --lon and --datum)")
    tset.add_argument("--lon", type=float, help="new site longitude (with --lat and --datum)")
    tset.add_argument(
        "--datum",
        choices=[d.value for d in Datum],
        default=None,
        help="datum of new coordinates, required with them: wgs84 (GPS), gcj02 (Amap/Tencent),"
        " bd09 (Baidu)",
    )
    tset.add_argument("--radius", type=int, help="site radius in metres (50-3000)")
    tset.add_argument("--tz", type=_timezone, help="IANA timezone, e.g. Asia/Shanghai")
    tset.add_argument("--checkin-time", type=_hhmm, help="on time until HH:MM")
    tset.add_argument("--grace", type=int, help="grace minutes after the check-in time")
    tset.add_argument("--cutoff", type=_hhmm, help="late until HH:MM, missed after")
    tset.add_argument(
        "--require-live", choices=["on", "off"], help="accept only live locations at check-in"
    )
    tset.add_argument(
        "--evening-check", choices=["on", "off"], help="the evening presence check (nights)"
    )
    tset.add_argument("--name", help="rename the team (names are unique, at most 64 characters)")
    add_policy_options(tset)
    tset.add_argument(
        "--workdays", help="working weekdays, e.g. mon-fri, mon,wed,fri or all (default all)"
    )
    tset.add_argument(
        "--holiday",
        action="append",
        type=_day,
        default=[],
        metavar="YYYY-MM-DD",
        help="add a holiday (no reminders, not owed, not a leave day); repeat for several",
    )
    tset.add_argument(
        "--holiday-remove",
        action="append",
        type=_day,
        default=[],
        metavar="YYYY-MM-DD",
        help="remove a holiday; repeat for several",
    )
    policy = sub.add_parser("policy", help="policy defaults for teams created from now on")
    policy_sub = policy.add_subparsers(dest="action", required=True, help="set or show")
    add_policy_options(policy_sub.add_parser("set", help="change the defaults for new teams"))
    policy_sub.add_parser("show", help="print the defaults for new teams")
    archive = team.add_parser(
        "archive", help="archive a team with no active members (its history is kept)"
    )
    archive.add_argument("team", help="team name or id")
    from bot import cli_audit  # `team spoof`: evidence settings live with the evidence CLI

    cli_audit.add_team_parser(team)

    invite = sub.add_parser(
        "invite",
        help="make an invite link for a team; `invite list TEAM` lists its codes",
    )
    invite.add_argument(
        "team", nargs="?", help="team name or id (or `list`, then the team to list)"
    )
    invite.add_argument("list_team", nargs="?", help=argparse.SUPPRESS)
    invite.add_argument(
        "--role", choices=ROLES, default="member", help="who the link is for (default member)"
    )
    invite.add_argument(
        "--bot-username", default=None, help="bot username for the link (default: ask Telegram)"
    )
    invite.add_argument(
        "--revoke",
        metavar="CODE",
        help=(
            "revoke an invite code instead (no team needed;"
            " --revoke=CODE for an older code that starts with -)"
        ),
    )
    invite.add_argument(
        "--uses",
        type=_positive,
        default=None,
        help="how many people may join with it (default: supervisor 1, member unlimited)",
    )

    admin = sub.add_parser("admin", help="manage administrators").add_subparsers(
        dest="action", required=True, help="add"
    )
    admin_add = admin.add_parser("add", help="make a Telegram user id an admin")
    admin_add.add_argument("user_id", type=int, help="their Telegram user id")

    report = sub.add_parser("report", help="reports").add_subparsers(
        dest="action", required=True, help="month or year"
    )
    month = report.add_parser("month", help="monthly compliance: print it, write XLSX and PNG")
    month.add_argument("month", help="the month, YYYY-MM")
    month.add_argument("--team", help="team name or id (default: every team)")
    month.add_argument("--out", help="XLSX path (default compliance-YYYY-MM.xlsx); PNG beside it")
    month.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the report (default en)"
    )
    year = report.add_parser(
        "year", help="the yearly report: days on site, roll-call absences, recalls per member"
    )
    year.add_argument("year", help="the year, YYYY")
    year.add_argument("--team", help="team name or id (default: every team)")
    # Administration (export, member, audit, backup) and bulk import live in their own modules.
    from bot import cli_admin, cli_db, cli_import

    cli_import.add_team_parser(team)
    cli_admin.add_parsers(sub)
    cli_db.add_parsers(sub)
    COMMANDS.update(cli_admin.COMMANDS)
    COMMANDS.update(cli_db.COMMANDS)
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
        cutoff=args.cutoff or f"{suggested_cutoff(parse_hhmm(args.checkin_time)):%H:%M}",
    )
    try:
        team = await create_team(ctx, draft, actor_id=None)
    except DuplicateTeam as exc:
        raise CliError(
            f"a team called {exc} already exists (archived teams keep their names)"
        ) from exc
    except (InvalidCoordinates, ValueError) as exc:
        raise CliError(f"cannot create team: {exc}{_swap_hint(args.lat, args.lon)}") from exc
    print(
        f"team {team.id} {team.name}: site {team.site.lat:.6f},{team.site.lon:.6f} (WGS-84)"
        f" radius {team.site.radius_m} m, {team.timezone}, on time by {args.checkin_time},"
        f" cutoff {draft.cutoff}"
    )
    return 0


def _swap_hint(lat: float | None, lon: float | None) -> str:
    if lat is not None and lon is not None and looks_swapped(lat, lon):
        return f" (they look swapped: did you mean --lat {lon} --lon {lat}?)"
    return ""


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
    if (args.lat is not None or args.lon is not None) and args.datum is None:
        # GCJ-02 points sit 300-700 m off: a guessed datum could move the site off itself.
        raise CliError("say which map the new coordinates come from: --datum wgs84|gcj02|bd09")
    if args.name is not None:
        team = await _renamed(ctx, team, args.name)
    changes = TeamChanges(
        lat=args.lat,
        lon=args.lon,
        datum=Datum(args.datum or "wgs84"),
        radius_m=args.radius,
        timezone=args.tz,
        on_time=args.checkin_time,
        grace_minutes=args.grace,
        cutoff=args.cutoff,
        require_live=_switch(args.require_live),
        evening_enabled=_switch(args.evening_check),
        policy=_policy_args(args),
        workdays=args.workdays,
        holidays_add=tuple(args.holiday),
        holidays_remove=tuple(args.holiday_remove),
    )
    try:
        updated = await update_team(ctx, team, changes, actor_id=None)
    except ValueError as exc:
        raise CliError(
            f"cannot change {team.name}: {_option_words(str(exc))}{_swap_hint(args.lat, args.lon)}"
        ) from exc
    s = updated.schedule
    print(
        f"team {updated.id} {updated.name}: site {updated.site.lat:.6f},{updated.site.lon:.6f}"
        f" radius {updated.site.radius_m} m, {updated.timezone}, on time by"
        f" {s.on_time:%H:%M} (+{s.grace_minutes} min), cutoff {s.cutoff:%H:%M},"
        f" live required {'on' if updated.require_live else 'off'},"
        f" evening check {'on' if s.evening_enabled else 'off'}"
    )
    print(f"  policy: {_policy_line(updated.policy)}")
    holidays = ", ".join(d.isoformat() for d in sorted(s.holidays)) or "none"
    print(f"  workdays: {format_workdays(s.workdays)}; holidays: {holidays}")
    return 0


def _policy_line(policy: Policy) -> str:
    return ", ".join(
        f"{key.replace('_', '-')} {value}" for key, value in describe_policy(policy).items()
    )


async def cmd_policy_set(ctx: AppContext, args: argparse.Namespace) -> int:
    settings = _policy_args(args)
    if not settings:
        raise CliError(
            "nothing to set: give one or more of "
            + ", ".join("--" + k.replace("_", "-") for k in POLICY_SETTINGS)
        )
    try:
        policy = await set_default_policy(ctx, settings, actor_id=None)
    except ValueError as exc:
        raise CliError(_option_words(str(exc))) from exc
    print(f"defaults for new teams: {_policy_line(policy)} (existing teams keep theirs)")
    return 0


async def cmd_policy_show(ctx: AppContext, args: argparse.Namespace) -> int:
    print(f"defaults for new teams: {_policy_line(await ctx.storage.teams.default_policy())}")
    return 0


async def _renamed(ctx: AppContext, team: Team, name: str) -> Team:
    try:
        return await rename_team(ctx, team, name, actor_id=None)
    except DuplicateTeam as exc:
        raise CliError(
            f"cannot rename {team.name}: a team called {exc} already exists"
            " (archived teams keep their names)"
        ) from exc
    except ValueError as exc:
        raise CliError(f"cannot rename {team.name}: {exc}") from exc


async def cmd_team_archive(ctx: AppContext, args: argparse.Namespace) -> int:
    team = await ctx.storage.teams.find(args.team)
    if team is None:
        raise CliError(f"no team {args.team!r} (see outpost team list)")
    try:
        await archive_team(ctx, team, actor_id=None)
    except TeamNotEmpty as exc:
        raise CliError(
            f"{team.name} still has {exc.members} member(s): recall or move them first"
            " (outpost member list --team ...)"
        ) from exc
    print(f"archived team {team.id} {team.name}: its records stay in exports and reports")
    return 0


async def cmd_invite(ctx: AppContext, args: argparse.Namespace) -> int:
    if args.revoke:
        if not await revoke_invite(ctx, args.revoke, actor_id=None):
            raise CliError(f"no invite with code {args.revoke!r}")
        print(f"revoked {args.revoke}")
        return 0
    if args.team == "list":
        return await cmd_invite_list(ctx, args.list_team)
    if not args.team:
        raise CliError("name the team: outpost invite TEAM [--role supervisor]")
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


async def cmd_invite_list(ctx: AppContext, ref: str | None) -> int:
    """Every code of a team, newest last: role, uses, expiry (team-local) and state."""
    if not ref:
        raise CliError("name the team: outpost invite list TEAM")
    team = await ctx.storage.teams.find(ref)
    if team is None:
        raise CliError(f"no team {ref!r} (see outpost team list)")
    now = ctx.now_ts()
    zone = ZoneInfo(team.timezone)
    invites = await ctx.storage.invites.for_team(team.id)
    if not invites:
        print(f"{team.name}: no invites yet (outpost invite {team.name!r})")
    for inv in invites:
        expires = datetime.fromtimestamp(inv.expires_at, zone).strftime("%Y-%m-%d %H:%M")
        if inv.revoked_at is not None:
            state = "revoked"
        elif not inv.usable_at(now):
            state = "expired"
        else:
            state = "used up" if inv.max_uses is not None and inv.uses >= inv.max_uses else "usable"
        limit = "" if inv.max_uses is None else f"/{inv.max_uses}"
        print(f"{inv.code}\t{inv.role}\tuses {inv.uses}{limit}\texpires {expires}\t{state}")
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
    team_id = await _optional_team_id(ctx, args.team)
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


async def _optional_team_id(ctx: AppContext, ref: str | None) -> int | None:
    """The id of the team named on the command line, None when none was named."""
    if not ref:
        return None
    team = await ctx.storage.teams.find(ref)
    if team is None:
        raise CliError(f"no team {ref!r} (see outpost team list)")
    return team.id


async def cmd_report_year(ctx: AppContext, args: argparse.Namespace) -> int:
    if not (args.year.isdigit() and len(args.year) == 4):
        raise CliError(f"{args.year!r} is not a year YYYY")
    team_id = await _optional_team_id(ctx, args.team)
    rows = await ctx.storage.yearly.year(int(args.year), team_id)
    if not rows:
        print(f"no members in {args.year}")
    teams = {team.name: team for team in await ctx.storage.teams.all()}
    for r in rows:
        policy_team = teams.get(r.team_name)
        policy = policy_team.policy if policy_team else Policy()
        zone = ZoneInfo(policy_team.timezone if policy_team else ctx.settings.timezone)
        recalls = "; ".join(
            f"recalled {datetime.fromtimestamp(at, zone):%Y-%m-%d}: {reason}"
            for at, reason in r.recalls
        )
        print(
            f"{r.team_name}\t{r.name}\t{r.unit or '-'}\t{r.state}\tdays on site"
            f" {r.days_on_site}\tabsences {r.absences}"
            f"\texcellent {'yes' if r.absences < policy.excellent_absence_limit else 'no'}"
            f"\tcompetent {'yes' if r.absences <= policy.competent_absence_limit else 'no'}"
            + (f"\t{recalls}" if recalls else "")
        )
    return 0


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("team", "add"): cmd_team_add,
    ("team", "list"): cmd_team_list,
    ("team", "set"): cmd_team_set,
    ("team", "archive"): cmd_team_archive,
    ("policy", "set"): cmd_policy_set,
    ("policy", "show"): cmd_policy_show,
    ("invite", None): cmd_invite,
    ("admin", "add"): cmd_admin_add,
    ("report", "month"): cmd_report_month,
    ("report", "year"): cmd_report_year,
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
    except psycopg.Error as exc:
        # No server, no such database, a refused login: one line, and not the URL (it may
        # hold a password); the server's own words name what is wrong.
        print(f"outpost: PostgreSQL: {mask(' '.join(str(exc).split()))}", file=sys.stderr)
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

        return demo_main(args.out, echo=not args.quiet, db=args.db)
    if args.command == "run":
        from bot.app import run

        settings.require_token()
        run(settings)
        return 0
    if (args.command, getattr(args, "action", None)) == ("db", "copy"):  # names its databases
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
