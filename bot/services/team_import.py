"""`outpost team import` / `outpost member import`: spreadsheets in, teams and expected
members out, all or nothing.

Reading: XLSX (first sheet; the template's example sheet is never read) or CSV (UTF-8, with
or without BOM, or GB18030 as Excel saves CSV on Chinese Windows). Line numbers are the
spreadsheet's own row numbers, header included, so "line 7" is row 7 in Excel.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from bot.context import AppContext
from bot.rules.team_sheet import (
    MEMBER_COLUMNS,
    REQUIRED,
    TEAM_COLUMNS,
    Problem,
    TeamPlan,
    check_member_rows,
    check_team_rows,
    column_key,
    name_key,
    plan_teams,
)
from bot.services.teams import ROLES, invite_link

Rows = list[tuple[int, dict[str, str]]]


class SheetError(Exception):
    """The file as a whole cannot be read (missing, wrong type, no header)."""


@dataclass
class TeamImport:
    plan: TeamPlan
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    written: bool = False


@dataclass
class MemberImport:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%H:%M") if value.date() == date(1899, 12, 30) else str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _raw_rows(path: Path) -> list[list[Any]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SheetError(f"no file {path}")
    if suffix == ".xlsx":
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise SheetError(f"cannot read {path} as XLSX: {exc}") from exc
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    if suffix == ".csv":
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SheetError(f"{path} is neither UTF-8 nor GB18030 text")
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    raise SheetError(f"{path}: give a .xlsx or .csv file")


@dataclass(frozen=True)
class Sheet:
    rows: Rows
    ignored: list[str]


def read_sheet(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> Sheet:
    """Rows as {column: text} with their spreadsheet line numbers."""
    raw = _raw_rows(path)
    header_at = next((i for i, r in enumerate(raw) if any(_cell(c).strip() for c in r)), None)
    if header_at is None:
        raise SheetError(f"{path} is empty")
    members = columns == MEMBER_COLUMNS
    keys = [column_key(_cell(c), members) for c in raw[header_at]]
    missing = [c for c in required if c not in keys]
    if missing:
        raise SheetError(
            f"{path}: no column {', '.join(missing)} in the first row"
            f" (columns: {', '.join(columns)}; `--template` writes a file to start from)"
        )
    unknown = [k for k in keys if k and k not in columns]
    for key in unknown:
        # Extra columns (remarks, township) are common and ignored; a misspelt known one
        # is not, or its values would be silently dropped.
        close = difflib.get_close_matches(key, columns, n=1, cutoff=0.75)
        if close:
            raise SheetError(f"{path}: unknown column {key!r}: did you mean {close[0]}?")
    rows = []
    for i, values in enumerate(raw[header_at + 1 :], start=header_at + 2):
        cells = {k: _cell(v).strip() for k, v in zip(keys, values, strict=False) if k in columns}
        rows.append((i, cells))
    return Sheet(rows, unknown)


async def import_teams(ctx: AppContext, path: Path, *, dry_run: bool = False) -> TeamImport:
    """Checks every row, then writes every team at once (or nothing, if any row is bad)."""
    sheet = read_sheet(path, TEAM_COLUMNS, REQUIRED)
    rows, problems = check_team_rows(sheet.rows, ctx.settings.timezone)
    existing = {name_key(t.name): t for t in await ctx.storage.teams.all()}
    contacts = await ctx.storage.imports.contacts()
    plan, conflicts = plan_teams(rows, existing, contacts, ctx.settings.timezone)
    problems = sorted(problems + conflicts, key=lambda p: p.line)
    result = TeamImport(plan, problems, ignored=sheet.ignored)
    if problems or dry_run or not (plan.create or plan.update):
        return result
    await ctx.storage.imports.apply_teams(
        plan.create, plan.update, now=ctx.now_ts(), source=f"import {path.name}"
    )
    result.written = True
    return result


async def import_members(ctx: AppContext, path: Path) -> MemberImport:
    teams = {name_key(t.name): t for t in await ctx.storage.teams.all()}
    sheet = read_sheet(path, MEMBER_COLUMNS, ("name", "team"))
    rows, problems = check_member_rows(sheet.rows, [t.name for t in teams.values()])
    result = MemberImport(problems=problems, ignored=sheet.ignored)
    if problems:
        return result
    listed = await ctx.storage.imports.expected_members()
    writes = []
    for row in rows:
        team_id = teams[name_key(row.team)].id
        unit = listed.get((team_id, row.name.casefold()))
        if unit == row.unit:
            result.unchanged += 1
            continue
        if unit is None:
            result.added += 1
        else:
            result.changed += 1
        writes.append((team_id, row.name, row.unit))
    if writes:
        await ctx.storage.imports.put_expected(writes, now=ctx.now_ts())
    return result


async def write_invites(ctx: AppContext, out: Path, bot_username: str) -> int:
    """An XLSX with a member and a supervisor invite link for every team; links still
    valid are reused, so writing it again hands out the same links."""
    now = ctx.now_ts()
    teams = await ctx.storage.teams.all()
    usable = await ctx.storage.invites.usable(now)
    missing = [(t.id, role) for t in teams for role in ROLES if (t.id, role) not in usable]
    for invite in await ctx.storage.invites.create_many(
        missing, now=now, days=ctx.settings.invite_days
    ):
        usable[(invite.team_id, invite.role)] = invite
    contacts = await ctx.storage.imports.contacts()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("invites")
    sheet.append(["team", "timezone", "member link", "supervisor link", "valid until", "contact"])
    for team in teams:
        member, supervisor = usable[(team.id, "member")], usable[(team.id, "supervisor")]
        until = datetime.fromtimestamp(min(member.expires_at, supervisor.expires_at))
        sheet.append(
            [
                team.name,
                team.timezone,
                invite_link(bot_username, member.code),
                invite_link(bot_username, supervisor.code),
                until.strftime("%Y-%m-%d"),
                contacts.get(team.id, ""),
            ]
        )
    _save(book, out)
    return len(teams)


def _save(book: Workbook, out: Path) -> None:
    # Written beside and renamed: a reader never sees half a file.
    partial = out.with_name(out.name + ".partial")
    book.save(partial)
    partial.replace(out)


TEAM_EXAMPLES = [
    [
        "Xiaoshan",
        30.1674,
        120.2589,
        "wgs84",
        300,
        "Asia/Shanghai",
        "07:30",
        "",
        "",
        "",
        "",
        "",
        "",
        "Wang 138-0000-0000",
    ],
    [
        "沅陵县 荔溪村",
        28.4522,
        110.3935,
        "gcj02",
        500,
        "Asia/Shanghai",
        "08:00",
        15,
        "12:00",
        22,
        15,
        "off",
        "on",
        "",
    ],
]
MEMBER_EXAMPLES = [
    ["李伟", "县农业农村局", "沅陵县 荔溪村"],
    ["Zhang Min", "County Bureau", "Xiaoshan"],
]
_HELP = {
    "name": "team name, unique (a row with an existing name updates that team)",
    "latitude": "site latitude, decimal degrees (first!)",
    "longitude": "site longitude, decimal degrees",
    "datum": "wgs84 (GPS, default), gcj02 (Amap/Tencent), bd09 (Baidu)",
    "radius": "metres, 50-3000 (default 300)",
    "timezone": "IANA name (default OUTPOST_TZ)",
    "checkin_time": "on time until HH:MM (default 07:30)",
    "grace_minutes": "minutes of grace after the check-in time (default 10)",
    "cutoff": "late until HH:MM, missed after (default 12:00)",
    "min_days": "days on site required a month (default 22)",
    "min_nights": "nights on site required a month (default 15)",
    "require_live": "on/off: require live location (default off)",
    "evening_check": "on/off: evening presence check (default off)",
    "supervisor_contact": "optional: who distributes this team's invites",
    "unit": "the dispatching unit that sent the member",
    "team": "the team's name as imported",
}


def write_template(out: Path, members: bool = False) -> None:
    """An XLSX with the header row to fill in; examples and help on a second sheet, which
    the import never reads."""
    columns = MEMBER_COLUMNS if members else TEAM_COLUMNS
    book = Workbook(write_only=True)
    book.create_sheet("members" if members else "teams").append(list(columns))
    example = book.create_sheet("example")
    example.append(list(columns))
    for row in MEMBER_EXAMPLES if members else TEAM_EXAMPLES:
        example.append(row)
    example.append([])
    for column in columns:
        example.append([column, _HELP.get(column, "")])
    _save(book, out)
