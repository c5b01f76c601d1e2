"""The /leave and make-up conversation: its typed state, steps and decisions.

Leave walks type -> first day -> last day -> reason -> confirm; a make-up starts at its
reason with its one day already chosen. Each step returns what the handler shows: the next
question (`Ask`), a refusal that keeps the step (`Problem`), dates that clash and start
again (`Clashed`), or the end (`Submitted`, `Discarded`). Eligibility (joining day, make-up
days, clashes, workdays) is decided here and in bot/services/leave_requests.py, never in
handlers/leave.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.access import Actor
from bot.context import AppContext
from bot.flows import progress
from bot.flows.outcome import Problem, stored, typed_state
from bot.flows.states import LeaveState, RejectReasonState
from bot.rules import leave as rules
from bot.services import leave_requests as service
from storage.leave_requests import Request
from storage.models import FlowState, Team

if TYPE_CHECKING:
    import telegram

FLOW = "leave"
REJECT_FLOW = "req_reject"
REASON_MAX = 500


# -- typed state -----------------------------------------------------------------------------


def typed(flow: FlowState) -> LeaveState:
    return typed_state(LeaveState, flow)


async def _move(ctx: AppContext, actor: Actor, step: str, state: LeaveState, update_id: int) -> Ask:
    await progress.move(ctx, actor.user_id, FLOW, step, stored(state), by=update_id)
    return Ask(step, state)


# -- outcomes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """The flow is at `step`: its question is asked."""

    step: str
    state: LeaveState


@dataclass(frozen=True)
class Clashed:
    """The chosen dates meet other requests: the dates start again."""

    clashes: tuple[Request, ...]


@dataclass(frozen=True)
class Submitted:
    request: Request | None  # None: it clashed at the last moment
    clashes: tuple[Request, ...]
    sent: int


@dataclass(frozen=True)
class Discarded:
    pass


Step = Ask | Problem | Clashed


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnRequest:
    """One of the member's requests and what they may still do to it."""

    request: Request
    action: str | None  # "cancel", "end" (early) or None


def own_action(r: Request, today: date) -> str | None:
    if rules.can_cancel(r.state, r.first_day, today):
        return "cancel"
    if r.kind == "leave" and rules.can_end_early(
        r.state, r.first_day, r.last_day, r.ended_early_on, today
    ):
        return "end"
    return None


async def own_requests(ctx: AppContext, actor: Actor, team: Team) -> list[OwnRequest]:
    """The member's pending and future requests."""
    today = service.team_today(ctx, team)
    mine = await ctx.storage.leave_requests.of_person(actor.user_id, from_day=today)
    return [OwnRequest(r, own_action(r, today)) for r in mine]


@dataclass(frozen=True)
class CalendarBounds:
    """The days a leave may fall on, seen from `today`."""

    today: date
    earliest: date
    latest: date

    def month(self, value: str) -> date | None:
        """`YYYY-MM` of a month the calendar can show, else None: a forged 9999-12 would
        overflow the next month's arithmetic."""
        try:
            month = date.fromisoformat(value + "-01")
        except ValueError:
            return None
        return month if self.earliest.replace(day=1) <= month <= self.latest else None


def calendar_bounds(today: date) -> CalendarBounds:
    return CalendarBounds(
        today,
        today - timedelta(days=rules.PAST_LIMIT_DAYS),
        today + timedelta(days=rules.FUTURE_LIMIT_DAYS),
    )


@dataclass(frozen=True)
class Summary:
    """What the member confirms: the request as it will be sent."""

    state: LeaveState
    first: date
    last: date
    workdays: int
    admin_limit: int | None  # the policy's days when an admin must approve too
    retroactive: bool


def summary_of(state: LeaveState, team: Team, today: date) -> Summary:
    first = date.fromisoformat(state.first or "")
    last = date.fromisoformat(state.last or "")
    is_leave = state.kind == "leave"
    days = rules.leave_workdays(first, last, team.schedule)
    limit = team.policy.second_approval_after_days
    needs_admin = is_leave and rules.needs_admin_approval("leave", days, limit)
    retroactive = is_leave and rules.is_retroactive(first, today)
    return Summary(state, first, last, days, limit if needs_admin else None, retroactive)


def reason_of(text: str | None) -> tuple[str | None, str | None]:
    """A usable reason, or the catalog key of what is wrong with it."""
    value = " ".join((text or "").split())
    if not value:
        return None, "leave.reason_empty"
    if len(value) > REASON_MAX:
        return None, "leave.reason_long"
    return value, None


# -- steps -----------------------------------------------------------------------------------


async def start(ctx: AppContext, actor: Actor, update_id: int) -> Ask:
    return await _move(ctx, actor, "type", LeaveState(kind="leave"), update_id)


async def choose_type(
    ctx: AppContext, actor: Actor, state: LeaveState, leave_type: str, update_id: int
) -> Ask:
    chosen = replace(state, type=leave_type)
    return await _move(ctx, actor, "first", chosen, update_id)


async def take_day(
    ctx: AppContext, actor: Actor, team: Team, flow: FlowState, day: date, update_id: int
) -> Step:
    """The first or the last day, as the step asks."""
    state = typed(flow)
    if flow.step == "first":
        since = service.joined_day_in(actor, team)
        if since is not None and day < since:
            # Before joining a person was not a member yet: no leave to take.
            values = {"day": day.isoformat(), "since": since.isoformat()}
            return Problem("req.before_joining", values)
        return await _move(ctx, actor, "last", replace(state, first=day.isoformat()), update_id)
    return await _take_last(ctx, actor, team, state, day, update_id)


async def _take_last(
    ctx: AppContext, actor: Actor, team: Team, state: LeaveState, day: date, update_id: int
) -> Step:
    first = date.fromisoformat(state.first or "")
    if rules.check_last_day(first, day):
        return Problem("leave.day.before_first", {"first": first.isoformat()})
    clashes = await ctx.storage.leave_requests.clashes(actor.user_id, first, day)
    if clashes:
        # Start the dates again: the clash names what is in the way.
        await _move(ctx, actor, "first", replace(state, first=None, last=None), update_id)
        return Clashed(tuple(clashes))
    if state.kind == "leave" and not rules.leave_workdays(first, day, team.schedule):
        # Only holidays and days off: nothing to take leave from.
        return Problem("leave.no_workdays", {"first": first.isoformat(), "last": day.isoformat()})
    return await _move(ctx, actor, "reason", replace(state, last=day.isoformat()), update_id)


async def take_reason(
    ctx: AppContext, actor: Actor, flow: FlowState, text: str | None, update_id: int
) -> Step:
    reason, problem = reason_of(text)
    if reason is None:
        return Problem(problem or "leave.reason_empty", {"max": REASON_MAX})
    return await _move(ctx, actor, "confirm", replace(typed(flow), reason=reason), update_id)


async def confirm(
    ctx: AppContext,
    bot: telegram.Bot,
    actor: Actor,
    team: Team,
    flow: FlowState,
    send_it: bool,
    update_id: int,
) -> Submitted | Discarded:
    """Send the request (or not), then end the flow: ended only once submitted, so a crash
    before this leaves the request to be sent again (it then meets itself as a clash)."""
    outcome: Submitted | Discarded = Discarded()
    if send_it:
        outcome = await _submit(ctx, bot, actor, team, typed(flow))
    await progress.end(ctx, actor.user_id, by=update_id)
    return outcome


async def _submit(
    ctx: AppContext, bot: telegram.Bot, actor: Actor, team: Team, state: LeaveState
) -> Submitted:
    today = service.team_today(ctx, team)
    span = date.fromisoformat(state.first or ""), date.fromisoformat(state.last or "")
    reason = state.reason or ""
    new = service.request_from(actor.user_id, team, state.kind, state.type, span, reason, today)
    request, clashes, sent = await service.submit(ctx, bot, new)
    return Submitted(request, tuple(clashes), sent)


async def begin_makeup(
    ctx: AppContext, actor: Actor, team: Team, day: date, update_id: int
) -> Ask | service.MakeupCheck:
    """A make-up for `day`, if the member may ask one (the check says why not)."""
    checked = await service.check_makeup(ctx, actor, team, day)
    if checked.refusal is not None:
        return checked
    state = LeaveState(kind="makeup", first=day.isoformat(), last=day.isoformat())
    return await _move(ctx, actor, "reason", state, update_id)


async def begin_rejection(
    ctx: AppContext, actor: Actor, request_id: int, update_id: int
) -> service.Outcome:
    """A supervisor's "reject": allowed only to a decider, who is then asked the reason."""
    checked = await service.check_decider(ctx, actor, request_id, "reject")
    if checked.ok:
        data = {"request_id": request_id}
        await progress.move(ctx, actor.user_id, REJECT_FLOW, "reason", data, by=update_id)
    return checked


async def reject_with_reason(
    ctx: AppContext, bot: telegram.Bot, actor: Actor, flow: FlowState, reason: str, update_id: int
) -> service.Outcome:
    """Ended only once decided: a crash before this leaves the reason to be taken again."""
    request_id = typed_state(RejectReasonState, flow).request_id
    outcome = await service.decide(ctx, bot, actor, request_id, approve=False, reason=reason)
    await progress.end(ctx, actor.user_id, by=update_id)
    return outcome


async def decider_name(ctx: AppContext, request: Request) -> str:
    return await service.person_name(ctx, request.admin_decided_by or request.decided_by)
