"""The /export and /recall wizards, diary reading, and where a conversation stands
(bot/flows/*): storage on a temp database, no Telegram."""

from __future__ import annotations

from datetime import date

from bot.flows import diary_reading, progress
from bot.flows import export as export_flow
from bot.flows import recall as recall_flow
from bot.flows.progress import Verdict
from storage import Storage
from tests.flow_helpers import (
    ADMIN,
    MEMBER,
    SUPERVISOR,
    actor,
    context_with_team,
    state_of,
)


async def test_export_this_month_then_a_team_then_a_format_is_ready(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    admin = await actor(ctx, ADMIN)
    await export_flow.start(ctx, admin, 1)
    state = await state_of(ctx, ADMIN)
    assert state is not None
    asked = await export_flow.press(ctx, admin, state, "r", "this", 2)
    assert isinstance(asked, export_flow.Question) and asked.step == "team"
    assert (asked.state.first, asked.state.last) == ("2026-12-01", "2026-12-31")
    assert [t.id for t in asked.teams] == [team.id]
    state = await state_of(ctx, ADMIN)
    assert state is not None
    assert await export_flow.press(ctx, admin, state, "t", "999", 3) == export_flow.STALE
    await export_flow.press(ctx, admin, state, "t", "all", 4)
    state = await state_of(ctx, ADMIN)
    assert state is not None and state.data["team"] is None  # "all teams" is an answer
    ready = await export_flow.press(ctx, admin, state, "f", "csv", 5)
    assert isinstance(ready, export_flow.Ready) and ready.team is None
    assert ready.request.flt.first_day == date(2026, 12, 1) and ready.request.fmt == "csv"


async def test_export_typed_answers(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    admin = await actor(ctx, ADMIN)
    await storage.flows.set(ADMIN, "export", "typed", {}, now=0.0)
    state = await state_of(ctx, ADMIN)
    assert state is not None
    bad = await export_flow.answer_text(ctx, admin, state, "soon", 1)
    assert bad == export_flow.Problem("export.range_invalid")
    await export_flow.answer_text(ctx, admin, state, "2026-11-01 .. 2026-11-30", 2)
    state = await state_of(ctx, ADMIN)
    assert state is not None and state.step == "team"
    unknown = await export_flow.answer_text(ctx, admin, state, "Nowhere", 3)
    assert unknown == export_flow.Problem("export.team_unknown", {"name": "Nowhere"})
    asked = await export_flow.answer_text(ctx, admin, state, "north", 4)
    assert isinstance(asked, export_flow.Question) and asked.team == team


async def test_recall_by_command_goes_to_the_confirmation(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    admin = await actor(ctx, ADMIN)
    usage = await recall_flow.start(ctx, admin, ["abc"], 1)
    assert usage == recall_flow.Problem("recall.usage")
    unknown = await recall_flow.start(ctx, admin, ["42"], 2)
    assert unknown == recall_flow.Problem("recall.not_found", {"id": 42})
    asked = await recall_flow.start(ctx, admin, [str(MEMBER), "left", "post"], 3)
    assert isinstance(asked, recall_flow.Question) and asked.step == "confirm"
    assert asked.names is not None and (asked.names.name, asked.names.team) == ("Mia", team)
    state = await state_of(ctx, ADMIN)
    assert state is not None and state.data == {
        "team": team.id,
        "member": MEMBER,
        "reason": "left post",
    }


async def test_recall_walks_team_member_reason_and_cancel_drops_it(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    admin = await actor(ctx, ADMIN)
    asked = await recall_flow.start(ctx, admin, [], 1)
    assert isinstance(asked, recall_flow.Question) and [t.id for t in asked.teams] == [team.id]
    state = await state_of(ctx, ADMIN)
    assert state is not None
    members = await recall_flow.press(ctx, None, admin, state, "t", str(team.id), 2)  # type: ignore[arg-type]
    assert isinstance(members, recall_flow.Question)
    assert [m.telegram_id for m, _ in members.members] == [MEMBER]
    state = await state_of(ctx, ADMIN)
    assert state is not None
    await recall_flow.press(ctx, None, admin, state, "m", str(MEMBER), 3)  # type: ignore[arg-type]
    state = await state_of(ctx, ADMIN)
    assert state is not None and state.step == "reason"
    invalid = await recall_flow.answer_text(ctx, admin, state, " ", 4)
    assert invalid == recall_flow.Problem("recall.reason_invalid")
    cancelled = await recall_flow.press(ctx, None, admin, state, "no", "", 5)  # type: ignore[arg-type]
    assert cancelled == recall_flow.Cancelled() and await state_of(ctx, ADMIN) is None


async def test_diaries_open_for_a_supervisor_and_refuse_a_member(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    refused = await diary_reading.open_diaries(ctx, await actor(ctx, MEMBER), [])
    assert refused == diary_reading.Refused("diaries.not_allowed", {})
    supervisor = await actor(ctx, SUPERVISOR)
    view = await diary_reading.open_diaries(ctx, supervisor, ["2026-12-02"])
    assert isinstance(view, diary_reading.TeamDay)
    assert (view.team, view.day, view.today) == (team, date(2026, 12, 2), date(2026, 12, 3))
    assert [(p.telegram_id, n) for p, n in view.members] == [(MEMBER, 0)]
    future = await diary_reading.open_diaries(ctx, supervisor, ["2026-12-09"])
    assert future == diary_reading.Refused("diaries.future", {"day": "2026-12-09"})
    hidden = await diary_reading.open_diaries(ctx, supervisor, ["Elsewhere"])
    assert hidden == diary_reading.Refused("diaries.no_team", {"ref": "Elsewhere"})


async def test_a_forged_diary_press_is_refused_and_audited(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    member = await actor(ctx, MEMBER)
    data = f"dv:m:{team.id}:20261202:{MEMBER}"
    assert await diary_reading.press(ctx, member, data) == diary_reading.NOT_ALLOWED
    supervisor = await actor(ctx, SUPERVISOR)
    not_a_member = f"dv:m:{team.id}:20261202:{SUPERVISOR}"
    assert await diary_reading.press(ctx, supervisor, not_a_member) == diary_reading.NOT_ALLOWED
    rows = await storage.audit.recent(action="diary.forged")
    assert {(r["actor_id"], r["subject"]) for r in rows} == {
        (MEMBER, data),
        (SUPERVISOR, not_a_member),
    }
    day = await diary_reading.press(ctx, supervisor, data)
    assert isinstance(day, diary_reading.MemberDay) and (day.name, day.entries) == ("Mia", ())


def test_a_button_day_is_a_real_day_with_neighbours() -> None:
    assert diary_reading.from_compact("20261202") == date(2026, 12, 2)
    assert diary_reading.from_compact("99991231") is None
    assert diary_reading.from_compact("2026120") is None
    assert diary_reading.from_compact("２０２６１２０２") is None


async def test_the_verdict_on_an_update_repeated_stale_or_fresh(storage: Storage) -> None:
    ctx, _ = await context_with_team(storage)
    assert await progress.verdict(ctx, MEMBER, None, 1) is Verdict.FRESH
    await progress.move(ctx, MEMBER, "leave", "type", {"kind": "leave"}, by=5)
    state = await state_of(ctx, MEMBER)
    assert await progress.verdict(ctx, MEMBER, state, 5) is Verdict.REPEAT
    assert await progress.verdict(ctx, MEMBER, state, 6) is Verdict.FRESH
    await progress.end(ctx, MEMBER, by=6)
    assert await progress.verdict(ctx, MEMBER, None, 6) is Verdict.ENDED_REPEAT
    await storage.flows.set(MEMBER, "leave", "type", {"kind": "holiday"}, now=0.0)
    stale = await state_of(ctx, MEMBER)
    assert await progress.verdict(ctx, MEMBER, stale, 7) is Verdict.STALE
    assert await state_of(ctx, MEMBER) is None
