"""Group commit (storage/batch.py): concurrent check-ins share transactions without changing
what each of them means."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

import pytest

from bot.rules.checkin import DayEffect, Place, day_effect
from bot.rules.team_hours import Timing
from storage import Storage
from storage.checkins import NewCheckin
from tests.test_storage import SITE, _checkin

DAY = date(2026, 11, 25)


def _record(storage: Storage, c: NewCheckin):  # type: ignore[no-untyped-def]
    return storage.checkins.record(c, lambda counting: day_effect(counting, c.verdict))


async def test_a_burst_shares_few_transactions_and_keeps_every_row(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    group = storage.db.group_stats
    before = group.groups
    results = await asyncio.gather(
        *(_record(storage, _checkin(u, team.id, 1, Place.ON_SITE)) for u in range(300))
    )
    assert all(r.effect is DayEffect.COUNTS and not r.duplicate for r in results)
    assert len({r.id for r in results}) == 300
    used = group.groups - before
    assert 1 <= used <= 10, used  # grouped, not one transaction per check-in
    assert await storage.checkins.count(accepted=True) == 300
    assert len(await storage.checkins.team_day(team.id, DAY)) == 300


async def test_a_lone_check_in_is_written_at_once(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    r = await asyncio.wait_for(_record(storage, _checkin(7, team.id, 1, Place.ON_SITE)), 1.0)
    assert r.effect is DayEffect.COUNTS
    # Visible to the reader as soon as the caller has its answer: committed, not pending.
    assert (await storage.checkins.day_state(7, team.id, DAY))["checkin_id"] == r.id


async def test_first_counts_and_upgrade_hold_inside_one_group(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    first = _checkin(7, team.id, 1, Place.OUT_OF_AREA, Timing.LATE)
    second = _checkin(7, team.id, 2, Place.ON_SITE)
    third = _checkin(7, team.id, 3, Place.ON_SITE)
    others = [_checkin(u, team.id, 1, Place.ON_SITE) for u in range(100, 150)]
    # Submitted in one go: they land in the same group, in this order.
    a, b, c, *_ = await asyncio.gather(
        *(_record(storage, x) for x in [first, second, third, *others])
    )
    assert a.effect is DayEffect.COUNTS and a.day_place is Place.OUT_OF_AREA
    assert b.effect is DayEffect.UPGRADES and b.day_timing == Timing.LATE
    assert c.effect is DayEffect.NO_CHANGE and c.day_place is Place.ON_SITE
    day = await storage.checkins.day_state(7, team.id, DAY)
    assert day["place"] == "on_site" and day["timing"] == "late"
    assert day["first_checkin_id"] == a.id and day["checkin_id"] == b.id


async def test_the_same_message_twice_in_one_group_is_one_row(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    c = _checkin(7, team.id, 1, Place.ON_SITE)
    first, again = await asyncio.gather(_record(storage, c), _record(storage, c))
    assert not first.duplicate and again.duplicate and again.id == first.id
    assert again.effect is DayEffect.COUNTS and again.day_place is Place.ON_SITE
    assert await storage.checkins.count() == 1


async def test_a_failing_unit_is_rolled_back_alone(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)

    def half_done_then_fails(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO teams(name, timezone, created_at) VALUES ('Half', 'UTC', 0)")
        raise ValueError("bad input")

    good = [_record(storage, _checkin(u, team.id, 1, Place.ON_SITE)) for u in range(20)]
    outcomes = await asyncio.gather(
        *good[:10], storage.db.write_grouped(half_done_then_fails), *good[10:],
        return_exceptions=True,
    )  # fmt: skip
    assert isinstance(outcomes[10], ValueError)
    assert not any(isinstance(o, BaseException) for i, o in enumerate(outcomes) if i != 10)
    assert await storage.teams.by_name("Half") is None  # its half-write is gone
    assert await storage.checkins.count() == 20  # its neighbours committed


async def test_grouped_and_ordinary_transactions_do_not_interleave(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)

    async def ordinary(i: int) -> None:
        async with storage.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO teams(name, timezone, created_at) VALUES (?, 'UTC', 0)", (f"o{i}",)
            )
            await asyncio.sleep(0)  # give grouped writes every chance to barge in
            await conn.execute(
                "UPDATE teams SET timezone = 'Asia/Tokyo' WHERE name = ?", (f"o{i}",)
            )

    jobs = [ordinary(i) for i in range(20)]
    jobs += [_record(storage, _checkin(u, team.id, 1, Place.ON_SITE)) for u in range(100)]
    await asyncio.gather(*jobs)
    assert await storage.checkins.count() == 100
    row = await storage.db.fetchone(
        "SELECT count(*) FROM teams WHERE substr(name, 1, 1) = 'o' AND timezone = 'Asia/Tokyo'"
    )
    assert row is not None and row[0] == 20


async def test_a_caller_that_stops_waiting_does_not_lose_its_write(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    tasks = [
        asyncio.create_task(_record(storage, _checkin(u, team.id, 1, Place.ON_SITE)))
        for u in range(50)
    ]
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the group is on the writer thread now
    tasks[3].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await storage.db.group_stats.close()
    # Every other write stands; the cancelled one either committed whole or not at all.
    count = await storage.checkins.count()
    assert count in (49, 50)
    assert len(await storage.checkins.team_day(team.id, DAY)) == count


async def test_close_writes_what_is_queued(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "o.db"
    storage = await Storage(path).open()
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    tasks = [
        asyncio.create_task(_record(storage, _checkin(u, team.id, 1, Place.ON_SITE)))
        for u in range(30)
    ]
    await asyncio.sleep(0)
    await storage.close()
    await asyncio.gather(*tasks)
    async with Storage(path) as again:
        assert await again.checkins.count() == 30


async def test_a_closed_database_fails_the_waiters(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    await storage.db.close()
    with pytest.raises(RuntimeError):
        await _record(storage, _checkin(7, team.id, 1, Place.ON_SITE))


async def test_keyed_lookups_read_committed_state_inline(storage: Storage) -> None:
    team = await storage.teams.create("T", "Asia/Shanghai", SITE, now=0.0)
    await storage.people.ensure(7, now=0.0)
    async with storage.db.transaction() as conn:
        await conn.execute("UPDATE people SET name = 'Draft' WHERE telegram_id = 7")
        # Inside an open write the inline reader sees the last commit, without waiting.
        person = await storage.people.get(7)
        assert person is not None and person.name is None
    person = await storage.people.get(7)
    assert person is not None and person.name == "Draft"
    # A team row is parsed once per content; a change is seen at once (no stale cache).
    before = await storage.teams.get(team.id)
    assert before is not None and await storage.teams.get(team.id) is before
    await storage.teams.set_timezone(team.id, "Asia/Urumqi")
    after = await storage.teams.get(team.id)
    assert after is not None and after.timezone == "Asia/Urumqi"
    await storage.db.close()
    with pytest.raises(RuntimeError):
        await storage.people.get(7)


def test_gc_tuning_is_applied_once() -> None:
    import gc

    from bot import gc_tuning

    gc_tuning.tune_gc()
    assert gc.get_threshold()[0] >= gc_tuning.YOUNG_THRESHOLD
    frozen = gc.get_freeze_count()
    gc_tuning.tune_gc()  # a second app in the same process freezes nothing more
    assert gc.get_freeze_count() == frozen
