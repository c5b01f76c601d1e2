"""Supervisors read their teams' diaries by day (/diaries and its buttons).

Who may read which team is bot/access.may_read_team; here every request is checked against
it (button data only points at team, day and member), forged ones are audited, and the
outcome says what to show: a team's day (`TeamDay`), one member's (`MemberDay`), or why not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.access import Actor, may_read_team
from bot.context import AppContext
from bot.rules.leave import parse_day
from bot.rules.team_hours import local_day
from storage.diary import Entry
from storage.models import Person, Team


def compact(day: date) -> str:
    return day.strftime("%Y%m%d")


def from_compact(value: str) -> date | None:
    """YYYYMMDD from a button; None unless a real day with a day before and after it (the
    view links both: a forged 99991231 must not overflow)."""
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        return None
    try:
        day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None
    return day if date.min < day < date.max else None


@dataclass(frozen=True)
class Refused:
    """Not shown: catalog key and its values (a forged press was audited)."""

    key: str
    values: dict[str, object]
    alert: bool = False


NOT_ALLOWED = Refused("diaries.not_allowed", {}, alert=True)


@dataclass(frozen=True)
class PickTeam:
    teams: tuple[Team, ...]
    day: date | None


@dataclass(frozen=True)
class TeamDay:
    team: Team
    day: date
    today: date
    # Each member of the team and how many entries they wrote that day.
    members: tuple[tuple[Person, int], ...]


@dataclass(frozen=True)
class MemberDay:
    team: Team
    day: date
    today: date
    member_id: int
    name: str
    entries: tuple[Entry, ...]


async def readable_teams(ctx: AppContext, actor: Actor) -> list[Team]:
    return [team for team in await ctx.storage.teams.all() if may_read_team(actor, team.id)]


def _today(ctx: AppContext, team: Team) -> date:
    return local_day(ctx.clock.now(), team.timezone)


async def open_diaries(
    ctx: AppContext, actor: Actor, args: list[str]
) -> Refused | PickTeam | TeamDay:
    """`/diaries [team] [day]`: the team named (or the only one readable), that day (or
    today); several teams and none named: a choice."""
    teams = await readable_teams(ctx, actor)
    if not teams:
        return Refused("diaries.not_allowed", {})
    parsed = parse_day(args[-1], _today(ctx, teams[0])) if args else None
    day = parsed.day if parsed is not None else None
    ref = " ".join(args[:-1] if day is not None else args)
    team = teams[0] if not ref and len(teams) == 1 else None
    if ref:
        team = await ctx.storage.teams.find(ref)
        if team is None or not may_read_team(actor, team.id):
            # Same answer for "no such team" and "not yours": nothing leaks.
            return Refused("diaries.no_team", {"ref": ref})
    if team is None:
        return PickTeam(tuple(teams), day)
    return await _team_day(ctx, team, day or _today(ctx, team))


async def _team_day(ctx: AppContext, team: Team, day: date) -> Refused | TeamDay:
    today = _today(ctx, team)
    if day > today:
        return Refused("diaries.future", {"day": day.isoformat()})
    members = await ctx.storage.people.team_members(team.id, role="member")
    counts = await ctx.storage.diary.team_day_counts(team.id, day)
    rows = tuple((person, counts.get(person.telegram_id, 0)) for _, person in members)
    return TeamDay(team, day, today, rows)


async def press(ctx: AppContext, actor: Actor, data: str) -> Refused | TeamDay | MemberDay:
    """dv:t:<team>:<day|-> (a team's day) and dv:m:<team>:<day>:<member> (a member's)."""
    parts = data.split(":")
    team_id = int(parts[2]) if len(parts) > 3 and _is_id(parts[2]) else None
    team = await ctx.storage.teams.get(team_id) if team_id is not None else None
    if team is None or not may_read_team(actor, team.id):
        await _audit_forged(ctx, actor, data, None)
        return NOT_ALLOWED
    day = from_compact(parts[3]) or _today(ctx, team)
    if day > _today(ctx, team):
        # A button from yesterday's view, pressed today, can still point past today.
        return Refused("diaries.future", {"day": day.isoformat()}, alert=True)
    if parts[1] == "t":
        return await _team_day(ctx, team, day)
    member_id = int(parts[4]) if len(parts) > 4 and _is_id(parts[4]) else None
    if parts[1] != "m" or member_id is None:
        await _audit_forged(ctx, actor, data, team.id)
        return NOT_ALLOWED
    return await _member_day(ctx, actor, data, team, day, member_id)


async def _member_day(
    ctx: AppContext, actor: Actor, data: str, team: Team, day: date, member_id: int
) -> Refused | MemberDay:
    membership = await ctx.storage.people.membership(member_id, team.id)
    if membership is None or membership.role != "member":
        await _audit_forged(ctx, actor, data, team.id)
        return NOT_ALLOWED
    person = await ctx.storage.people.get(member_id)
    name = person.name if person and person.name else str(member_id)
    entries = tuple(await ctx.storage.diary.of_person_day(member_id, day))
    return MemberDay(team, day, _today(ctx, team), member_id, name, entries)


def _is_id(text: str) -> bool:
    # Digits that fit SQLite's integer: a forged 30-digit id is no id.
    return text.isascii() and text.isdigit() and len(text) <= 18


async def _audit_forged(ctx: AppContext, actor: Actor, data: str, team_id: int | None) -> None:
    """Button data that points where this person may not read: kept in the audit trail."""
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor.user_id,
        action="diary.forged",
        team_id=team_id,
        subject=data,
    )
