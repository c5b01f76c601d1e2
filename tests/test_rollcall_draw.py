"""The weekly random roll call: min(teams, setting) teams drawn, topped up when teams come
after the draw, and the draw written to the admin log only."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.jobs import draw_and_schedule
from bot.rules.rollcall import DrawTeam, draw_week
from bot.rules.team_hours import Schedule
from tests.world import World

SH = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)
ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Pacific/Auckland"]


def _draw(teams, now, seed, low=3, high=5, already=()):  # type: ignore[no-untyped-def]
    return draw_week(
        teams,
        MONDAY,
        now,
        random.Random(seed),
        min_teams=low,
        max_teams=high,
        answer_minutes=30,
        already=already,
    )


def test_two_teams_and_a_setting_of_three_to_five_draws_both() -> None:
    teams = [DrawTeam(1, "Asia/Shanghai", Schedule()), DrawTeam(2, "Asia/Shanghai", Schedule())]
    now = datetime(2026, 11, 23, 0, 5, tzinfo=SH)
    for seed in range(20):
        assert sorted(p.team_id for p in _draw(teams, now, seed)) == [1, 2]


def test_a_team_with_no_working_hours_left_does_not_take_anothers_place() -> None:
    # Sunday 18:30 in Shanghai: Shanghai's week is over, Berlin's Sunday still has hours.
    now = datetime(2026, 11, 29, 18, 30, tzinfo=SH)
    teams = [DrawTeam(1, "Asia/Shanghai", Schedule()), DrawTeam(2, "Europe/Berlin", Schedule())]
    for seed in range(10):
        assert [p.team_id for p in _draw(teams, now, seed, low=1, high=1)] == [2]


@given(
    st.lists(st.sampled_from(ZONES), min_size=0, max_size=8),
    st.integers(min_value=0, max_value=6 * 24),
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=0, max_value=2**32),
)
def test_draws_min_of_callable_teams_and_setting(
    zones: list[str], hours: int, low: int, extra: int, seed: int
) -> None:
    teams = [DrawTeam(i + 1, tz, Schedule()) for i, tz in enumerate(zones)]
    now = datetime(2026, 11, 23, tzinfo=SH) + timedelta(hours=hours)
    high = low + extra
    plans = _draw(teams, now, seed, low=low, high=high)
    callable_teams = {t.team_id for t in teams if _draw([t], now, 0, low=1, high=1)}
    ids = [p.team_id for p in plans]
    assert len(ids) == len(set(ids)) and set(ids) <= callable_teams
    assert min(len(callable_teams), low) <= len(ids) <= min(len(callable_teams), high)
    assert all(p.at > now.astimezone(UTC) for p in plans)
    # A top-up never redraws a drawn team and only fills up to the minimum.
    drawn = set(ids)
    if not drawn:
        return  # nothing drawn: the next call is a whole draw again
    more = _draw(teams, now, seed + 1, low=low, high=high, already=drawn)
    assert not drawn & {p.team_id for p in more}
    assert len(drawn) + len(more) == max(len(drawn), min(low, len(callable_teams)))


async def test_a_team_created_after_the_draw_tops_it_up_in_the_admin_log(world: World) -> None:
    first = await world.team(name="Alpha")
    world.clock.set(datetime(2026, 11, 23, 0, 5, tzinfo=SH))
    assert len(await draw_and_schedule(world.app, random.Random(1))) == 1
    second = await world.team(name="Beta")
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=SH))
    # The periodic sync (or the next start) draws the newcomer: min(2 teams, 3) = 2.
    await draw_and_schedule(world.app, random.Random(2), only_new=True)
    plans = await world.storage.rollcalls.unfired_plans()
    assert sorted(p.team_id for p in plans) == sorted([first.id, second.id])
    logs = await world.storage.audit.recent(action="rollcall.plan")
    assert [(x["team_id"], json.loads(x["after"])["team"]) for x in logs] == [
        (second.id, "Beta"),
        (first.id, "Alpha"),
    ]
    assert [json.loads(x["after"])["top_up"] for x in logs] == [True, False]
    # Enough teams now: nothing more is drawn or logged.
    await draw_and_schedule(world.app, random.Random(3), only_new=True)
    assert len(await world.storage.audit.recent(action="rollcall.plan")) == 2
