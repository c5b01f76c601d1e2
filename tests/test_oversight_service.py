"""What a supervisor's command names (bot/services/oversight.py) and which teams they
oversee (bot/access.py): decisions once made in handlers/, tested without Telegram."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.access import load_actor, overseen_scope, overseen_teams
from bot.rules.spoof import Finding, Signal
from bot.services.oversight import (
    Cleared,
    clear_signal,
    evidence_month,
    evidence_subject,
    named_team_only,
    report_month,
    rollcall_target,
    split_evidence_args,
    summary_day,
)
from storage.spoof import SignalTarget
from tests.world import World

TZ = "Asia/Shanghai"
# 2026-12-01 01:30 in Shanghai, still 30 November in UTC.
NOW = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)


def test_summary_day_is_the_teams_own_today_yesterday_or_a_past_date() -> None:
    assert summary_day(None, TZ, NOW).day == date(2026, 12, 1)
    assert summary_day("yesterday", TZ, NOW).day == date(2026, 11, 30)
    assert summary_day("2026-11-02", TZ, NOW).day == date(2026, 11, 2)
    assert summary_day("2026-11-31", TZ, NOW).problem == "bad_date"
    future = summary_day("2026-12-02", TZ, NOW)
    assert future.day is None and future.problem == "future" and future.today == date(2026, 12, 1)
    # UTC is still on the 30th: the 1st is not yet today there.
    assert summary_day("2026-12-01", "UTC", NOW).problem == "future"


@given(st.dates(), st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_a_summary_is_never_of_a_day_still_to_come(day: date, now: datetime) -> None:
    asked = summary_day(day.isoformat(), TZ, now.replace(tzinfo=UTC))
    assert (asked.day is None) == (day > asked.today)
    assert asked.day is None or asked.day <= asked.today


def test_report_month_is_the_typed_one_else_the_teams_previous_month() -> None:
    assert report_month(None, TZ, NOW) == (2026, 11)  # December already in Shanghai
    assert report_month(None, "UTC", NOW) == (2026, 10)
    assert report_month("2026-03", TZ, NOW) == (2026, 3)
    try:
        report_month("2026-13", TZ, NOW)
    except ValueError:
        pass
    else:
        raise AssertionError("2026-13 is no month")


def test_evidence_month_defaults_to_the_teams_current_month() -> None:
    assert evidence_month(None, TZ, NOW) == (2026, 12)
    assert evidence_month(None, "UTC", NOW) == (2026, 11)
    assert evidence_month((2025, 7), TZ, NOW) == (2025, 7)


def test_evidence_arguments_split_a_trailing_month_only_after_a_name() -> None:
    assert split_evidence_args(["Li", "Wei", "2026-11"]) == ("Li Wei", "2026-11")
    assert split_evidence_args(["Li", "Wei"]) == ("Li Wei", None)
    assert split_evidence_args(["2026-11"]) == ("2026-11", None)  # a lone argument is who
    assert split_evidence_args([]) == ("", None)


async def test_overseen_teams_are_an_admins_all_and_a_supervisors_own(world: World) -> None:
    east, west = await world.team("East"), await world.team("West")
    boss = await world.enroll(east, role="supervisor", name="Boss")
    member = await world.enroll(west, name="Li")
    supervisor = await load_actor(world.ctx, boss.id, "en")
    admin = await load_actor(world.ctx, world.admin_id, "en")
    assert [t.id for t in await overseen_teams(world.ctx, supervisor)] == [east.id]
    assert {t.id for t in await overseen_teams(world.ctx, admin)} == {east.id, west.id}
    assert await overseen_teams(world.ctx, await load_actor(world.ctx, member.id, "en")) == []
    # Evidence and signals: the same teams, as ids; None is every team.
    assert overseen_scope(supervisor) == {east.id} and overseen_scope(admin) is None
    assert overseen_scope(await load_actor(world.ctx, member.id, "en")) == set()
    # A team named among those one oversees; another's name leaves nothing.
    both = await overseen_teams(world.ctx, admin)
    assert [t.id for t in await named_team_only(world.ctx, both, "West")] == [west.id]
    mine = await overseen_teams(world.ctx, supervisor)
    assert await named_team_only(world.ctx, mine, "West") == []
    assert await named_team_only(world.ctx, mine, "") == mine


async def test_rollcall_target_is_a_team_or_one_member_by_name_or_id(world: World) -> None:
    east, west = await world.team("East"), await world.team("West")
    li = await world.enroll(east, name="Li Wei")
    await world.enroll(west, name="Zhang")
    await world.enroll(west, name="Zhang")
    teams = [east, west]
    assert (await rollcall_target(world.ctx, [], "")).problem == "rollcall.not_allowed"
    assert (await rollcall_target(world.ctx, teams, "")).problem == "rollcall.which"
    assert (await rollcall_target(world.ctx, [east], "")).team == east
    assert (await rollcall_target(world.ctx, teams, "west")).team == west
    by_name = await rollcall_target(world.ctx, teams, "li wei")
    assert (by_name.team, by_name.member_id) == (east, li.id)
    assert (await rollcall_target(world.ctx, teams, str(li.id))).member_id == li.id
    assert (await rollcall_target(world.ctx, teams, "Zhang")).problem == "rollcall.ambiguous"
    assert (await rollcall_target(world.ctx, teams, "Wang")).problem == "rollcall.not_found"
    # Nobody outside the teams one oversees is found.
    assert (await rollcall_target(world.ctx, [west], "Li Wei")).problem == "rollcall.not_found"


async def test_evidence_subject_is_one_member_within_scope(world: World) -> None:
    east, west = await world.team("East"), await world.team("West")
    li = await world.enroll(east, name="Li Wei")
    found = (await evidence_subject(world.ctx, "Li Wei", None)).found
    assert (
        found is not None and found[0] == li.id and found[1] == "Li Wei" and found[2].id == east.id
    )
    assert (await evidence_subject(world.ctx, "Li Wei", {west.id})).found is None
    await world.enroll(west, name="Li Wei")
    both = await evidence_subject(world.ctx, "Li Wei", None)
    assert both.found is None and len(both.candidates) == 2


async def test_a_signal_is_cleared_once_and_only_within_scope(world: World) -> None:
    east, west = await world.team("East"), await world.team("West")
    li = await world.enroll(east, name="Li")
    day = date(2026, 11, 25)
    target = SignalTarget(li.id, east.id, day, "checkin", 1)
    await world.storage.spoof.record(target, [Finding(Signal.NO_ACCURACY, {})], 0.0)
    [signal] = await world.storage.spoof.for_team(east.id, day, day)
    assert await clear_signal(world.ctx, 7, {west.id}, signal.id, "ok") is Cleared.UNKNOWN
    assert await clear_signal(world.ctx, 7, None, signal.id + 99, "ok") is Cleared.UNKNOWN
    assert await clear_signal(world.ctx, 7, {east.id}, signal.id, "seen him") is Cleared.DONE
    assert await clear_signal(world.ctx, 7, None, signal.id, "again") is Cleared.ALREADY
    assert await world.storage.spoof.for_team(east.id, day, day) == []
