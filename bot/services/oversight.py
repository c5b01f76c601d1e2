"""What a supervisor (or admin) asks of their teams in chat: which team or member a command
names, which day or month it means, and clearing a spoof signal. The handlers of /summary,
/report, /rollcall, /evidence, /clearsignal and /policy parse the command, call these and
render the answer; what each person may see is bot/access.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.context import AppContext
from bot.rules.compliance import parse_month, previous_month
from bot.rules.leave import relative_day
from bot.rules.team_hours import local_datetime, local_day
from storage.models import Team

# (telegram id, name, team id, team name) of a member whose evidence may be asked for.
MemberRow = tuple[int, str | None, int, str]


async def find_team(ctx: AppContext, ref: str) -> Team | None:
    """A team by id or name as typed; None for an empty or unknown reference."""
    return await ctx.storage.teams.find(ref) if ref else None


async def named_team_only(ctx: AppContext, teams: list[Team], ref: str) -> list[Team]:
    """`teams` cut down to the one `ref` names (none when it names no team of theirs);
    all of them when `ref` is empty."""
    if not ref:
        return teams
    wanted = await ctx.storage.teams.find(ref)
    return [team for team in teams if wanted is not None and team.id == wanted.id]


def report_month(month_arg: str | None, tz: str, now: datetime) -> tuple[int, int]:
    """The month a report is asked for: the one typed, else the previous month in the
    team's timezone `tz`. ValueError when the typed one is no month."""
    if month_arg is None:
        return previous_month(local_datetime(now, tz).date())
    return parse_month(month_arg)


@dataclass(frozen=True)
class AskedDay:
    """The day a summary is asked for, or why there is none (a catalog key's last part)."""

    today: date
    day: date | None = None
    problem: str | None = None


def summary_day(arg: str | None, tz: str, now: datetime) -> AskedDay:
    """`today`, `yesterday`, a date, or nothing (today) in the team's own calendar (its
    timezone `tz`); never a day still to come."""
    today = local_day(now, tz)
    day = today if not arg else relative_day(arg, today) or _iso_day(arg)
    if day is None:
        return AskedDay(today, problem="bad_date")
    if day > today:
        return AskedDay(today, problem="future")
    return AskedDay(today, day)


def _iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class RollcallTarget:
    """A whole team, or one member of it; or, with no team, why not (a catalog key)."""

    team: Team | None
    member_id: int | None = None
    problem: str | None = None


async def rollcall_target(ctx: AppContext, teams: list[Team], arg: str) -> RollcallTarget:
    """The team or member `/rollcall <arg>` names among the teams the caller oversees."""
    if not teams:
        return RollcallTarget(None, problem="rollcall.not_allowed")
    if not arg:
        if len(teams) == 1:
            return RollcallTarget(teams[0])
        return RollcallTarget(None, problem="rollcall.which")
    for team in teams:
        if team.name.casefold() == arg.casefold() or str(team.id) == arg:
            return RollcallTarget(team)
    matches = [(team, uid) for team in teams for uid in await _members_named(ctx, team, arg)]
    if len(matches) == 1:
        return RollcallTarget(*matches[0])
    return RollcallTarget(None, problem="rollcall.ambiguous" if matches else "rollcall.not_found")


async def _members_named(ctx: AppContext, team: Team, arg: str) -> list[int]:
    members = await ctx.storage.people.team_members(team.id, role="member")
    wanted = arg.casefold()
    return [
        m.telegram_id
        for m, p in members
        if (p.name or "").casefold() == wanted or str(m.telegram_id) == arg
    ]


def split_evidence_args(args: list[str]) -> tuple[str, str | None]:
    """`/evidence MEMBER [YYYY-MM]`: (who, month as typed). A lone argument is the member,
    even if it looks like a month."""
    if len(args) > 1 and args[-1][:1].isdigit() and "-" in args[-1]:
        return " ".join(args[:-1]).strip(), args[-1]
    return " ".join(args).strip(), None


@dataclass(frozen=True)
class EvidenceSubject:
    """The one member `/evidence` names, or every candidate when the name fits several."""

    candidates: tuple[MemberRow, ...]
    team: Team | None = None

    @property
    def found(self) -> tuple[int, str, Team] | None:
        """(telegram id, name, team) when exactly one member of a team that still exists."""
        if len(self.candidates) != 1 or self.team is None:
            return None
        telegram_id, name, _, _ = self.candidates[0]
        return telegram_id, name or str(telegram_id), self.team


async def evidence_subject(ctx: AppContext, who: str, scope: set[int] | None) -> EvidenceSubject:
    """The member `who` names among the teams in `scope` (None: every team)."""
    matches = tuple(await ctx.storage.spoof.members_matching(who, scope))
    if len(matches) != 1:
        return EvidenceSubject(matches)
    return EvidenceSubject(matches, await ctx.storage.teams.get(matches[0][2]))


def evidence_month(month: tuple[int, int] | None, tz: str, now: datetime) -> tuple[int, int]:
    """The month asked for, else the current month in the team's timezone `tz`."""
    if month is not None:
        return month
    today = local_day(now, tz)
    return today.year, today.month


class Cleared(StrEnum):
    DONE = "clear_done"
    ALREADY = "clear_already"
    UNKNOWN = "clear_unknown"  # missing, or another team's: ids reveal nothing


async def clear_signal(
    ctx: AppContext, actor_id: int, scope: set[int] | None, signal_id: int, reason: str
) -> Cleared:
    """Clear a spoof signal of a team in `scope` (None: every team), with its reason."""
    signal = await ctx.storage.spoof.get(signal_id)
    if signal is None or (scope is not None and signal.team_id not in scope):
        return Cleared.UNKNOWN
    cleared = await ctx.storage.spoof.clear(signal_id, by=actor_id, reason=reason, at=ctx.now_ts())
    return Cleared.DONE if cleared else Cleared.ALREADY
