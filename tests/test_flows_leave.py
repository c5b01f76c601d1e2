"""The leave conversation as a flow (bot/flows/leave.py): its steps decide and store, and
return what the handler shows; no Telegram here."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.flows import leave as flow
from bot.flows.leave import Ask, Clashed, Discarded
from bot.flows.outcome import Problem
from bot.flows.states import LeaveState
from bot.rules.checkin import Site
from bot.rules.policy import Policy
from bot.rules.team_hours import Schedule
from bot.services.leave_requests import request_from
from storage import Storage
from storage.leave_requests import Request
from storage.models import Team
from tests.flow_helpers import MEMBER, actor, context_with_team, state_of

TODAY = date(2026, 12, 3)
# 10:00 in Shanghai on 2026-12-02.
JOINED = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
WEEKDAYS = Schedule(workdays=frozenset(range(5)))
TEAM = Team(1, "T", "Asia/Shanghai", Site(30.0, 120.0, 300), WEEKDAYS, Policy())


def _request(state: str, first: date, last: date, kind: str = "leave") -> Request:
    return Request(
        id=1,
        kind=kind,
        telegram_id=MEMBER,
        team_id=1,
        leave_type="personal",
        first_day=first,
        last_day=last,
        days=1,
        reason="r",
        retroactive=False,
        state=state,
        created_at=0.0,
        decided_by=None,
        decided_at=None,
        decision_reason=None,
        admin_decided_by=None,
        admin_decided_at=None,
        ended_early_on=None,
        reminded_at=None,
        escalated_at=None,
    )


def test_a_pending_future_request_may_be_cancelled_an_ongoing_leave_ended() -> None:
    future = _request("pending", date(2026, 12, 10), date(2026, 12, 11))
    ongoing = _request("approved", date(2026, 12, 1), date(2026, 12, 8))
    past = _request("approved", date(2026, 11, 1), date(2026, 11, 2))
    assert flow.own_action(future, TODAY) == "cancel"
    assert flow.own_action(ongoing, TODAY) == "end"
    assert flow.own_action(past, TODAY) is None
    assert (
        flow.own_action(_request("approved", date(2026, 12, 1), date(2026, 12, 8), "makeup"), TODAY)
        is None
    )


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=12))
def test_the_calendar_shows_only_months_a_leave_may_fall_in(year: int, month: int) -> None:
    bounds = flow.calendar_bounds(TODAY)
    shown = bounds.month(f"{year:04d}-{month:02d}")
    first = date(year, month, 1)
    expected = bounds.earliest.replace(day=1) <= first <= bounds.latest
    assert (shown == first) if expected else shown is None


def test_a_forged_month_is_no_month() -> None:
    bounds = flow.calendar_bounds(TODAY)
    assert bounds.month("2026-13") is None and bounds.month("x") is None
    assert bounds.month("2026-12") == date(2026, 12, 1)


def test_the_summary_counts_workdays_and_says_when_an_admin_must_approve() -> None:
    limit = TEAM.policy.second_approval_after_days
    # Mon 2026-11-30 onwards: enough weekdays to pass the policy's limit.
    long = LeaveState("leave", "sick", "2026-11-30", "2027-01-29", "Flu")
    s = flow.summary_of(long, TEAM, TODAY)
    assert (
        s.workdays == request_from(7, TEAM, "leave", "sick", (s.first, s.last), "Flu", TODAY).days
    )
    assert s.workdays > limit and s.admin_limit == limit and s.retroactive
    short = flow.summary_of(
        LeaveState("leave", "sick", "2026-12-04", "2026-12-07", "Flu"), TEAM, TODAY
    )
    assert (short.workdays, short.admin_limit, short.retroactive) == (2, None, False)
    makeup = flow.summary_of(
        LeaveState("makeup", None, "2026-12-01", "2026-12-01", "r"), TEAM, TODAY
    )
    assert makeup.admin_limit is None and not makeup.retroactive


def test_a_reason_is_one_line_of_at_most_the_limit() -> None:
    assert flow.reason_of("  a \n b ") == ("a b", None)
    assert flow.reason_of(" ") == (None, "leave.reason_empty")
    assert flow.reason_of("x" * (flow.REASON_MAX + 1)) == (None, "leave.reason_long")


async def test_days_then_reason_move_the_flow_and_record_the_update(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    member = await actor(ctx, MEMBER)
    asked = await flow.start(ctx, member, 100)
    assert asked == Ask("type", LeaveState("leave"))
    state = await state_of(ctx, MEMBER)
    assert state is not None and state.advanced_by == 100
    await flow.choose_type(ctx, member, flow.typed(state), "sick", 101)
    state = await state_of(ctx, MEMBER)
    assert state is not None
    first = await flow.take_day(ctx, member, team, state, date(2026, 12, 7), 102)
    assert isinstance(first, Ask) and first.step == "last"
    state = await state_of(ctx, MEMBER)
    assert state is not None
    before = await flow.take_day(ctx, member, team, state, date(2026, 12, 6), 103)
    assert before == Problem("leave.day.before_first", {"first": "2026-12-07"})
    last = await flow.take_day(ctx, member, team, state, date(2026, 12, 8), 104)
    assert last == Ask("reason", LeaveState("leave", "sick", "2026-12-07", "2026-12-08"))
    state = await state_of(ctx, MEMBER)
    assert state is not None and (state.step, state.advanced_by) == ("reason", 104)
    confirm = await flow.take_reason(ctx, member, state, "  Flu ", 105)
    assert isinstance(confirm, Ask) and confirm.state.reason == "Flu"


async def test_a_weekend_alone_is_no_leave(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    member = await actor(ctx, MEMBER)
    await flow.start(ctx, member, 1)
    state = await state_of(ctx, MEMBER)
    assert state is not None
    await flow.choose_type(ctx, member, flow.typed(state), "personal", 2)
    state = await state_of(ctx, MEMBER)
    assert state is not None
    await flow.take_day(ctx, member, team, state, date(2026, 12, 5), 3)
    state = await state_of(ctx, MEMBER)
    assert state is not None
    outcome = await flow.take_day(ctx, member, team, state, date(2026, 12, 6), 4)
    assert outcome == Problem("leave.no_workdays", {"first": "2026-12-05", "last": "2026-12-06"})
    assert (await state_of(ctx, MEMBER)) == state  # the step stays


async def test_dates_that_clash_start_again(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    member = await actor(ctx, MEMBER)
    span = (date(2026, 12, 8), date(2026, 12, 9))
    existing = request_from(MEMBER, team, "leave", "sick", span, "r", date(2026, 12, 3))
    await storage.leave_requests.create(existing, now=0.0)
    await flow.start(ctx, member, 1)
    await storage.flows.set(
        MEMBER,
        "leave",
        "last",
        {"kind": "leave", "type": "sick", "first": "2026-12-07"},
        now=0.0,
        by=2,
    )
    state = await state_of(ctx, MEMBER)
    assert state is not None
    outcome = await flow.take_day(ctx, member, team, state, date(2026, 12, 10), 3)
    assert isinstance(outcome, Clashed) and [c.first_day for c in outcome.clashes] == [span[0]]
    state = await state_of(ctx, MEMBER)
    assert state is not None and state.step == "first"
    assert state.data == {"kind": "leave", "type": "sick"}


async def test_no_leave_before_joining(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    async with storage.db.transaction() as conn:
        # Joined on 2026-12-02 (Shanghai).
        await conn.execute(
            "UPDATE memberships SET joined_at = ? WHERE telegram_id = ?",
            (JOINED.timestamp(), MEMBER),
        )
    member = await actor(ctx, MEMBER)
    await storage.flows.set(MEMBER, "leave", "first", {"kind": "leave", "type": "sick"}, now=0.0)
    state = await state_of(ctx, MEMBER)
    assert state is not None
    outcome = await flow.take_day(ctx, member, team, state, date(2026, 12, 1), 5)
    assert outcome == Problem("req.before_joining", {"day": "2026-12-01", "since": "2026-12-02"})


async def test_discarding_ends_the_flow_with_the_update_that_ended_it(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    member = await actor(ctx, MEMBER)
    data = {
        "kind": "leave",
        "type": "sick",
        "first": "2026-12-07",
        "last": "2026-12-07",
        "reason": "r",
    }
    await storage.flows.set(MEMBER, "leave", "confirm", data, now=0.0)
    state = await state_of(ctx, MEMBER)
    assert state is not None
    outcome = await flow.confirm(ctx, None, member, team, state, False, 9)  # type: ignore[arg-type]
    assert outcome == Discarded()
    assert await state_of(ctx, MEMBER) is None
    assert await storage.flows.ended_by(MEMBER) == 9
    assert await storage.leave_requests.of_person(MEMBER, from_day=date(2026, 12, 1)) == []


async def test_a_makeup_for_a_weekend_is_refused_a_missed_workday_asks_the_reason(
    storage: Storage,
) -> None:
    ctx, team = await context_with_team(storage)
    member = await actor(ctx, MEMBER)
    refused = await flow.begin_makeup(ctx, member, team, date(2026, 11, 29), 1)
    assert not isinstance(refused, Ask) and refused.refusal == "not_workday"
    asked = await flow.begin_makeup(ctx, member, team, date(2026, 12, 1), 2)
    assert asked == Ask("reason", LeaveState("makeup", None, "2026-12-01", "2026-12-01"))
    state = await state_of(ctx, MEMBER)
    assert state is not None and state.data == {
        "kind": "makeup",
        "first": "2026-12-01",
        "last": "2026-12-01",
    }
