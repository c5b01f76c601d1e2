"""Check-ins' CSV cells rendered once (storage/stored_cells.py, m0174): a PostgreSQL export
of sealed rows is byte for byte the export of the same rows rendered afresh, whatever
happened to a row, its team or its cells since."""

from __future__ import annotations

import argparse
import asyncio
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cli_audit import cmd_verify
from bot.clock import SystemClock
from bot.config import Settings
from bot.context import AppContext
from storage import Storage
from storage.exports import ExportFilter
from storage.stored_cells import STORED_CHECKINS, mismatches, seal_settled
from storage.transfer import copy_database
from tests.export_data import DAY, populate

FILTER = ExportFilter(DAY - timedelta(days=10), DAY + timedelta(days=10), "Asia/Shanghai")
AFTER = DAY + timedelta(days=11)
AWKWARD = ['a,"b"\nc', "=HYPERLINK()", "", "crlf\r\nend", "里面，逗号"]


async def _export(storage: Storage) -> bytes:
    out = io.BytesIO()
    await storage.exports.copy_csv(STORED_CHECKINS, FILTER, out, lambda rows: None)
    return out.getvalue()


async def _fresh(storage: Storage) -> bytes:
    """The export with every row rendered from itself (no stored cells used)."""
    await storage.db.execute("UPDATE checkins SET csv_key = NULL, csv_cells = NULL")
    return await _export(storage)


async def _sealed(storage: Storage) -> int:
    await populate(storage)
    rows = await storage.db.fetchall("SELECT id FROM checkins ORDER BY id")
    for (row_id,), reason in zip(rows, AWKWARD, strict=False):
        await storage.db.execute(
            "UPDATE checkins SET out_of_area_reason = ? WHERE id = ?", (reason, row_id)
        )
    return await seal_settled(storage.db, AFTER, "Asia/Shanghai")


@pytest.fixture
def postgres_only(storage: Storage) -> None:
    if not storage.db.dialect.postgres:
        pytest.skip("PostgreSQL exports read stored cells; SQLite renders every row")


@pytest.mark.usefixtures("postgres_only")
async def test_a_sealed_export_is_the_export_rendered_afresh(storage: Storage) -> None:
    await populate(storage)
    before = await _export(storage)
    rows = await storage.db.fetchall("SELECT id FROM checkins ORDER BY id")
    for (row_id,), reason in zip(rows, AWKWARD, strict=False):
        await storage.db.execute(
            "UPDATE checkins SET out_of_area_reason = ? WHERE id = ?", (reason, row_id)
        )
    awkward = await _export(storage)
    assert awkward != before and b'"a,""b""\nc"' in awkward
    sealed = await seal_settled(storage.db, AFTER, "Asia/Shanghai")
    assert sealed == len(rows) > 3
    unsealed = await storage.db.fetchall("SELECT id FROM checkins WHERE csv_cells IS NULL")
    assert unsealed == []
    assert await _export(storage) == awkward
    # A second night renders nothing again.
    assert await seal_settled(storage.db, AFTER, "Asia/Shanghai") == 0


@pytest.mark.usefixtures("postgres_only")
async def test_the_export_reads_the_stored_cells_and_verify_catches_a_changed_one(
    storage: Storage, tmp_path: Path
) -> None:
    await _sealed(storage)
    row_id = (await storage.db.fetchone("SELECT max(id) FROM checkins"))[0]
    # Changed behind the bot: with the triggers off, as only the database's owner can.
    async with storage.db.transaction() as conn:
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute("UPDATE checkins SET csv_cells = 'forged' WHERE id = ?", (row_id,))
    assert f"{row_id},".encode() in await _export(storage)
    assert b",forged\r\n" in await _export(storage)
    assert await mismatches(storage.db, STORED_CHECKINS, "Asia/Shanghai") == [row_id]

    ctx = AppContext(Settings(timezone="Asia/Shanghai"), storage, SystemClock())
    args = argparse.Namespace(anchor=None, workers=1)
    assert await cmd_verify(ctx, args) == 1


@pytest.mark.usefixtures("postgres_only")
async def test_a_row_changed_after_sealing_is_exported_as_it_is_now(storage: Storage) -> None:
    await _sealed(storage)
    row_id = (await storage.db.fetchone("SELECT min(id) FROM checkins"))[0]
    links = (await storage.db.fetchone("SELECT count(*) FROM chain_links"))[0]
    await storage.db.execute(
        "UPDATE checkins SET out_of_area_reason = 'moved on' WHERE id = ?", (row_id,)
    )
    row = await storage.db.fetchone(
        "SELECT csv_key, csv_cells FROM checkins WHERE id = ?", (row_id,)
    )
    assert tuple(row) == (None, None)
    # The change is chained as before (a new link, so a new row hash in the export).
    assert (await storage.db.fetchone("SELECT count(*) FROM chain_links"))[0] == links + 1
    changed = await _export(storage)
    assert b"moved on" in changed
    assert changed == await _fresh(storage)


@pytest.mark.usefixtures("postgres_only")
async def test_sealing_adds_no_chain_link(storage: Storage) -> None:
    await populate(storage)
    links = await storage.db.fetchall("SELECT chain, seq, hash FROM chain_links ORDER BY 1, 2")
    assert await seal_settled(storage.db, AFTER, "Asia/Shanghai") > 0
    after = await storage.db.fetchall("SELECT chain, seq, hash FROM chain_links ORDER BY 1, 2")
    assert [tuple(r) for r in after] == [tuple(r) for r in links]


@pytest.mark.usefixtures("postgres_only")
async def test_a_team_moving_zone_is_exported_in_its_new_zone(storage: Storage) -> None:
    await _sealed(storage)
    before = await _export(storage)
    await storage.db.execute("UPDATE teams SET timezone = 'Asia/Kathmandu' WHERE id = 1")
    moved = await _export(storage)
    assert b"+05:45," not in before and b"+05:45," in moved
    assert moved == await _fresh(storage)


@pytest.mark.usefixtures("postgres_only")
async def test_only_settled_days_are_sealed(storage: Storage) -> None:
    await populate(storage)
    days = [r[0] for r in await storage.db.fetchall("SELECT DISTINCT local_day FROM checkins")]
    last = max(days)
    await seal_settled(storage.db, date.fromisoformat(last), "Asia/Shanghai")
    rows = await storage.db.fetchall("SELECT local_day, csv_key IS NOT NULL FROM checkins")
    assert {day for day, sealed in rows if sealed} == set(days) - {last}
    assert all(not sealed for day, sealed in rows if day == last)


@pytest.mark.usefixtures("postgres_only")
async def test_db_copy_leaves_the_stored_cells_behind(storage: Storage, tmp_path: Path) -> None:
    await _sealed(storage)
    async with Storage(tmp_path / "copy.db") as target:
        result = await copy_database(storage.db, target.db)
        assert all(c.equal for c in result)
        rows = await target.db.fetchall("SELECT csv_key, csv_cells FROM checkins")
        assert rows and all(tuple(r) == (None, None) for r in rows)


async def _until_a_lock_is_awaited(storage: Storage) -> None:
    for _ in range(400):
        row = await storage.db.fetchone(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database()"
        )
        if row[0]:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the sealing never waited for the row being changed")


@pytest.mark.usefixtures("postgres_only")
async def test_a_row_changed_while_it_is_sealed_is_not_sealed_as_it_was(storage: Storage) -> None:
    await populate(storage)
    row_id = (await storage.db.fetchone("SELECT min(id) FROM checkins"))[0]
    async with storage.db.transaction() as conn:
        await conn.execute(
            "UPDATE checkins SET out_of_area_reason = 'late edit' WHERE id = ?", (row_id,)
        )
        sealing = asyncio.create_task(seal_settled(storage.db, AFTER, "Asia/Shanghai"))
        await _until_a_lock_is_awaited(storage)
    assert await sealing > 0
    row = await storage.db.fetchone("SELECT csv_key FROM checkins WHERE id = ?", (row_id,))
    assert row[0] is None
    exported = await _export(storage)
    assert b"late edit" in exported
    assert exported == await _fresh(storage)
