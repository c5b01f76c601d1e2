"""A thousand teams in three timezones on shared slots: every kind of work reaches each team
exactly once, at the team's local time; one team's schedule change moves only that team."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.jobs import schedule_index, serve, sync_teams
from bot.rules.checkin import Site
from bot.rules.reminders import Kind, due_times
from bot.rules.slots import MONTHLY_COMPLIANCE, Slot
from bot.rules.team_hours import Schedule, local_datetime
from tests.sched_helpers import delivered, logged
from tests.world import World

ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin")
CHECKIN_TIMES = (time(7, 30), time(8, 0))
TEAMS = 1000
MONDAY = date(2026, 11, 30)
WINDOW = (datetime(2026, 11, 29, 12, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))


async def _teams(world: World, n: int = TEAMS) -> list[Any]:
    site = Site(30.0, 120.0, 300)
    teams = []
    for i in range(n):
        schedule = Schedule(on_time=CHECKIN_TIMES[i % 2])
        team = await world.storage.teams.create(
            f"村{i:04d}", ZONES[i % 3], site, now=0, schedule=schedule
        )
        teams.append(team)
    return teams


async def _members(world: World, teams: list[Any]) -> dict[int, int]:
    """One active member per team, written in bulk; team id -> member id."""
    people = {team.id: 500_000 + team.id for team in teams}
    for uid in people.values():
        world.emu.user(uid, first_name=f"m{uid}")  # someone Telegram knows
    db = world.storage.db
    await db.executemany(
        "INSERT INTO people(telegram_id, name, language, created_at) VALUES (?, ?, 'en', 0)",
        [(uid, f"m{uid}") for uid in people.values()],
    )
    await db.executemany(
        "INSERT INTO memberships(team_id, telegram_id, role, joined_at) VALUES (?, ?, 'member', 0)",
        list(people.items()),
    )
    return people


def _fires(world: World) -> list[tuple[datetime, Slot, frozenset[int]]]:
    """Every slot job's fire times in WINDOW, with the teams each serves."""
    index = schedule_index(world.app)
    out = []
    for slot, teams in index.teams_at.items():
        trigger = index.jobs[slot.name].job.trigger
        t = trigger.get_next_fire_time(None, WINDOW[0])
        while t is not None and t < WINDOW[1]:
            out.append((t.astimezone(UTC), slot, frozenset(teams)))
            t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return sorted(out, key=lambda f: (f[0], f[1]))


def _expected(team: Any) -> dict[str, time]:
    times = {k.value: at for k, at in due_times(team.schedule, team.reminder_lead_minutes).items()}
    times[MONTHLY_COMPLIANCE] = time(8, 0)
    return times


async def test_a_thousand_teams_each_served_once_per_kind_on_time(world: World) -> None:
    teams = await _teams(world)
    assert await sync_teams(world.app) == TEAMS  # found through the change marks
    index = schedule_index(world.app)
    # 3 zones x (2 check-in + 2 nudge times + diary + summary + digest + monthly) slots.
    assert len(index.teams_at) == 3 * 8
    assert sum(name.startswith("slot:") for name in index.jobs) == 3 * 8

    served: Counter[tuple[int, str, date]] = Counter()
    local_times: dict[tuple[int, str], set[str]] = {}
    by_id = {team.id: team for team in teams}
    for fired_at, slot, team_ids in _fires(world):
        for team_id in team_ids:
            local = local_datetime(fired_at, by_id[team_id].timezone)
            served[(team_id, slot.kind, local.date())] += 1
            local_times.setdefault((team_id, slot.kind), set()).add(local.strftime("%H:%M"))
    for team in teams:
        for kind, at in _expected(team).items():
            days = {
                MONTHLY_COMPLIANCE: [date(2026, 12, 1)],
                Kind.WEEKLY_DIGEST.value: [MONDAY],
            }.get(kind, [MONDAY, MONDAY + timedelta(days=1)])
            for day in days:
                assert served[(team.id, kind, day)] == 1, (team.name, kind, day)
            # Never at any other local time, nor on the other day (digest, monthly).
            assert local_times[(team.id, kind)] == {at.strftime("%H:%M")}
            for day in {MONDAY, MONDAY + timedelta(days=1)} - set(days):
                assert served[(team.id, kind, day)] == 0, (team.name, kind, day)


async def test_morning_reminders_reach_every_member_once_at_local_time(world: World) -> None:
    teams = await _teams(world)
    members = await _members(world, teams)
    await sync_teams(world.app)
    for fired_at, slot, team_ids in _fires(world):
        if slot.kind != Kind.CHECKIN_REMINDER.value or fired_at.date() > MONDAY:
            continue
        local = local_datetime(fired_at, slot.timezone)
        if local.date() != MONDAY:
            continue
        world.clock.set(fired_at)
        assert await serve(world.app, slot, sorted(team_ids)) == []
        # Run twice (a restarted process, a duplicate job): nothing more goes out.
        await serve(world.app, slot, sorted(team_ids))
    got = delivered(world)
    assert {uid: got[uid] for uid in members.values()} == {uid: 1 for uid in members.values()}
    assert len(await logged(world, Kind.CHECKIN_REMINDER.value)) == TEAMS


async def test_a_schedule_change_moves_only_that_team(world: World) -> None:
    teams = await _teams(world, 60)
    await sync_teams(world.app)
    index = schedule_index(world.app)
    jobs_before = dict(index.jobs)
    slots_before = dict(index.slots_of)
    moved = teams[0]
    assert moved.schedule.on_time == time(7, 30) and moved.timezone == ZONES[0]
    await world.storage.teams.set_schedule(
        moved.id, dataclasses.replace(moved.schedule, on_time=time(6, 45)), False
    )
    assert await sync_teams(world.app) == 1  # only the changed team is read
    assert await sync_teams(world.app) == 0  # and nothing at all when nothing changed
    changed = {tid for tid, slots in index.slots_of.items() if slots != slots_before[tid]}
    assert changed == {moved.id}
    new_slots = index.slots_of[moved.id] - slots_before[moved.id]
    assert {s.kind for s in new_slots} == {Kind.CHECKIN_REMINDER.value, Kind.DEADLINE_NUDGE.value}
    for slot in new_slots:
        assert index.teams_at[slot] == {moved.id}  # a slot of its own, made for it
    # Every job that existed still exists, untouched; just the two new ones were added.
    assert all(index.jobs[name] is job for name, job in jobs_before.items())
    assert set(index.jobs) - set(jobs_before) == {s.name for s in new_slots}
    # Its old slots lost it and kept the others.
    for slot in slots_before[moved.id] - index.slots_of[moved.id]:
        assert moved.id not in index.teams_at[slot] and index.teams_at[slot]

    # Moving it back empties the new slots: their jobs go, the rest stay.
    await world.storage.teams.set_schedule(moved.id, moved.schedule, False)
    await world.storage.teams.set_timezone(teams[1].id, ZONES[0])  # another process, say
    assert await sync_teams(world.app) == 2
    assert set(index.jobs) == set(jobs_before)
    assert world.app.job_queue is not None
    live = {job.name for job in world.app.job_queue.jobs()}
    assert not {s.name for s in new_slots} & live


async def test_a_slot_retries_only_the_teams_whose_sends_failed(world: World, monkeypatch) -> None:
    from bot.services import fanout

    monkeypatch.setattr(fanout, "BACKOFF_S", 0.01)
    monkeypatch.setattr(fanout, "RETRIES", 0)
    world.app.bot.rate_limiter.attempts = 1  # this is about what happens once a send fails
    teams = await _teams(world, 6)
    members = await _members(world, teams)
    await sync_teams(world.app)
    index = schedule_index(world.app)
    [slot] = [s for s in index.slots_of[teams[0].id] if s.kind == Kind.CHECKIN_REMINDER.value]
    served = sorted(index.teams_at[slot])
    world.emu.faults.add("500", method="sendMessage", times=1)
    world.clock.set(datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo(slot.timezone)))
    failed = await serve(world.app, slot, served)
    assert len(failed) == 1 and failed[0] in served
    retry = index.jobs[f"{slot.name}:retry"]
    assert sorted(retry.data[1]) == failed
    await retry.run(world.app)  # as the JobQueue would, five minutes later
    got = delivered(world)
    assert {t: got[members[t]] for t in served} == {t: 1 for t in served}
    assert f"{slot.name}:retry" not in index.jobs
