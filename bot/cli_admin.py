"""Administration commands of `outpost`: export, member list|recall|reinstate, audit, backup.

Registered into bot/cli.py's parser and COMMANDS by `register`. Every problem the operator
can fix is a `CliError`: one line, exit 2, no traceback, no partial file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot import cli_audit
from bot.cli import CliError, Command
from bot.config import ConfigError
from bot.context import AppContext
from bot.exporting import DATASETS, FORMATS, ExportError, ExportRequest
from bot.services.backup import BackupError, take_backup
from bot.services.export import run_export
from bot.services.recall import RecallProblem, recall_member, reinstate_member, tell_recalled
from storage.exports import ExportFilter
from storage.models import Team


def add_parsers(sub: Any) -> None:
    export = sub.add_parser("export", help="export data sets to CSV, XLSX or JSON Lines")
    export.add_argument(
        "--from", dest="first", required=True, metavar="YYYY-MM-DD", help="first day (team-local)"
    )
    export.add_argument(
        "--to", dest="last", required=True, metavar="YYYY-MM-DD", help="last day (team-local)"
    )
    export.add_argument("--team", help="team name or id (default: all teams)")
    export.add_argument("--member", help="one member's Telegram user id")
    export.add_argument(
        "--dataset",
        nargs="+",
        metavar="NAME",
        help=f"data sets (default: all): {', '.join(DATASETS)}",
    )
    export.add_argument("--format", dest="fmt", required=True, help=" | ".join(FORMATS))
    export.add_argument(
        "--out",
        required=True,
        help="file to write (several data sets in csv/jsonl: a .zip), or an existing folder",
    )

    member = sub.add_parser("member", help="members of teams").add_subparsers(
        dest="action", required=True, help="list or recall"
    )
    listing = member.add_parser("list", help="people, roles, teams, units and state")
    listing.add_argument("--team", help="team name or id")
    from bot import cli_import

    cli_import.add_member_parser(member)
    recall = member.add_parser("recall", help="recall a member from a team")
    recall.add_argument("user_id", help="the member's Telegram user id")
    recall.add_argument("--team", required=True, help="team name or id")
    recall.add_argument("--reason", required=True, help="why, told to the member (required)")
    reinstate = member.add_parser(
        "reinstate", help="bring a recalled member back into their team (audited)"
    )
    reinstate.add_argument("user_id", help="the member's Telegram user id")
    reinstate.add_argument("--team", required=True, help="team name or id")
    reinstate.add_argument("--reason", required=True, help="why, kept in the audit log (required)")

    audit = sub.add_parser("audit", help="the audit trail, newest first")
    audit.add_argument("--limit", type=int, default=50, help="how many rows, newest first")
    audit.add_argument(
        "--action", dest="only_action", help="only this action (e.g. member.recall, export)"
    )
    cli_audit.add_parsers(audit)

    backup = sub.add_parser("backup", help="consistent online copy of the database")
    backup.add_argument("path", help="file to write, or an existing folder")


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{flag} {value!r} is not a date: use YYYY-MM-DD") from None


def _user_id(value: str) -> int:
    if not value.lstrip("-").isdigit():
        raise CliError(f"{value!r} is not a Telegram user id (a number)")
    return int(value)


async def _team(ctx: AppContext, ref: str) -> Team:
    team = await ctx.storage.teams.find(ref)
    if team is None:
        raise CliError(f"no team {ref!r} (see outpost team list)")
    return team


class _Progress:
    """A counter line on stderr, only when it is a terminal, at most ten updates a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = 0.0
        self.dirty = False

    def __call__(self, dataset: str, rows: int) -> None:
        now = time.monotonic()
        if now - self.shown >= 0.1:
            self.stream.write(f"\r{dataset}: {rows:,} rows   ")
            self.stream.flush()
            self.shown = now
            self.dirty = True

    def close(self) -> None:
        if self.dirty:
            self.stream.write("\n")
            self.stream.flush()


async def cmd_export(ctx: AppContext, args: argparse.Namespace) -> int:
    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    team = await _team(ctx, args.team) if args.team else None
    member = _user_id(args.member) if args.member else None
    request = ExportRequest(
        datasets=tuple(args.dataset or DATASETS),
        fmt=(args.fmt or "").lower(),
        flt=ExportFilter(
            first_day=first,
            last_day=last,
            default_timezone=ctx.settings.timezone,
            now=ctx.clock.now(),
            team_id=team.id if team else None,
            member_id=member,
            bounds_timezone=team.timezone if team else None,
        ),
    )
    progress = _Progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        result = await run_export(
            ctx, request, Path(args.out), actor_id=None, progress=progress, beside_bot=False
        )
    except ExportError as exc:
        raise CliError(str(exc)) from exc
    finally:
        if progress:
            progress.close()
    counts = ", ".join(f"{name} {n:,}" for name, n in result.rows.items())
    print(f"wrote {result.path} ({result.size:,} bytes): {counts} rows")
    return 0


async def cmd_member_list(ctx: AppContext, args: argparse.Namespace) -> int:
    team = await _team(ctx, args.team) if args.team else None
    rows = await ctx.storage.recalls.roster(team.id if team else None)
    if not rows:
        print("nobody yet" + (f" in {team.name}" if team else ""))
        return 0
    print("user_id\tname\trole\tteam\tunit\tstate\tadmin")
    for r in rows:
        role = r["role"] or ("admin" if r["is_admin"] else "-")
        print(
            f"{r['telegram_id']}\t{r['name'] or '-'}\t{role}\t{r['team_name'] or '-'}"
            f"\t{r['unit'] or '-'}\t{r['state'] or '-'}\t{'yes' if r['is_admin'] else 'no'}"
            + ("\tunreachable" if r["unreachable"] else "")
        )
    return 0


async def cmd_member_recall(ctx: AppContext, args: argparse.Namespace) -> int:
    recall = await _change_member(ctx, args, recall_member, "is not an active member of")
    team = recall.team_name
    print(
        f"recalled {recall.member_name or recall.telegram_id} ({recall.unit or 'no unit'}) from"
        f" {team}: vacancy open until an invite into {team} is accepted"
    )
    problem = await _tell(ctx, recall)
    if problem is None:
        print("member told")
    else:
        print(f"member not told yet ({problem}): they will be told when the bot runs")
    return 0


async def cmd_member_reinstate(ctx: AppContext, args: argparse.Namespace) -> int:
    recall = await _change_member(ctx, args, reinstate_member, "is not recalled from")
    print(
        f"reinstated {recall.member_name or recall.telegram_id} ({recall.unit or 'no unit'}) in"
        f" {recall.team_name}: active again, the vacancy of their recall is closed"
    )
    return 0


async def _change_member(
    ctx: AppContext, args: argparse.Namespace, change: Any, refused: str
) -> Any:
    """`member recall|reinstate USER_ID --team T --reason R`: the changed recall record."""
    member_id = _user_id(args.user_id)
    team = await _team(ctx, args.team)
    try:
        return await change(ctx, member_id=member_id, team=team, reason=args.reason, actor_id=None)
    except RecallProblem as exc:
        if str(exc) == "reason_invalid":
            raise CliError("give a reason (up to 500 characters) with --reason") from exc
        raise CliError(f"{member_id} {refused} {team.name}") from exc


async def _tell(ctx: AppContext, recall: Any) -> str | None:
    """Tells the member through the bot; the reason if that was not possible."""
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        token = ctx.settings.require_token()
    except ConfigError:
        return "no TELEGRAM_BOT_TOKEN set"
    try:
        async with Bot(token, base_url=ctx.settings.api_base_url) as bot:
            if await tell_recalled(ctx, bot, recall):
                return None
            return "Telegram did not deliver the message"
    except TelegramError as exc:
        return f"Telegram: {exc}"


async def cmd_audit(ctx: AppContext, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    rows = await ctx.storage.audit.recent(limit=args.limit, action=args.only_action)
    if not rows:
        print("no audit rows" + (f" for action {args.only_action!r}" if args.only_action else ""))
        return 0
    tz = ZoneInfo(ctx.settings.timezone)
    for r in rows:
        at = datetime.fromtimestamp(r["at"], UTC).astimezone(tz).isoformat(timespec="seconds")
        who = "console" if r["actor_id"] is None else str(r["actor_id"])
        change = ""
        if r["before"] is not None or r["after"] is not None:
            change = f"\t{_short(r['before'])} -> {_short(r['after'])}"
        team = f"team {r['team_id']}" if r["team_id"] is not None else "-"
        print(f"{r['id']}\t{at}\t{who}\t{r['action']}\t{team}\t{r['subject'] or '-'}{change}")
    return 0


def _short(value: str | None, limit: int = 160) -> str:
    if value is None:
        return "-"
    text = json.dumps(json.loads(value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def cmd_backup(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        result = await take_backup(ctx, Path(args.path), actor_id=None)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    print(f"backup written to {result.path} ({result.size:,} bytes), integrity {result.integrity}")
    if result.restore_hint:
        print(result.restore_hint)
    return 0


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("export", None): cmd_export,
    ("member", "list"): cmd_member_list,
    ("member", "recall"): cmd_member_recall,
    ("member", "reinstate"): cmd_member_reinstate,
    ("audit", None): cmd_audit,
    ("backup", None): cmd_backup,
    **cli_audit.COMMANDS,
}
