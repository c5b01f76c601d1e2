"""Reminders driven by the real scheduler's job times over a simulated month, in Shanghai
and in Berlin across the 2026-03-29 DST change; catch-up after a restart; faults."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.catchup import catch_up
from bot.jobs import TEAM_JOBS, reschedule_team, schedule_index, slot_job
from bot.rules.reminders import Kind
from bot.rules.team_hours import Schedule, local_datetime
from bot.services import fanout
from bot.services.reminders import send_checkin_reminders
from tests.sched_helpers import attend, delivered, diary, leave, logged, set_state, texts_to
from tests.world import World

MARCH = [date(2026, 3, d) for d in range(1, 32)]


def _trigger_times(world: World, team_id: int, kind: Kind, start: datetime, end: datetime):
    """Every fire time the scheduler's real job would have between start and end."""
    job = slot_job(world.app, team_id, kind)
    assert job is not None
    trigger = job.job.trigger
    out, prev = [], None
    t = trigger.get_next_fire_time(None, start)
    while t is not None and t < end:
        out.append(t.astimezone(UTC))
        prev = t
        t = trigger.get_next_fire_time(prev, prev + timedelta(seconds=1))
    return out


async def test_named_jobs_never_duplicate_and_follow_dst(world: World) -> None:
    team = await world.team(name="Berlin", tz="Europe/Berlin")
    await reschedule_team(world.app, team.id)
    await reschedule_team(world.app, team.id)
    for kind in TEAM_JOBS:
        if kind is Kind.EVENING_REMINDER:
            continue
        job = slot_job(world.app, team.id, kind)
        assert job is not None and job.name is not None
        assert len(world.app.job_queue.get_jobs_by_name(job.name)) == 1
    start = datetime(2026, 3, 27, tzinfo=UTC)
    times = _trigger_times(world, team.id, Kind.CHECKIN_REMINDER, start, start + timedelta(days=4))
    # 07:00 local every day: 06:00 UTC in winter time, 05:00 UTC from Sunday the 29th.
    assert [t.hour for t in times] == [6, 6, 5, 5]
    assert {local_datetime(t, "Europe/Berlin").hour for t in times} == {7}
    digest = _trigger_times(world, team.id, Kind.WEEKLY_DIGEST, start, start + timedelta(days=14))
    assert [local_datetime(t, "Europe/Berlin").strftime("%a %H:%M") for t in digest] == [
        "Mon 08:00",
        "Mon 08:00",
    ]
    # A schedule change moves the job; still one of it.
    await world.storage.teams.set_schedule(
        team.id, Schedule(on_time=datetime(2000, 1, 1, 8, 0).time()), False
    )
    await reschedule_team(world.app, team.id)
    job = slot_job(world.app, team.id, Kind.CHECKIN_REMINDER)
    assert job is not None
    assert team.id in schedule_index(world.app).teams_at[job.data]
    t = job.job.trigger.get_next_fire_time(None, start)
    assert local_datetime(t.astimezone(UTC), "Europe/Berlin").strftime("%H:%M") == "07:30"


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin"])
async def test_simulated_month(world: World, tz: str) -> None:
    team = await world.team(name=f"T-{tz}", tz=tz)
    if tz == "Europe/Berlin":
        # Berlin works Monday to Friday; Shanghai has a holiday on 5 March.
        await world.storage.teams.set_schedule(
            team.id, Schedule(workdays=frozenset(range(5))), False
        )
    else:
        await world.storage.teams.set_schedule(
            team.id, Schedule(holidays=frozenset({date(2026, 3, 5)})), False
        )
    team = await world.storage.teams.get(team.id)
    await reschedule_team(world.app, team.id)
    # Everyone joined before the month simulated: days before joining owe nothing.
    world.clock.set(datetime(2026, 2, 20, 9, 0, tzinfo=ZoneInfo(tz)))
    boss = await world.join(team, role="supervisor", name="Boss")
    diligent = await world.join(team, name="Diligent")
    absent = await world.join(team, name="Absent")
    away = await world.join(team, name="Away")
    recalled = await world.join(team, name="Recalled")
    await leave(world, away.id, team.id, date(2026, 3, 10), date(2026, 3, 14))
    # A rejected leave is no leave.
    await leave(world, absent.id, team.id, date(2026, 3, 2), date(2026, 3, 3), state="rejected")

    start = datetime(2026, 3, 1, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    end = datetime(2026, 4, 1, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    events = []
    for kind in (
        Kind.CHECKIN_REMINDER,
        Kind.DEADLINE_NUDGE,
        Kind.DIARY_REMINDER,
        Kind.SUMMARY,
        Kind.WEEKLY_DIGEST,
    ):
        events += [(t, kind) for t in _trigger_times(world, team.id, kind, start, end)]
    events.sort()

    def workday(d: date) -> bool:
        if tz == "Europe/Berlin":
            return d.weekday() < 5
        return d != date(2026, 3, 5)

    assert len([e for e in events if e[1] is Kind.CHECKIN_REMINDER]) == 31
    for at, kind in events:
        day = local_datetime(at, tz).date()
        if day == date(2026, 3, 20) and kind is Kind.CHECKIN_REMINDER:
            await set_state(world, recalled.id, team.id, "recalled")
        world.clock.set(at)
        await TEAM_JOBS[kind](world.ctx, world.app.bot, team.id, at)
        if kind is Kind.CHECKIN_REMINDER and workday(day):
            # Diligent checks in right after the reminder and writes the diary at noon.
            await attend(world, diligent.id, team.id, day)
            await diary(world, diligent.id, team.id, day)
        # A job that fires twice (restart, second process) sends nothing more.
        again = await TEAM_JOBS[kind](world.ctx, world.app.bot, team.id, at)
        assert again.sent == []

    expected = set()
    for d in MARCH:
        if not workday(d):
            continue
        ref = d.isoformat()
        expected.add(("checkin_reminder", diligent.id, ref))
        for who in (absent, away, recalled):
            if who is away and date(2026, 3, 10) <= d <= date(2026, 3, 14):
                continue
            if who is recalled and d >= date(2026, 3, 20):
                continue
            expected |= {
                (k, who.id, ref) for k in ("checkin_reminder", "deadline_nudge", "diary_reminder")
            }
    members = {diligent.id, absent.id, away.id, recalled.id}
    got = {k for k in await logged(world) if k[1] in members}
    assert got == expected
    # The emulator delivered exactly what was logged: nothing lost, nothing twice.
    sent = delivered(world)
    for uid in members:
        joined = 3  # the join conversation
        assert sent[uid] - joined == len([k for k in expected if k[1] == uid])
    summaries = await logged(world, "summary")
    assert {ref for _, uid, ref in summaries if uid == boss.id} == {
        f"{team.id}:{d.isoformat()}" for d in MARCH if workday(d)
    }
    digests = await logged(world, "weekly_digest")
    assert len(digests) == 5  # Mondays 2, 9, 16, 23, 30 March
    digest_texts = texts_to(world, boss.id)
    if tz == "Europe/Berlin":
        # 23–29 March spans the DST change; Monday to Friday are the workdays.
        week = next(x for x in digest_texts if "week 2026-03-23" in x)
        assert "Diligent: 5 / 0 / 5" in week and "Absent: 0 / 0 / 0" in week
    else:
        # 2–8 March minus the 5th (holiday): Diligent 6 days, Absent none.
        week = next(x for x in digest_texts if "week 2026-03-02" in x)
        assert "Diligent: 6 / 0 / 6" in week and "Absent: 0 / 0 / 0" in week


async def test_catch_up_after_restart(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li")
    wang = await world.join(team, name="Wang")
    sh = ZoneInfo("Asia/Shanghai")
    # The bot was down at 07:00 and 07:40; it comes back at 07:50.
    now = datetime(2026, 11, 25, 7, 50, tzinfo=sh)
    world.clock.set(now)
    await attend(world, wang.id, team.id, date(2026, 11, 25))
    done = await catch_up(world.ctx, world.app.bot, now.astimezone(UTC))
    assert {key for key in done if key[0] == team.id} == {(team.id, "deadline_nudge")}
    assert done[(team.id, "deadline_nudge")].sent == [li.id]
    nudge = texts_to(world, li.id)[-1]
    # Due 07:40, sent at 07:50: the nudge itself first, then the note that it is late.
    assert nudge.startswith("⚠️") and "now late" in nudge
    assert "Sent late: this was due 2026-11-25 07:40" in nudge
    # A second restart a minute later sends nothing twice.
    again = await catch_up(world.ctx, world.app.bot, (now + timedelta(minutes=1)).astimezone(UTC))
    assert again[(team.id, "deadline_nudge")].sent == []


async def test_faults_lose_and_duplicate_nothing(world: World, monkeypatch) -> None:
    monkeypatch.setattr(fanout, "BACKOFF_S", 0.01)
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Boss")
    members = [await world.join(team, name=f"M{i}") for i in range(8)]
    blocked = members[3]
    world.emu.set_blocked(blocked.id)
    world.emu.faults.add("429", method="sendMessage", times=2, retry_after=1)
    world.emu.faults.add("500", method="sendMessage", times=3)
    world.emu.faults.add("502", method="sendMessage", times=1)
    before = delivered(world)
    now = datetime(2026, 11, 25, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    result = await send_checkin_reminders(world.ctx, world.app.bot, team.id, now)
    assert result.blocked == [blocked.id] and result.failed == []
    assert sorted(result.sent) == sorted(m.id for m in members if m is not blocked)
    after = delivered(world)
    for m in members:
        assert after[m.id] - before[m.id] == (0 if m is blocked else 1)
    assert (await world.storage.people.get(blocked.id)).unreachable
    # The supervisor hears once that M3 cannot be reached.
    reports = [x for x in texts_to(world, boss.id) if "M3" in x and "blocked" in x]
    assert len(reports) == 1
    # The blocked member is skipped from now on; nobody is reminded twice.
    again = await send_checkin_reminders(world.ctx, world.app.bot, team.id, now)
    assert again.sent == [] and again.blocked == []
    assert delivered(world) == after


async def test_transient_failure_is_unlogged_and_resent(world: World, monkeypatch) -> None:
    monkeypatch.setattr(fanout, "BACKOFF_S", 0.01)
    monkeypatch.setattr(fanout, "RETRIES", 1)
    team = await world.team()
    members = [await world.join(team, name=f"M{i}") for i in range(4)]
    # Enough 500s that some recipients fail even after their retry (the transport's own
    # retries are turned off here: this is about what the fan-out does once a send fails).
    world.app.bot.rate_limiter.attempts = 1
    world.emu.faults.add("500", method="sendMessage", times=5)
    now = datetime(2026, 11, 25, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    first = await send_checkin_reminders(world.ctx, world.app.bot, team.id, now)
    assert first.failed and len(first.sent) + len(first.failed) == 4
    assert {k[1] for k in await logged(world, "checkin_reminder")} == set(first.sent)
    second = await send_checkin_reminders(world.ctx, world.app.bot, team.id, now)
    assert sorted(second.sent) == sorted(first.failed)
    sent = delivered(world)
    assert all(sent[m.id] == 3 + 1 for m in members)
