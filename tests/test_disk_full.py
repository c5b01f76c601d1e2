"""A full disk is told honestly and nothing is lost (issue 12, item 7): an entry that could
not be stored is not marked handled, so Telegram delivers it again and it is stored once the
disk has room; the person hears "not saved yet", never "your data is safe"; the CLI says it
in one line."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path

import psycopg
import pytest

from bot.cli import main
from bot.storage_failure import is_storage_failure
from tests.world import World


async def _fill_the_disk(world: World, team_id: int) -> None:
    """The database may not grow by a page (SQLite's own 'database or disk is full'), and
    the diary's pages are full too, so the next entry needs a page it cannot have."""
    db = world.storage.db
    if db.dialect.postgres:
        # PostgreSQL has no page cap to lower: a full disk there is the server's, and
        # bot/storage_failure.py tells its errors apart (tested below); the retry path is the
        # same code, exercised here on SQLite.
        pytest.skip("a full disk cannot be simulated inside PostgreSQL")
    (pages,) = await db.fetchone("PRAGMA page_count")
    await db.execute(f"PRAGMA max_page_count = {pages + 2}")
    message_id = 10_000_000
    for size in (3000, 1000, 300, 100, 30, 1):  # big rows, then whatever still fits
        try:
            for _ in range(400):
                message_id += 1
                await db.execute(
                    "INSERT INTO diary_entries(telegram_id, team_id, local_day, chat_id,"
                    " message_id, kind, text, message_date, created_at)"
                    " VALUES (1, ?, '2000-01-01', 1, ?, 'text', ?, 0, 0)",
                    (team_id, message_id, "x" * size),
                )
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc)
        else:
            raise AssertionError("the database never filled up")


async def _free_the_disk(world: World) -> None:
    await world.storage.db.execute("PRAGMA max_page_count = 1073741823")


def test_storage_failures_are_told_apart_from_bugs() -> None:
    assert is_storage_failure(sqlite3.OperationalError("database or disk is full"))
    assert is_storage_failure(sqlite3.OperationalError("disk I/O error"))
    assert is_storage_failure(OSError(28, "No space left on device"))
    assert not is_storage_failure(sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert not is_storage_failure(ValueError("bug"))
    assert is_storage_failure(psycopg.errors.DiskFull("could not extend file"))
    assert is_storage_failure(psycopg.OperationalError("server closed the connection"))
    assert not is_storage_failure(psycopg.errors.UniqueViolation("duplicate key"))


async def test_a_diary_entry_on_a_full_disk_is_retried_not_lost(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_command("diary")
    await li.next_message()
    await _fill_the_disk(world, team.id)
    li.send_text("Visited the pump station")
    told = (await li.next_message())["text"].lower()
    assert "not saved yet" in told and "safe" not in told
    assert await world.storage.diary.of_person_day(li.id, date(2026, 11, 25)) == []
    await asyncio.sleep(0.3)
    assert world.emu.confirmed_update_id < world.emu.updates.next_id - 1  # not confirmed
    await _free_the_disk(world)
    saved = await li.next_message(timeout=15)
    assert "Saved" in saved["text"]
    entries = await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))
    assert [e.text for e in entries] == ["Visited the pump station"]
    # Told "not saved yet" once, however many times the retry found the disk still full.
    texts = [m["text"] for m in li.sent_messages()]
    assert sum("not saved yet" in t.lower() for t in texts) == 1


def test_a_full_disk_on_the_cli_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai"}
    assert main(["team", "list"], env=env) == 0
    conn = sqlite3.connect(tmp_path / "o.db")
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    conn.close()

    from storage import db as db_module

    connect = db_module._connect

    def small_disk(path, *extra):  # type: ignore[no-untyped-def]
        conn = connect(path, *extra)
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(db_module, "_connect", small_disk)
    # Names are capped at 64 characters: many teams at once outgrow the disk instead.
    sheet = tmp_path / "teams.csv"
    rows = [f"Team {i:04d} {'x' * 50},30.{i:04d},120.1" for i in range(400)]
    sheet.write_text("name,latitude,longitude\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code = main(["team", "import", str(sheet)], env=env)
    err = capsys.readouterr().err
    assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "full" in err


async def test_a_webhook_call_on_a_full_disk_is_answered_503_for_telegram_to_retry(
    world: World,
) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.webhook import SECRET_HEADER, secret_for, webhook_app

    team = await world.team()
    li = await world.join(team)
    li.send_command("diary")
    await li.next_message()
    await _fill_the_disk(world, team.id)
    raw = {
        "update_id": 880_001,
        "message": {
            "message_id": 9_001,
            "date": int(world.clock.now().timestamp()),
            "chat": li.private_chat,
            "from": li.user,
            "text": "Fixed the pump",
        },
    }
    secret = secret_for(world.ctx.settings.token)
    async with TestClient(TestServer(webhook_app(world.app, "/hook", secret))) as client:
        full = await client.post("/hook", json=raw, headers={SECRET_HEADER: secret})
        assert full.status == 503
        assert not await world.storage.delivery.is_processed(880_001)
        await _free_the_disk(world)
        again = await client.post("/hook", json=raw, headers={SECRET_HEADER: secret})
        assert again.status == 200
    entries = await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))
    assert [e.text for e in entries] == ["Fixed the pump"]
