"""The /export wizard: an admin picks a period, a team (or all) and a format.

range (this month, last month, or typed) -> team -> format, then the export runs
(bot/services/export.py writes it and its audit row). Each answer returns the next
`Question`, a `Problem` that keeps the step, or, at the end, the `Ready` request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from bot.access import Actor
from bot.context import AppContext
from bot.exporting import DATASETS, EXPORTABLE_DAYS, FORMATS, ExportRequest
from bot.flows import progress
from bot.flows.outcome import STALE, Problem, stored, typed_state
from bot.flows.states import ExportState
from bot.rules.team_hours import local_day
from bot.services.export import month_range
from storage.exports import ExportFilter
from storage.models import FlowState, Team

FLOW = "export"
MAX_TEAM_BUTTONS = 24
_DATE = r"(\d{4}-\d{2}-\d{2})"
# A row id as a button carries it: digits that fit SQLite's integer.
_ID = re.compile(r"[0-9]{1,18}")
_RANGE = re.compile(rf"^\s*{_DATE}\s*(?:\.\.|–|—|-|to|至|~|\s)\s*{_DATE}\s*$")


def parse_range(text: str) -> tuple[date, date] | None:
    match = _RANGE.match(text or "")
    if not match:
        return None
    try:
        first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
    except ValueError:
        return None
    low, high = EXPORTABLE_DAYS
    return (first, last) if low <= first <= last <= high else None


@dataclass(frozen=True)
class Question:
    step: str
    state: ExportState
    teams: tuple[Team, ...] = ()  # the team step: the buttons offered
    team: Team | None = None  # the format step: the team chosen (None: all)


@dataclass(frozen=True)
class Ready:
    """The export the admin asked for, to run; the flow ends once its files went out."""

    request: ExportRequest
    team: Team | None


def typed(flow: FlowState) -> ExportState:
    return typed_state(ExportState, flow)


async def _team(ctx: AppContext, team_id: int | None) -> Team | None:
    return await ctx.storage.teams.get(team_id) if team_id is not None else None


async def question(ctx: AppContext, step: str, s: ExportState) -> Question:
    if step == "team":
        return Question(step, s, teams=tuple((await ctx.storage.teams.all())[:MAX_TEAM_BUTTONS]))
    if step == "format":
        return Question(step, s, team=await _team(ctx, s.team))
    return Question(step, s)


async def current_question(ctx: AppContext, flow: FlowState) -> Question:
    return await question(ctx, flow.step, typed(flow))


async def _move(
    ctx: AppContext, actor: Actor, step: str, s: ExportState, update_id: int
) -> Question:
    # The team key stays even when None: "all teams" is an answer.
    data = stored(s, keep=("team",) if step == "format" else ())
    await progress.move(ctx, actor.user_id, FLOW, step, data, by=update_id)
    return await question(ctx, step, s)


async def start(ctx: AppContext, actor: Actor, update_id: int) -> Question:
    return await _move(ctx, actor, "range", ExportState(), update_id)


async def _period(
    ctx: AppContext, actor: Actor, first: date, last: date, update_id: int
) -> Question:
    s = ExportState(first=first.isoformat(), last=last.isoformat())
    return await _move(ctx, actor, "team", s, update_id)


async def answer_text(
    ctx: AppContext, actor: Actor, flow: FlowState, text: str, update_id: int
) -> Question | Problem:
    """A typed period, or a team's name or id."""
    if flow.step in ("range", "typed"):
        parsed = parse_range(text)
        if parsed is None:
            return Problem("export.range_invalid")
        return await _period(ctx, actor, *parsed, update_id)
    if flow.step == "team":
        team = await ctx.storage.teams.find(text)
        if team is None:
            return Problem("export.team_unknown", {"name": text[:64]})
        return await _move(ctx, actor, "format", replace(typed(flow), team=team.id), update_id)
    return STALE


async def press(
    ctx: AppContext, actor: Actor, flow: FlowState, kind: str, value: str, update_id: int
) -> Question | Problem | Ready:
    """ex:r:<this|last|typed>, ex:t:<all|id>, ex:f:<format>, each only at its step."""
    if kind == "r" and flow.step == "range":
        if value == "typed":
            return await _move(ctx, actor, "typed", ExportState(), update_id)
        today = local_day(ctx.clock.now(), ctx.settings.timezone)
        first, last = month_range(today, 1 if value == "last" else 0)
        return await _period(ctx, actor, first, last, update_id)
    if kind == "t" and flow.step == "team":
        return await _pick_team(ctx, actor, flow, value, update_id)
    if kind == "f" and flow.step == "format" and value in FORMATS:
        return await ready(ctx, typed(flow), value)
    return STALE


async def _pick_team(
    ctx: AppContext, actor: Actor, flow: FlowState, value: str, update_id: int
) -> Question | Problem:
    team_id = None if value == "all" else int(value) if _ID.fullmatch(value) else -1
    if team_id is not None and await _team(ctx, team_id) is None:
        return STALE
    return await _move(ctx, actor, "format", replace(typed(flow), team=team_id), update_id)


async def ready(ctx: AppContext, s: ExportState, fmt: str) -> Ready:
    """Every data set of the period, for the team chosen (its own day bounds) or all."""
    team = await _team(ctx, s.team)
    flt = ExportFilter(
        first_day=date.fromisoformat(s.first or ""),
        last_day=date.fromisoformat(s.last or ""),
        default_timezone=ctx.settings.timezone,
        now=ctx.clock.now(),
        team_id=team.id if team else None,
        bounds_timezone=team.timezone if team else None,
    )
    return Ready(ExportRequest(datasets=tuple(DATASETS), fmt=fmt, flt=flt), team)
