"""`outpost export | member list | member recall | audit | backup`, and restoring a backup."""

from __future__ import annotations

import asyncio
import io
import shutil
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli_admin import _Progress
from bot.services.backup import backup_database
from storage import Storage
from tests.export_data import populate


def _env(tmp_path: Path) -> dict[str, str]:
    return {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai"}


@pytest.fixture
def populated(tmp_path: Path) -> dict[str, str]:
    async def fill() -> None:
        async with Storage(tmp_path / "o.db") as storage:
            await populate(storage)

    asyncio.run(fill())
    return _env(tmp_path)


def _one_line_error(capsys: pytest.CaptureFixture[str], contains: str) -> None:
    err = capsys.readouterr().err
    assert contains in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-11-30", "--to", "2026-11-01"], "starts (2026-11-30) after it ends"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--team", "Nowhere"], "no team 'Nowhere'"),
        (["--from", "2026/11/01", "--to", "2026-11-30"], "--from '2026/11/01' is not a date"),
        (["--from", "2026-11-01", "--to", "2026-13-01"], "--to '2026-13-01' is not a date"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--dataset", "x"], "unknown data set"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--member", "li"], "not a Telegram"),
    ],
)
def test_export_bad_input_is_one_line_and_no_file(
    tmp_path: Path,
    populated: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code = main(["export", *args, "--format", "csv", "--out", str(out / "x.zip")], env=populated)
    assert code == 2
    _one_line_error(capsys, message)
    assert list(out.iterdir()) == []


def test_export_to_an_unwritable_path(
    tmp_path: Path, populated: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    args = ["export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"]
    assert main([*args, "--out", str(blocker / "x.xlsx")], env=populated) == 2
    _one_line_error(capsys, "does not exist")
    assert main([*args, "--out", str(tmp_path / "none" / "x.xlsx")], env=populated) == 2
    _one_line_error(capsys, "does not exist")


def test_export_all_data_sets_as_zip_and_audited(
    tmp_path: Path, populated: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nov.zip"
    args = ["export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "jsonl"]
    assert main([*args, "--out", str(out), "--team", "萧山队"], env=populated) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "checkins" in printed
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        checkins = zf.read("checkins.jsonl").decode()
    assert "audit.jsonl" in names and "leave.jsonl" in names
    assert '"team":"萧山队"' in checkins and '"team":"Hudson"' not in checkins
    assert main(["audit", "--action", "export"], env=populated) == 0
    line = capsys.readouterr().out.strip()
    assert "export" in line and "console" in line and '"format": "jsonl"' in line


def test_member_list_recall_and_audit(
    tmp_path: Path, populated: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["member", "list", "--team", "萧山队"], env=populated) == 0
    listing = capsys.readouterr().out
    assert "王芳\tmember\t萧山队\t县农业局\tactive" in listing and "Hudson" not in listing
    code = main(["member", "recall", "12", "--team", "萧山队", "--reason", "health"], env=populated)
    assert code == 0
    out = capsys.readouterr().out
    assert "recalled" in out and "County Bureau" in out
    assert "member not told yet (no TELEGRAM_BOT_TOKEN set)" in out
    assert main(["member", "list"], env=populated) == 0
    assert "\tmember\t萧山队\tCounty Bureau\trecalled" in capsys.readouterr().out
    # Twice is refused: nothing changes.
    assert main(["member", "recall", "12", "--team", "萧山队", "--reason", "x"], env=populated) == 2
    _one_line_error(capsys, "not an active member of 萧山队")
    assert main(["member", "recall", "11", "--team", "萧山队", "--reason", " "], env=populated) == 2
    _one_line_error(capsys, "give a reason")
    assert main(["audit", "--limit", "1"], env=populated) == 0
    audit = capsys.readouterr().out
    assert "member.recall" in audit and '"state": "recalled"' in audit and "health" in audit


def test_backup_command_writes_a_checked_copy(
    tmp_path: Path, populated: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["backup", str(folder)], env=populated) == 0
    assert "integrity ok" in capsys.readouterr().out
    (copy,) = folder.iterdir()
    with closing(sqlite3.connect(copy)) as con:
        assert con.execute("SELECT count(*) FROM checkins").fetchone()[0] > 0
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert main(["backup", str(tmp_path / "missing" / "b.db")], env=populated) == 2
    _one_line_error(capsys, "does not exist")
    assert main(["audit", "--action", "backup"], env=populated) == 0
    assert str(copy) in capsys.readouterr().out


def test_progress_line_counts_rows() -> None:
    stream = io.StringIO()
    progress = _Progress(stream)
    progress("checkins", 5000)
    progress.close()
    assert stream.getvalue() == "\rcheckins: 5,000 rows   \n"


INSERT = (
    "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, message_date, received_at,"
    " delay_s, delayed, local_day, accepted, reject_reason) VALUES (?, NULL, ?, ?, ?, ?, 0, 0,"
    " '2026-11-25', 0, 'venue')"
)


async def _burst(storage: Storage, start: int, count: int) -> None:
    """Check-ins written as the bot writes them: one short transaction each, two rows (the
    attempt and its audit), so a consistent copy always holds as many of one as the other."""
    for i in range(start, start + count):
        async with storage.db.transaction() as conn:
            await conn.execute(INSERT, (7, 7, i, 1_790_000_000 + i, 1_790_000_000.0 + i))
            await conn.execute(
                "INSERT INTO audit(at, actor_id, action) VALUES (?, 7, 'burst')", (float(i),)
            )
        if i % 25 == 0:
            await asyncio.sleep(0)


async def _counts(path: Path) -> tuple[int, int]:
    def read() -> tuple[int, int]:
        with closing(sqlite3.connect(path)) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            checkins = con.execute("SELECT count(*) FROM checkins").fetchone()[0]
            audit = con.execute("SELECT count(*) FROM audit WHERE action='burst'").fetchone()[0]
            return checkins, audit

    return await asyncio.to_thread(read)


async def test_backup_while_a_burst_of_checkins_is_written(tmp_path: Path) -> None:
    async with Storage(tmp_path / "live.db") as storage:
        writer = asyncio.create_task(_burst(storage, 0, 1500))
        copies = []
        for n in range(3):
            await asyncio.sleep(0.05)
            target = tmp_path / f"copy{n}.db"
            result = await asyncio.to_thread(backup_database, storage.db.path, target)  # type: ignore[attr-defined]
            assert result.integrity == "ok"
            copies.append(target)
        await writer
        total = (await storage.db.fetchone("SELECT count(*) AS n FROM checkins"))["n"]
    assert total == 1500
    seen = []
    for copy in copies:
        checkins, audit = await _counts(copy)
        # A snapshot at one commit: never half a transaction, never more than was written.
        assert checkins == audit <= total
        seen.append(checkins)
    assert any(0 < n < total for n in seen), seen  # taken while the burst was going on


async def test_restore_brings_back_the_backed_up_state(tmp_path: Path) -> None:
    live, backup = tmp_path / "live.db", tmp_path / "backup.db"
    async with Storage(live) as storage:
        await _burst(storage, 0, 40)
        await asyncio.to_thread(backup_database, live, backup)
        await _burst(storage, 40, 60)  # written after the backup: lost on restore
        assert (await _counts(live))[0] == 100
    # README "Restore": stop the bot, copy the backup over OUTPOST_DB, remove -wal/-shm.
    await asyncio.to_thread(_restore, backup, live)
    async with Storage(live) as storage:
        rows = await storage.db.fetchall("SELECT message_id FROM checkins ORDER BY message_id")
        assert [r["message_id"] for r in rows] == list(range(40))
        await _burst(storage, 100, 1)  # and the restored database takes writes again
    assert await _counts(live) == (41, 41)


def _restore(backup: Path, live: Path) -> None:
    shutil.copyfile(backup, live)
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
