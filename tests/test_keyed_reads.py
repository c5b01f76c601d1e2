"""PostgreSQL's keyed reads (storage/keyed_reads.py): reads waiting together share a trip,
and one bad read, or a dropped connection, costs only its own caller."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from storage import Storage
from storage.db_postgres import PostgresDatabase
from storage.keyed_reads import KeyedReads
from storage.pg import KEYED_APPLICATION

PERSON = "SELECT telegram_id, name FROM people WHERE telegram_id = ?"


def _keyed(storage: Storage) -> KeyedReads:
    if not isinstance(storage.db, PostgresDatabase):
        pytest.skip("SQLite reads by key inline, without a trip to batch")
    return storage.db.keyed_reads


async def _people(storage: Storage, n: int) -> None:
    for uid in range(1, n + 1):
        await storage.people.ensure(uid, now=0.0)
        await storage.people.set_profile(uid, name=f"P{uid}", unit="U")


async def test_reads_waiting_together_share_trips_and_each_gets_its_own_row(
    storage: Storage,
) -> None:
    keyed = _keyed(storage)
    await _people(storage, 40)
    before = keyed.trips
    rows = await asyncio.gather(*(storage.db.lookup(PERSON, (uid,)) for uid in range(1, 201)))
    assert [r["name"] if r else None for r in rows] == [
        f"P{uid}" if uid <= 40 else None for uid in range(1, 201)
    ]
    assert keyed.trips - before < 20  # batched: far fewer trips than the 200 reads
    many = await storage.db.lookup_all(
        "SELECT telegram_id FROM people WHERE telegram_id <= ? ORDER BY telegram_id", (3,)
    )
    assert [r[0] for r in many] == [1, 2, 3]


async def test_a_failing_read_fails_alone(storage: Storage) -> None:
    _keyed(storage)
    await _people(storage, 5)
    reads = [storage.db.lookup(PERSON, (uid,)) for uid in range(1, 6)]
    bad = storage.db.lookup("SELECT x FROM no_such_table WHERE x = ?", (1,))
    *good, failed = await asyncio.gather(*reads, bad, return_exceptions=True)
    assert isinstance(failed, psycopg.errors.UndefinedTable)
    assert [r["name"] for r in good] == [f"P{uid}" for uid in range(1, 6)]  # type: ignore[index]


async def test_a_read_the_server_cannot_prepare_is_still_answered(storage: Storage) -> None:
    _keyed(storage)
    await _people(storage, 2)
    # `? IS NULL` leaves the parameter's type to its literal: sent as text, not prepared.
    sql = "SELECT count(*) FROM people WHERE (? IS NULL OR telegram_id = ?)"
    assert (await storage.db.lookup(sql, (None, 1)))[0] == 2
    assert (await storage.db.lookup(sql, (1, 1)))[0] == 1


async def test_reads_recover_after_the_server_drops_their_connections(
    storage: Storage, db_target: str
) -> None:
    _keyed(storage)
    await _people(storage, 1)
    assert (await storage.db.lookup(PERSON, (1,)))["name"] == "P1"
    with psycopg.connect(db_target, autocommit=True) as admin:
        ended = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (KEYED_APPLICATION,),
        ).fetchone()
    assert ended is not None and ended[0] >= 1
    outcomes = []
    for _ in range(3):  # the read that meets the dropped connection may fail; later ones work
        try:
            outcomes.append((await storage.db.lookup(PERSON, (1,)))["name"])
        except psycopg.OperationalError:
            outcomes.append("dropped")
    assert outcomes[-1] == "P1" and outcomes.count("dropped") <= 1


async def test_reads_survive_another_process_migrating_a_table(
    storage: Storage, db_target: str
) -> None:
    _keyed(storage)
    await _people(storage, 1)
    sql = "SELECT * FROM people WHERE telegram_id = ?"
    assert (await storage.db.lookup(sql, (1,)))["name"] == "P1"  # prepared for `*` as it was
    with psycopg.connect(db_target, autocommit=True) as other:
        other.execute("ALTER TABLE people ADD COLUMN added_later INTEGER DEFAULT 7")
    row = await storage.db.lookup(sql, (1,))
    assert row["name"] == "P1" and row["added_later"] == 7
