"""The /newteam wizard: an admin creates a team in chat, one answer a step.

name -> site (typed coordinates or a shared location) -> radius -> timezone -> on-time ->
cutoff -> confirm. Each answer is checked here (`check` is a pure function of the step, the
typed state and the answer); the handler shows the next `Question` or the `Problem`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.access import Actor
from bot.context import AppContext
from bot.flows import progress
from bot.flows.outcome import Problem, stored, typed_state
from bot.flows.states import NewTeamState
from bot.rules.geo import (
    DEFAULT_RADIUS_M,
    RADIUS_MAX_M,
    RADIUS_MIN_M,
    Datum,
    InvalidCoordinates,
    parse_site_input,
    to_wgs84,
    validate_radius,
)
from bot.rules.geo_hints import looks_swapped, parse_radius
from bot.rules.morning import check_cutoff, check_on_time, on_time_end, suggested_cutoff
from bot.rules.names import TEAM_NAME_MAX, clean_team_name
from bot.rules.team_hours import parse_hhmm
from bot.services.teams import TeamDraft, create_invite, create_team
from storage.models import FlowState, Invite, Team
from storage.teams import DuplicateTeam

FLOW = "newteam"
# What a draft begun before the wizard asked for a cutoff gets.
DEFAULT_CUTOFF = "12:00"
DEFAULT_TIME = "07:30"
# Steps a "use the default" button answers.
DEFAULT_STEPS = ("radius", "tz", "time", "cutoff")


@dataclass(frozen=True)
class Question:
    """What the wizard asks at `step`: catalog key, its values, and the default offered."""

    step: str
    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    default: object | None = None


def typed(flow: FlowState) -> NewTeamState:
    return typed_state(NewTeamState, flow)


def _hhmm(at: time | None) -> str:
    return at.strftime("%H:%M") if at else "23:59"


def question(step: str, s: NewTeamState, default_tz: str) -> Question:
    """The question of `step`, for a draft `s` that has every answer before it."""
    if step == "radius":
        values: dict[str, object] = {
            "min": RADIUS_MIN_M,
            "max": RADIUS_MAX_M,
            "default": DEFAULT_RADIUS_M,
        }
        return Question(step, "newteam.ask_radius", values, DEFAULT_RADIUS_M)
    if step == "tz":
        return Question(step, "newteam.ask_tz", {"default": default_tz}, default_tz)
    if step == "time":
        return Question(step, "newteam.ask_time", {"default": DEFAULT_TIME}, DEFAULT_TIME)
    if step == "cutoff":
        on_time = parse_hhmm(str(s.time))
        default = _hhmm(suggested_cutoff(on_time))
        values = {"earliest": _hhmm(on_time_end(on_time)), "default": default}
        return Question(step, "newteam.ask_cutoff", values, default)
    if step == "confirm":
        return Question(step, "newteam.confirm", confirm_values(s))
    return Question(step, f"newteam.ask_{step}")


def confirm_values(s: NewTeamState) -> dict[str, object]:
    point = to_wgs84(float(s.lat or 0), float(s.lon or 0), str(s.datum))
    return {
        "name": s.name,
        "lat": point.lat,
        "lon": point.lon,
        "datum": s.datum,
        "radius": s.radius,
        "tz": s.tz,
        "time": s.time,
        "cutoff": s.cutoff or DEFAULT_CUTOFF,
    }


# -- checking one answer (pure) --------------------------------------------------------------

Answer = tuple[str, NewTeamState] | Problem


def check(step: str, s: NewTeamState, value: str | None, default_tz: str) -> Answer:
    """The next step and the draft with this answer, or the problem with it. `None` means
    "use the default". The name's uniqueness is the caller's (it needs storage)."""
    return _CHECKS[step](s, value, default_tz)


def _name(s: NewTeamState, value: str | None, _tz: str) -> Answer:
    try:
        return "site", replace(s, name=clean_team_name(value))
    except ValueError:
        return Problem("join.text_invalid", {"max": TEAM_NAME_MAX})


def _site(s: NewTeamState, value: str | None, _tz: str) -> Answer:
    try:
        _, datum = parse_site_input(value or "")
        lat, lon = entered_coordinates(value or "")
    except (InvalidCoordinates, ValueError):
        return site_problem(value or "")
    return "radius", replace(s, lat=lat, lon=lon, datum=datum.value)


def _radius(s: NewTeamState, value: str | None, _tz: str) -> Answer:
    try:
        radius = validate_radius(parse_radius(value)) if value is not None else DEFAULT_RADIUS_M
    except ValueError:
        return Problem("newteam.radius_invalid", {"min": RADIUS_MIN_M, "max": RADIUS_MAX_M})
    return "tz", replace(s, radius=radius)


def _tz(s: NewTeamState, value: str | None, default_tz: str) -> Answer:
    tz = (value or default_tz).strip()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return Problem("newteam.tz_invalid")
    return "time", replace(s, tz=tz)


def _time(s: NewTeamState, value: str | None, _tz: str) -> Answer:
    try:
        at = parse_hhmm(value or DEFAULT_TIME)
    except ValueError:
        return Problem("newteam.time_invalid")
    problem = check_on_time(at)
    if problem is not None:
        return Problem(problem.key, {"bound": _hhmm(problem.bound)})
    return "cutoff", replace(s, time=_hhmm(at))


def _cutoff(s: NewTeamState, value: str | None, _tz: str) -> Answer:
    on_time = parse_hhmm(str(s.time))
    try:
        cutoff = parse_hhmm(value) if value is not None else suggested_cutoff(on_time)
    except ValueError:
        return Problem("newteam.time_invalid")
    problem = check_cutoff(on_time, cutoff)
    if problem is not None:
        return Problem(problem.key, {"bound": _hhmm(problem.bound)})
    return "confirm", replace(s, cutoff=_hhmm(cutoff))


_CHECKS: dict[str, Callable[[NewTeamState, str | None, str], Answer]] = {
    "name": _name,
    "site": _site,
    "radius": _radius,
    "tz": _tz,
    "time": _time,
    "cutoff": _cutoff,
}


def site_problem(text: str) -> Problem:
    """Unreadable coordinates; pasted in Amap's "lon, lat" order, the swap is offered."""
    try:
        first, second = entered_coordinates(text)
    except (ValueError, IndexError):
        return Problem("newteam.site_invalid")
    if looks_swapped(first, second):
        return Problem("newteam.site_swapped", {"lat": second, "lon": first})
    return Problem("newteam.site_invalid")


def entered_coordinates(text: str) -> tuple[float, float]:
    """The numbers as typed (before datum conversion): the site keeps what the admin entered."""
    parts = text.replace(",", " ").replace("，", " ").replace(";", " ").split()
    return float(parts[0]), float(parts[1])


# -- the steps, stored -----------------------------------------------------------------------


async def _move(
    ctx: AppContext, actor: Actor, step: str, s: NewTeamState, update_id: int
) -> Question:
    await progress.move(ctx, actor.user_id, FLOW, step, stored(s), by=update_id)
    return question(step, s, ctx.settings.timezone)


async def start(ctx: AppContext, actor: Actor, update_id: int) -> Question:
    return await _move(ctx, actor, "name", NewTeamState(), update_id)


async def answer(
    ctx: AppContext, actor: Actor, flow: FlowState, value: str | None, update_id: int
) -> Question | Problem:
    """One answer to the current step (None: its default)."""
    checked = check(flow.step, typed(flow), value, ctx.settings.timezone)
    if isinstance(checked, Problem):
        return checked
    step, draft = checked
    if flow.step == "name" and await ctx.storage.teams.by_name(draft.name or ""):
        return Problem("newteam.name_taken", {"name": draft.name})
    return await _move(ctx, actor, step, draft, update_id)


async def shared_site(
    ctx: AppContext, actor: Actor, flow: FlowState, lat: float, lon: float, update_id: int
) -> Question | Problem:
    """The site as a shared location (always WGS-84), only at the site step."""
    if flow.step != "site":
        return Problem("newteam.site_invalid")
    draft = replace(typed(flow), lat=lat, lon=lon, datum=Datum.WGS84.value)
    return await _move(ctx, actor, "radius", draft, update_id)


def current_question(ctx: AppContext, flow: FlowState) -> Question:
    return question(flow.step, typed(flow), ctx.settings.timezone)


@dataclass(frozen=True)
class Created:
    team: Team
    member_invite: Invite
    supervisor_invite: Invite


def draft_of(s: NewTeamState) -> TeamDraft:
    return TeamDraft(
        name=s.name or "",
        lat=float(s.lat or 0),
        lon=float(s.lon or 0),
        datum=Datum(s.datum or ""),
        radius_m=int(s.radius or 0),
        timezone=s.tz or "",
        on_time=s.time or "",
        cutoff=s.cutoff or DEFAULT_CUTOFF,  # drafts begun before the cutoff step existed
    )


async def create(
    ctx: AppContext, actor: Actor, flow: FlowState, update_id: int
) -> Created | Problem:
    """The team and its two invites. The flow ends only once the team exists: a crash before
    that never loses the wizard's answers."""
    draft = draft_of(typed(flow))
    try:
        team = await create_team(ctx, draft, actor_id=actor.user_id)
    except DuplicateTeam:
        await progress.end(ctx, actor.user_id, by=update_id)
        return Problem("newteam.name_taken", {"name": draft.name})
    await progress.end(ctx, actor.user_id, by=update_id)
    member = await create_invite(ctx, team, "member", actor_id=actor.user_id)
    supervisor = await create_invite(ctx, team, "supervisor", actor_id=actor.user_id)
    return Created(team, member, supervisor)


async def for_admin(ctx: AppContext, actor: Actor) -> FlowState | None:
    """The wizard's state for a press, or None: a person no longer an admin loses the draft
    (authorization is the admin flag, bot/access.py)."""
    state = await progress.current_of(ctx, actor.user_id, FLOW)
    if state is not None and not actor.is_admin:
        await progress.drop(ctx, actor.user_id)
        return None
    return state


# -- /teams ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamLine:
    team: Team
    members: int
    supervisors: int


async def overview(ctx: AppContext) -> list[TeamLine]:
    """Every team with its active members and supervisors."""
    teams = await ctx.storage.teams.all()
    counts = await ctx.storage.teams.member_counts() if teams else {}
    return [
        TeamLine(
            team,
            counts.get(team.id, {}).get("member", 0),
            counts.get(team.id, {}).get("supervisor", 0),
        )
        for team in teams
    ]
