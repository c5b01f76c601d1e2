"""Rows of a team spreadsheet, checked: every problem of every row found before anything is
written, each with its line number, so an administrator fixes the sheet in one pass.

Pure: cells in, rows or problems out. A blank cell in an optional column means "the
default" for a new team and "leave as it is" for an existing one, so a sheet that only
lists sites never undoes a cutoff set later with `outpost team set`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.rules.checkin import Site
from bot.rules.geo import (
    DEFAULT_RADIUS_M,
    RADIUS_MAX_M,
    RADIUS_MIN_M,
    Datum,
    in_china,
    parse_datum,
    to_wgs84,
)
from bot.rules.policy import Policy
from bot.rules.team_hours import Schedule, parse_hhmm

if TYPE_CHECKING:  # a plain record; the rules never reach storage
    from storage.models import Team

# Canonical column names, in template order.
TEAM_COLUMNS = (
    "name",
    "latitude",
    "longitude",
    "datum",
    "radius",
    "timezone",
    "checkin_time",
    "grace_minutes",
    "cutoff",
    "min_days",
    "min_nights",
    "require_live",
    "evening_check",
    "supervisor_contact",
)
REQUIRED = ("name", "latitude", "longitude")
MEMBER_COLUMNS = ("name", "unit", "team")

# Headers as people write them (English variants and Chinese) -> canonical column.
_ALIASES = {
    "team": "name",
    "team_name": "name",
    "名称": "name",
    "队名": "name",
    "村": "name",
    "lat": "latitude",
    "纬度": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "经度": "longitude",
    "坐标系": "datum",
    "radius_m": "radius",
    "半径": "radius",
    "tz": "timezone",
    "时区": "timezone",
    "checkin": "checkin_time",
    "check_in": "checkin_time",
    "check_in_time": "checkin_time",
    "on_time": "checkin_time",
    "签到时间": "checkin_time",
    "grace": "grace_minutes",
    "contact": "supervisor_contact",
    "supervisor": "supervisor_contact",
    "联系人": "supervisor_contact",
}
_MEMBER_ALIASES = {
    "姓名": "name",
    "member": "name",
    "单位": "unit",
    "派出单位": "unit",
    "队名": "team",
    "驻村队": "team",
    "team_name": "team",
}
_TRUE = {"on", "yes", "y", "true", "1", "是"}
_FALSE = {"off", "no", "n", "false", "0", "否"}


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class TeamRow:
    """One valid row; None: the column was blank."""

    line: int
    name: str
    lat: float
    lon: float
    datum: Datum
    radius_m: int | None = None
    timezone: str | None = None
    on_time: time | None = None
    grace_minutes: int | None = None
    cutoff: time | None = None
    min_days: int | None = None
    min_nights: int | None = None
    require_live: bool | None = None
    evening_enabled: bool | None = None
    contact: str | None = None


@dataclass(frozen=True)
class MemberRow:
    line: int
    name: str
    unit: str
    team: str


def column_key(header: str, members: bool = False) -> str:
    key = re.sub(r"[\s\-/]+", "_", str(header).strip().lower()).strip("_")
    if members:
        return _MEMBER_ALIASES.get(key, key)
    return _ALIASES.get(key, key)


def name_key(name: str) -> str:
    """Names compare as the database does (case-insensitively), spaces squeezed."""
    return " ".join(name.split()).casefold()


def clean_name(text: str) -> str:
    return " ".join(text.split())


def is_blank(cells: Mapping[str, str]) -> bool:
    return not any(v.strip() for v in cells.values())


class _Row:
    """Collects one row's problems while its cells are parsed."""

    def __init__(self, line: int, cells: Mapping[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.problems: list[str] = []

    def text(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def number(self, column: str) -> float | None:
        raw = self.text(column)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.problems.append(f"{column} {raw!r} is not a number")
            return None
        if not math.isfinite(value):
            self.problems.append(f"{column} {raw!r} is not a number")
            return None
        return value

    def whole(self, column: str, low: int, high: int) -> int | None:
        value = self.number(column)
        if value is None:
            return None
        if value != int(value) or not low <= value <= high:
            self.problems.append(f"{column} must be a whole number from {low} to {high}")
            return None
        return int(value)

    def clock(self, column: str) -> time | None:
        raw = self.text(column)
        if not raw:
            return None
        try:
            return parse_hhmm(raw[:5] if re.fullmatch(r"\d\d:\d\d:00", raw) else raw)
        except ValueError:
            self.problems.append(f"{column} {raw!r} is not a time HH:MM")
            return None

    def switch(self, column: str) -> bool | None:
        raw = self.text(column).lower()
        if not raw:
            return None
        if raw in _TRUE or raw in _FALSE:
            return raw in _TRUE
        self.problems.append(f"{column} {raw!r} must be on or off")
        return None


def _check_site(row: _Row, datum: Datum, timezone: str | None) -> tuple[float, float] | None:
    lat, lon = row.number("latitude"), row.number("longitude")
    for column, value in (("latitude", lat), ("longitude", lon)):
        if value is None and not row.text(column):
            row.problems.append(f"{column} is missing")
    if lat is None or lon is None:
        return None
    swapped = -90 <= lon <= 90 and -180 <= lat <= 180 and in_china(lon, lat)
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        hint = "; latitude and longitude look swapped" if swapped else ""
        row.problems.append(f"coordinates {lat}, {lon} are out of range{hint}")
        return None
    # Chinese datums and Chinese timezones only make sense for points in China: a point
    # outside whose mirror is inside is a swapped pair, not an Arctic outpost.
    chinese = datum is not Datum.WGS84 or (timezone or "").startswith(
        ("Asia/Shanghai", "Asia/Urumqi", "Asia/Chongqing", "Asia/Harbin")
    )
    if chinese and swapped and not in_china(lat, lon):
        row.problems.append(
            f"latitude {lat} and longitude {lon} look swapped (the point is outside China;"
            f" {lon}, {lat} is inside): latitude comes first"
        )
        return None
    return lat, lon


def check_team_row(line: int, cells: Mapping[str, str], default_timezone: str) -> TeamRow | Problem:
    row = _Row(line, cells)
    name = clean_name(row.text("name"))
    if not name:
        row.problems.append("name is missing")
    elif len(name) > 64:
        row.problems.append("name is longer than 64 characters")
    datum = Datum.WGS84
    if row.text("datum"):
        try:
            datum = parse_datum(row.text("datum"))
        except ValueError:
            row.problems.append(f"datum {row.text('datum')!r} must be wgs84, gcj02 or bd09")
    timezone = row.text("timezone") or None
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            row.problems.append(f"unknown timezone {timezone!r}")
            timezone = None
    site = _check_site(row, datum, timezone or default_timezone)
    radius = row.whole("radius", RADIUS_MIN_M, RADIUS_MAX_M)
    fields = {
        "on_time": row.clock("checkin_time"),
        "grace_minutes": row.whole("grace_minutes", 0, 240),
        "cutoff": row.clock("cutoff"),
        "min_days": row.whole("min_days", 0, 31),
        "min_nights": row.whole("min_nights", 0, 31),
        "require_live": row.switch("require_live"),
        "evening_enabled": row.switch("evening_check"),
    }
    if row.problems or site is None:
        return Problem(line, "; ".join(row.problems))
    return TeamRow(
        line=line,
        name=name,
        lat=site[0],
        lon=site[1],
        datum=datum,
        radius_m=radius,
        timezone=timezone,
        contact=row.text("supervisor_contact") or None,
        **fields,  # type: ignore[arg-type]
    )


def check_team_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]], default_timezone: str
) -> tuple[list[TeamRow], list[Problem]]:
    """Every non-blank row checked; duplicates (by name, as the database compares them)
    reported on each later line."""
    good: list[TeamRow] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for line, cells in rows:
        if is_blank(cells):
            continue
        checked = check_team_row(line, cells, default_timezone)
        name = clean_name(cells.get("name", ""))
        if name and name_key(name) in first_line:
            reason = f"team {name!r} is already on line {first_line[name_key(name)]}"
            if isinstance(checked, Problem):
                reason = f"{checked.reason}; {reason}"
            problems.append(Problem(line, reason))
            continue
        if name:
            first_line[name_key(name)] = line
        if isinstance(checked, Problem):
            problems.append(checked)
        else:
            good.append(checked)
    return good, problems


def check_member_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]], known_teams: Iterable[str]
) -> tuple[list[MemberRow], list[Problem]]:
    teams = {name_key(n) for n in known_teams}
    good: list[MemberRow] = []
    problems: list[Problem] = []
    first_line: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        if is_blank(cells):
            continue
        name = clean_name(cells.get("name", ""))
        unit = clean_name(cells.get("unit", ""))
        team = clean_name(cells.get("team", ""))
        reasons = []
        if not name:
            reasons.append("name is missing")
        if not team:
            reasons.append("team is missing")
        elif name_key(team) not in teams:
            reasons.append(f"no team {team!r} (import the teams first)")
        key = (name_key(team), name_key(name))
        if name and team and key in first_line:
            reasons.append(f"{name!r} is already listed for {team!r} on line {first_line[key]}")
        elif name and team:
            first_line[key] = line
        if reasons:
            problems.append(Problem(line, "; ".join(reasons)))
        else:
            good.append(MemberRow(line, name, unit, team))
    return good, problems


@dataclass(frozen=True)
class TeamSpec:
    """A team exactly as the sheet wants it stored (WGS-84 site, whole schedule/policy)."""

    line: int
    name: str
    timezone: str
    site: Site
    schedule: Schedule
    policy: Policy
    require_live: bool
    entered: tuple[float, float, str]
    contact: str | None


@dataclass
class TeamPlan:
    create: list[TeamSpec]
    update: list[tuple[Team, TeamSpec]]
    unchanged: list[Team]


def _spec(row: TeamRow, base: Team | None, contact: str | None, default_tz: str) -> TeamSpec:
    """Raises ValueError when the row's values do not make a valid team together."""
    point = to_wgs84(row.lat, row.lon, row.datum)
    radius = row.radius_m or (base.site.radius_m if base else DEFAULT_RADIUS_M)
    schedule = base.schedule if base else Schedule()
    changes: dict[str, Any] = {
        "on_time": row.on_time,
        "grace_minutes": row.grace_minutes,
        "cutoff": row.cutoff,
        "evening_enabled": row.evening_enabled,
    }
    schedule = dataclasses.replace(schedule, **{k: v for k, v in changes.items() if v is not None})
    policy = base.policy if base else Policy()
    limits: dict[str, Any] = {"min_days": row.min_days, "min_nights": row.min_nights}
    policy = dataclasses.replace(policy, **{k: v for k, v in limits.items() if v is not None})
    require_live = row.require_live
    if require_live is None:
        require_live = base.require_live if base else False
    return TeamSpec(
        line=row.line,
        name=base.name if base else row.name,
        timezone=row.timezone or (base.timezone if base else default_tz),
        site=Site(round(point.lat, 7), round(point.lon, 7), radius),
        schedule=schedule,
        policy=policy,
        require_live=require_live,
        entered=(row.lat, row.lon, row.datum.value),
        contact=row.contact if row.contact is not None else contact,
    )


def _same(team: Team, spec: TeamSpec, contact: str | None) -> bool:
    site = Site(round(team.site.lat, 7), round(team.site.lon, 7), team.site.radius_m)
    return (site, team.timezone, team.schedule, team.policy, team.require_live, contact) == (
        spec.site,
        spec.timezone,
        spec.schedule,
        spec.policy,
        spec.require_live,
        spec.contact,
    )


def plan_teams(
    rows: list[TeamRow],
    existing: Mapping[str, Team],
    contacts: Mapping[int, str],
    default_tz: str,
) -> tuple[TeamPlan, list[Problem]]:
    """What importing these rows would do, against the teams already stored (keyed by
    `name_key`); a team identical to its row is left alone, so a re-import writes nothing."""
    plan = TeamPlan([], [], [])
    problems: list[Problem] = []
    for row in rows:
        base = existing.get(name_key(row.name))
        contact = contacts.get(base.id) if base else None
        try:
            spec = _spec(row, base, contact, default_tz)
        except ValueError as exc:
            problems.append(Problem(row.line, str(exc)))
            continue
        if base is None:
            plan.create.append(spec)
        elif _same(base, spec, contact):
            plan.unchanged.append(base)
        else:
            plan.update.append((base, spec))
    return plan, problems
