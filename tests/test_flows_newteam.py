"""The /newteam wizard's checks (bot/flows/newteam.py): a pure function a step, then the
stored steps, creation and who keeps a draft."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.flows import newteam as flow
from bot.flows.newteam import Problem, Question
from bot.flows.states import NewTeamState
from bot.rules.geo import DEFAULT_RADIUS_M, RADIUS_MAX_M, RADIUS_MIN_M
from bot.rules.names import TEAM_NAME_MAX
from storage import Storage
from tests.flow_helpers import ADMIN, MEMBER, actor, context_with_team, state_of

TZ = "Asia/Shanghai"
SITE = NewTeamState(name="South", lat=30.1, lon=120.2, datum="wgs84")
READY = replace(SITE, radius=300, tz=TZ, time="07:30")


def test_each_step_leads_to_the_next_with_its_answer() -> None:
    assert flow.check("name", NewTeamState(), "  South ", TZ) == (
        "site",
        NewTeamState(name="South"),
    )
    step, s = flow.check("site", NewTeamState(name="South"), "30.1, 120.2", TZ)  # type: ignore[misc]
    assert step == "radius" and (s.lat, s.lon) == (30.1, 120.2)
    assert flow.check("radius", SITE, None, TZ) == ("tz", replace(SITE, radius=DEFAULT_RADIUS_M))
    assert flow.check("tz", replace(SITE, radius=300), None, TZ)[1].tz == TZ  # type: ignore[union-attr]
    assert flow.check("time", replace(SITE, radius=300, tz=TZ), "7:30", TZ)[0] == "cutoff"
    assert flow.check("cutoff", READY, None, TZ)[0] == "confirm"


def test_answers_that_cannot_be_used_keep_the_step() -> None:
    assert flow.check("tz", SITE, "Mars/Olympus", TZ) == Problem("newteam.tz_invalid")
    assert flow.check("time", SITE, "25:00", TZ) == Problem("newteam.time_invalid")
    assert flow.check("site", NewTeamState(name="S"), "north", TZ) == Problem(
        "newteam.site_invalid"
    )
    assert flow.check("name", NewTeamState(), "   ", TZ) == Problem(
        "join.text_invalid", {"max": TEAM_NAME_MAX}
    )


def test_coordinates_pasted_lon_first_are_offered_swapped() -> None:
    assert flow.site_problem("120.2, 30.1") == Problem(
        "newteam.site_swapped", {"lat": 30.1, "lon": 120.2}
    )


@given(st.integers(min_value=-10, max_value=100_000))
def test_a_radius_is_taken_only_within_its_bounds(radius: int) -> None:
    checked = flow.check("radius", SITE, str(radius), TZ)
    if RADIUS_MIN_M <= radius <= RADIUS_MAX_M:
        assert checked == ("tz", replace(SITE, radius=radius))
    else:
        assert isinstance(checked, Problem) and checked.key == "newteam.radius_invalid"


def test_the_cutoff_question_suggests_one_after_the_on_time_end() -> None:
    q = flow.question("cutoff", READY, TZ)
    assert q.key == "newteam.ask_cutoff" and q.default == q.values["default"]
    assert str(q.values["earliest"]) <= str(q.default)
    assert flow.question("confirm", READY, TZ).values["cutoff"] == flow.DEFAULT_CUTOFF


async def test_a_taken_name_is_refused_a_new_one_moves_on(storage: Storage) -> None:
    ctx, _ = await context_with_team(storage)
    admin = await actor(ctx, ADMIN)
    await flow.start(ctx, admin, 1)
    state = await state_of(ctx, ADMIN)
    assert state is not None
    taken = await flow.answer(ctx, admin, state, "north", 2)
    assert taken == Problem("newteam.name_taken", {"name": "north"})
    moved = await flow.answer(ctx, admin, state, "South", 3)
    assert isinstance(moved, Question) and moved.step == "site"
    state = await state_of(ctx, ADMIN)
    assert state is not None and (state.step, state.data, state.advanced_by) == (
        "site",
        {"name": "South"},
        3,
    )


async def test_confirming_creates_the_team_its_invites_and_ends_the_wizard(
    storage: Storage,
) -> None:
    ctx, _ = await context_with_team(storage)
    admin = await actor(ctx, ADMIN)
    data = {k: v for k, v in vars(READY).items() if v is not None}
    await storage.flows.set(ADMIN, "newteam", "confirm", data, now=0.0)
    state = await state_of(ctx, ADMIN)
    assert state is not None
    created = await flow.create(ctx, admin, state, 7)
    assert isinstance(created, flow.Created) and created.team.name == "South"
    roles = {created.member_invite.role, created.supervisor_invite.role}
    assert roles == {"member", "supervisor"}
    assert await state_of(ctx, ADMIN) is None and await storage.flows.ended_by(ADMIN) == 7
    again = await flow.create(ctx, admin, state, 8)
    assert again == Problem("newteam.name_taken", {"name": "South"})


async def test_someone_no_longer_an_admin_loses_the_draft(storage: Storage) -> None:
    ctx, _ = await context_with_team(storage)
    await storage.flows.set(MEMBER, "newteam", "site", {"name": "South"}, now=0.0)
    assert await flow.for_admin(ctx, await actor(ctx, MEMBER)) is None
    assert await state_of(ctx, MEMBER) is None


async def test_teams_are_listed_with_their_active_people(storage: Storage) -> None:
    ctx, team = await context_with_team(storage)
    (line,) = await flow.overview(ctx)
    assert (line.team.id, line.members, line.supervisors) == (team.id, 1, 1)
