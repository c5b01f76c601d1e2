"""Storage against a fresh temporary database per test."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest

from bot.rules.checkin import (
    CheckinVerdict,
    DayEffect,
    LocationEvidence,
    Place,
    Site,
    day_effect,
)
from bot.rules.team_hours import Schedule, Timing
from storage import Storage
from storage.checkins import NewCheckin
from storage.dialects.errors import INTEGRITY_ERRORS
from storage.migrations import discover
from storage.teams import DuplicateTeam

SITE = Site(30.0, 120.0, 300)
NOW = datetime(2026, 11, 24, 23, 10, tzinfo=UTC)


async def test_migrations_are_recorded_and_not_rerun(tmp_path) -> None:
    path = tmp_path / "o.db"
    async with Storage(path) as s:
        names = [r["name"] for r in await s.db.fetchall("SELECT name FROM schema_migrations")]
        assert names == [name for name, _ in discover()]
        assert (await s.db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    async with Storage(path) as s:  # a second start applies nothing again
        rows = await s.db.fetchall("SELECT name FROM schema_migrations")
        assert len(rows) == len(names)


async def test_team_round_trip(storage: Storage) -> None:
    schedule = Schedule(
        holidays=frozenset({date(2026, 10, 1)}), workdays=frozenset({0, 1, 2, 3, 4})
    )
    team = await storage.teams.create("Xiaoshan", "Asia/Shanghai", SITE, now=1.0, schedule=schedule)
    again = await storage.teams.find("xiaoshan")
    assert again == team
    assert again.schedule.holidays == {date(2026, 10, 1)} and again.schedule.workdays == {
        0,
        1,
        2,
        3,
        4,
    }
    with pytest.raises(DuplicateTeam):
        await storage.teams.create("XIAOSHAN", "Asia/Shanghai", SITE, now=1.0)


async def test_radius_outside_policy_is_refused_by_the_schema(storage: Storage) -> None:
    with pytest.raises(INTEGRITY_ERRORS):
        await storage.teams.create("Tiny", "Asia/Shanghai", Site(30.0, 120.0, 10), now=1.0)


async def test_invites_expire_and_revoke(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    invite = await storage.invites.create(team.id, "member", now=100.0, days=14, created_by=None)
    assert len(invite.code) >= 16
    stored = await storage.invites.get(invite.code)
    assert stored.usable_at(100.0 + 13 * 86400) and not stored.usable_at(100.0 + 14 * 86400)
    await storage.invites.revoke(invite.code, now=200.0)
    assert not (await storage.invites.get(invite.code)).usable_at(300.0)


def _checkin(
    user: int, team_id: int, message_id: int, place: Place, timing=Timing.ON_TIME
) -> NewCheckin:
    ev = LocationEvidence(30.0, 120.0, 10.0, None, False, False, False, NOW, NOW)
    verdict = CheckinVerdict(
        True,
        None,
        10.0 if place is Place.ON_SITE else 5000.0,
        place,
        timing,
        date(2026, 11, 25),
        0.0,
        False,
    )
    return NewCheckin(user, team_id, user, message_id, None, ev, verdict, SITE, NOW.timestamp())


async def test_first_counts_then_upgrade_then_no_change(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    decide = lambda c: lambda counting: day_effect(counting, c.verdict)  # noqa: E731
    first = _checkin(7, team.id, 1, Place.OUT_OF_AREA, Timing.LATE)
    second = _checkin(7, team.id, 2, Place.ON_SITE)
    third = _checkin(7, team.id, 3, Place.OUT_OF_AREA)
    assert (await storage.checkins.record(first, decide(first))).effect is DayEffect.COUNTS
    up = await storage.checkins.record(second, decide(second))
    assert up.effect is DayEffect.UPGRADES and up.day_timing == Timing.LATE
    assert (await storage.checkins.record(third, decide(third))).effect is DayEffect.NO_CHANGE
    day = await storage.checkins.day_state(7, team.id, date(2026, 11, 25))
    assert day["place"] == "on_site" and day["timing"] == "late" and day["first_checkin_id"] == 1


async def test_same_message_twice_is_one_row(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    c = _checkin(7, team.id, 1, Place.ON_SITE)
    first = await storage.checkins.record(c, lambda p: day_effect(p, c.verdict))
    again = await storage.checkins.record(c, lambda p: day_effect(p, c.verdict))
    assert not first.duplicate and again.duplicate and again.id == first.id
    assert await storage.checkins.count() == 1


async def test_a_redelivered_message_that_counted_leaves_its_day_alone(storage: Storage) -> None:
    # The day's row is written by the message's key in the same trip as the check-in: a
    # message seen again (even judged to count again) must not open its day twice.
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    c = _checkin(7, team.id, 1, Place.ON_SITE)
    first = await storage.checkins.record(c, lambda _: DayEffect.COUNTS)
    again = await storage.checkins.record(c, lambda _: DayEffect.COUNTS)
    assert first.effect is DayEffect.COUNTS and again.duplicate and again.id == first.id
    day = await storage.checkins.day_state(7, team.id, date(2026, 11, 25))
    assert day["first_checkin_id"] == first.id and day["checkin_id"] == first.id


async def test_a_day_already_opened_by_another_check_in_is_not_opened_again(
    storage: Storage,
) -> None:
    # As when another process counted first between this one's read and its write: the
    # primary key refuses, nothing of the second check-in is kept.
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    first = await storage.checkins.record(
        _checkin(7, team.id, 1, Place.ON_SITE), lambda _: DayEffect.COUNTS
    )
    with pytest.raises(INTEGRITY_ERRORS):
        await storage.checkins.record(
            _checkin(7, team.id, 2, Place.ON_SITE), lambda _: DayEffect.COUNTS
        )
    assert await storage.checkins.count() == 1
    day = await storage.checkins.day_state(7, team.id, date(2026, 11, 25))
    assert day["first_checkin_id"] == first.id


async def test_a_check_in_that_lost_the_day_to_another_process_is_judged_again(
    storage: Storage,
) -> None:
    # Its first judgement read the day before another process opened it (so: counts); the
    # day's primary key refuses that, and the check-in is judged again against the day.
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    first = await storage.checkins.record(
        _checkin(7, team.id, 1, Place.ON_SITE), lambda _: DayEffect.COUNTS
    )
    seen: list[Any] = []

    def stale_then_fresh(counting: Any) -> DayEffect:
        seen.append(counting)
        return DayEffect.COUNTS if len(seen) == 1 else DayEffect.NO_CHANGE

    second = await storage.checkins.record(_checkin(7, team.id, 2, Place.ON_SITE), stale_then_fresh)
    assert seen == [Place.ON_SITE, Place.ON_SITE]
    assert second.effect is DayEffect.NO_CHANGE and not second.duplicate
    assert await storage.checkins.count() == 2
    day = await storage.checkins.day_state(7, team.id, date(2026, 11, 25))
    assert day["first_checkin_id"] == first.id


def _effect_of(c: NewCheckin, counting: Any) -> Any:
    return day_effect(counting, c.verdict)


async def test_concurrent_writers_do_not_interleave_transactions(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    checkins = [_checkin(u, team.id, 1, Place.ON_SITE) for u in range(200)]
    await asyncio.gather(*(storage.checkins.record(c, partial(_effect_of, c)) for c in checkins))
    assert await storage.checkins.count(accepted=True) == 200
    rows = await storage.checkins.team_day(team.id, date(2026, 11, 25))
    assert len(rows) == 200


async def test_reads_do_not_wait_for_an_open_write(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    async with storage.db.transaction() as conn:
        await conn.execute("UPDATE teams SET timezone = 'Europe/Berlin' WHERE id = ?", (team.id,))
        # The reader sees the last committed state at once, not blocked by the writer.
        seen = await asyncio.wait_for(storage.teams.get(team.id), 1.0)
        assert seen.timezone == "Asia/Shanghai"
    assert (await storage.teams.get(team.id)).timezone == "Europe/Berlin"


async def test_failed_transaction_leaves_nothing(storage: Storage) -> None:
    with pytest.raises(RuntimeError):
        async with storage.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO teams(name, timezone, created_at) VALUES ('X', 'UTC', 0)"
            )
            raise RuntimeError("boom")
    assert await storage.teams.all() == []
    assert await storage.db.fetchone("SELECT * FROM teams") is None


async def test_flow_state_survives_reopen(tmp_path) -> None:
    async with Storage(tmp_path / "o.db") as s:
        await s.flows.set(5, "join", "unit", {"code": "abc", "name": "李"}, now=1.0)
    async with Storage(tmp_path / "o.db") as s:
        state = await s.flows.get(5)
        assert state.step == "unit" and state.data == {"code": "abc", "name": "李"}


async def test_handled_update_ids_are_pruned_after_telegram_would_stop_resending(
    storage: Storage,
) -> None:
    await storage.delivery.mark_processed([1, 2], now=1000.0)
    await storage.delivery.mark_processed([3], now=5000.0)
    assert await storage.delivery.prune_processed(before=2000.0) == 2
    assert not await storage.delivery.is_processed(1)
    assert await storage.delivery.is_processed(3)


async def test_a_flow_step_records_its_update_as_handled_in_its_own_transaction(
    storage: Storage,
) -> None:
    await storage.flows.set(7, "leave", "first", {"kind": "leave"}, now=10.0, by=101)
    # Stored with the step, but not finished: its replies go out after the commit.
    assert await storage.delivery.handled(101) is False
    assert not await storage.delivery.is_processed(101)
    assert await storage.flows.moved_by(7, 101)
    await storage.delivery.mark_processed([101], now=11.0)
    assert await storage.delivery.handled(101) is True
    await storage.flows.set(
        7, "leave", "last", {"kind": "leave", "first": "2026-12-20"}, now=12.0, by=102
    )
    assert not await storage.flows.moved_by(7, 101) and await storage.flows.moved_by(7, 102)
    await storage.flows.clear(7, by=103, now=13.0)
    assert await storage.delivery.handled(103) is False
    assert await storage.flows.moved_by(7, 103) and not await storage.flows.moved_by(7, 102)
    # A step stored without an update (a draft edited) records none.
    await storage.flows.set(8, "diary", "collect", {"day": "2026-12-20"}, now=14.0)
    assert await storage.delivery.processed_count() == 3
