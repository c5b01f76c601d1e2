"""Loading a month's compliance inputs from storage: the right rows, grouped per member, in a
fixed number of queries whatever the number of teams."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.clock import FixedClock
from bot.config import Settings
from bot.context import AppContext
from bot.rules.checkin import Site
from bot.rules.compliance import DayStatus, Verdict, member_month
from bot.rules.team_hours import month_days
from bot.services.compliance import month_report
from storage import Storage
from tests import compliance_seed as seed
from tests.test_rules_compliance import ANN, ANN_GRID, CODES, POLICY, SCHEDULE

SITE = Site(30.1674, 120.2589, 300)
D = date


async def _team(storage: Storage, name: str) -> int:
    team = await storage.teams.create(
        name, "Asia/Shanghai", SITE, now=0.0, schedule=SCHEDULE, policy=POLICY
    )
    return team.id


async def _seed_ann(storage: Storage, team_id: int) -> None:
    await seed.member(storage, team_id, ANN.telegram_id, ANN.name)
    await seed.days(storage, team_id, 1, [(r.day, r.place, r.timing) for r in ANN.days])
    await seed.evenings(storage, team_id, 1, sorted(ANN.evening_days))
    for span in ANN.leaves:
        await seed.leave(
            storage, team_id, 1, span.leave_type, span.first_day, span.last_day,
            ended_early_on=span.ended_early_on,
        )  # fmt: skip
    await seed.diary(storage, team_id, 1, sorted(ANN.diary_days))
    await seed.rollcall(
        storage, team_id, [(1, D(2026, 3, 2), "no_answer"), (1, D(2026, 6, 9), "out_of_area")]
    )


async def test_a_hand_computed_member_round_trips_through_storage(storage: Storage) -> None:
    team_id = await _team(storage, "Xiaoshan")
    await _seed_ann(storage, team_id)
    # Noise that must not count: rejected/pending leave, a deleted diary, a rejected or
    # out-of-area evening check, present roll-call outcomes and last year's absences.
    await seed.leave(
        storage, team_id, 1, "other", D(2026, 11, 26), D(2026, 11, 28), state="rejected"
    )
    await seed.leave(
        storage, team_id, 1, "other", D(2026, 11, 27), D(2026, 11, 28), state="pending"
    )
    await seed.diary(storage, team_id, 1, [D(2026, 11, 20)], deleted=True)
    await seed.evenings(storage, team_id, 1, [D(2026, 11, 4)], accepted=False)
    await seed.evenings(storage, team_id, 1, [D(2026, 11, 5)], place="out_of_area")
    await seed.rollcall(
        storage,
        team_id,
        [(1, D(2026, 7, 1), "present"), (1, D(2025, 12, 30), "no_answer"),
         (1, D(2026, 12, 2), "no_answer")],
    )  # fmt: skip

    (team,) = await storage.compliance.month_inputs(2026, 11, team_id)
    (ann,) = team.members
    assert set(ann.days) == {r for r in ANN.days if r.day.month == 11}
    assert ann.evening_days == ANN.evening_days - {D(2026, 10, 31)}
    assert sorted(ann.leaves, key=lambda s: s.first_day) == sorted(
        ANN.leaves, key=lambda s: s.first_day
    )
    assert ann.diary_days == {D(2026, 11, 2), D(2026, 11, 3)}
    assert ann.absences_ytd == 2  # March and June; not December, not last year, not present
    m = member_month(ann, month_days(2026, 11), team.schedule, team.policy, D(2026, 11, 25))
    assert m.grid == tuple(CODES[c] for c in ANN_GRID.split())
    assert (m.days_on_site, m.nights_on_site, m.leave_total, m.diary_days) == (13, 11, 3, 2)
    assert m.verdict is Verdict.SHORT_COVERED and not m.excellent_eligible


async def test_who_is_listed_and_teams_stay_apart(storage: Storage) -> None:
    a = await _team(storage, "Alpha")
    b = await _team(storage, "Beta")
    await seed.member(storage, a, 10, "Zed")
    await seed.member(storage, a, 11, "amy")
    await seed.member(storage, a, 12, "Sup", role="supervisor")
    await seed.member(storage, a, 13, "Gone quiet", state="left")
    await seed.member(storage, a, 14, "Recalled mid-month", state="recalled")
    await seed.days(storage, a, 14, [(D(2026, 11, 3), "on_site", "on_time")])
    await seed.member(storage, b, 20, "Bea")
    # Bea's day in Alpha's team id must not land on Alpha's members, nor Alpha's on hers.
    await seed.days(storage, b, 20, [(D(2026, 11, 3), "on_site", "late")])
    await seed.days(storage, a, 10, [(D(2026, 11, 4), "on_site", "on_time")])

    teams = await storage.compliance.month_inputs(2026, 11)
    assert [t.team_name for t in teams] == ["Alpha", "Beta"]
    alpha, beta = teams
    assert [m.name for m in alpha.members] == ["amy", "Recalled mid-month", "Zed"]
    assert [m.name for m in beta.members] == ["Bea"]
    assert [r.timing for r in beta.members[0].days] == ["late"]
    assert [r.day.day for r in alpha.members[2].days] == [4]
    assert await storage.compliance.month_inputs(2026, 11, team_id=999) == []


async def test_query_count_does_not_grow_with_teams_or_members(storage: Storage) -> None:
    calls = 0
    fetchall = storage.db.fetchall

    async def counting(sql, params=()):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return await fetchall(sql, params)

    storage.db.fetchall = counting  # type: ignore[method-assign]
    first = await _team(storage, "One")
    await seed.member(storage, first, 1, "A")
    await storage.compliance.month_inputs(2026, 11)
    few = calls
    for n in range(2, 6):
        team_id = await _team(storage, f"T{n}")
        for k in range(10):
            await seed.member(storage, team_id, n * 100 + k, f"M{k}")
    calls = 0
    await storage.compliance.month_inputs(2026, 11)
    assert calls == few <= 8


async def test_days_settle_by_the_team_clock_across_the_march_dst_change(
    storage: Storage,
) -> None:
    berlin = await storage.teams.create("Berlin", "Europe/Berlin", SITE, now=0.0)
    await seed.member(storage, berlin.id, 5, "Greta")
    clock = FixedClock(datetime(2027, 3, 28, 10, 30, tzinfo=UTC))
    ctx = AppContext(settings=Settings(), storage=storage, clock=clock)
    # 10:30 UTC on the 28th is 12:30 CEST (summer time began at 02:00 that night): past
    # the 12:00 cutoff, so the 28th is settled and missed. Under winter time (11:30) it
    # would still be open.
    (tm,) = await month_report(ctx, 2027, 3)
    assert len(tm.days) == 31 and not tm.complete
    grid = tm.members[0].grid
    assert grid[27] is DayStatus.MISSED and grid[28] is DayStatus.FUTURE
    clock.set(datetime(2027, 3, 28, 9, 30, tzinfo=UTC))  # 11:30 CEST: before the cutoff
    (tm,) = await month_report(ctx, 2027, 3)
    assert tm.members[0].grid[27] is DayStatus.FUTURE
