"""`outpost team import` and `outpost member import`: bulk set-up from a spreadsheet.

Every bad row is printed with its line number before anything is written; with one bad row
nothing is written at all. Importing the same file again changes nothing.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from bot.cli import CliError, Command, bot_username
from bot.context import AppContext
from bot.rules.team_sheet import Problem
from bot.services.team_import import (
    SheetError,
    import_members,
    import_teams,
    write_invites,
    write_template,
)

# Enough to fix a sheet in one pass without scrolling a terminal away.
SHOW_PROBLEMS = 200


def add_team_parser(team: Any) -> None:
    imp = team.add_parser(
        "import", help="create or update teams from an XLSX or CSV file (all rows or none)"
    )
    imp.add_argument("file", help="the .xlsx or .csv file (with --template: the file to write)")
    imp.add_argument("--template", action="store_true", help="write an empty template instead")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imp.add_argument(
        "--invites-out", metavar="XLSX", help="also write every team's invite links to this file"
    )
    imp.add_argument("--bot-username", help="bot username for the links (default: ask Telegram)")


def add_member_parser(member: Any) -> None:
    imp = member.add_parser(
        "import", help="record the expected members (name, unit, team) from an XLSX or CSV file"
    )
    imp.add_argument("file", help="the .xlsx or .csv file (with --template: the file to write)")
    imp.add_argument("--template", action="store_true", help="write an empty template instead")


def _writable(path: Path) -> Path:
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise CliError(f"cannot write {path}: {folder} is not a writable directory")
    return path


def _ignored(columns: list[str]) -> None:
    if columns:
        print(f"ignored column(s): {', '.join(columns)}")


def _report(problems: list[Problem]) -> None:
    for problem in problems[:SHOW_PROBLEMS]:
        print(problem)
    if len(problems) > SHOW_PROBLEMS:
        print(f"... and {len(problems) - SHOW_PROBLEMS} more")
    raise CliError(f"{len(problems)} bad row(s): nothing was written; fix them and run again")


async def cmd_team_import(ctx: AppContext, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if args.template:
        write_template(_writable(path))
        print(f"wrote {path}: fill in the first sheet (examples on the second)")
        return 0
    invites_out = _writable(Path(args.invites_out)) if args.invites_out else None
    username = None
    if invites_out is not None:
        # Asked before writing, so a missing token fails the run before any change.
        username = args.bot_username or await bot_username(ctx.settings)
    try:
        result = await import_teams(ctx, path, dry_run=args.dry_run)
    except SheetError as exc:
        raise CliError(str(exc)) from exc
    _ignored(result.ignored)
    if result.problems:
        _report(result.problems)
    plan = result.plan
    verb = "would create" if args.dry_run else "created"
    print(
        f"{verb} {len(plan.create)}, {'would update' if args.dry_run else 'updated'}"
        f" {len(plan.update)}, unchanged {len(plan.unchanged)} team(s)"
    )
    if invites_out is not None and username is not None and not args.dry_run:
        count = await write_invites(ctx, invites_out, username)
        print(f"wrote invite links for {count} team(s) to {invites_out}")
    return 0


async def cmd_member_import(ctx: AppContext, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if args.template:
        write_template(_writable(path), members=True)
        print(f"wrote {path}: fill in the first sheet (examples on the second)")
        return 0
    try:
        result = await import_members(ctx, path)
    except SheetError as exc:
        raise CliError(str(exc)) from exc
    _ignored(result.ignored)
    if result.problems:
        _report(result.problems)
    print(
        f"expected members: added {result.added}, unit corrected {result.changed},"
        f" unchanged {result.unchanged}"
    )
    return 0


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("team", "import"): cmd_team_import,
    ("member", "import"): cmd_member_import,
}
