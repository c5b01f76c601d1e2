"""Files only the bot's own user can read (issue 12, item 5): the database and its -wal/-shm,
the media archive, reports; folders 0700; a warning at start when the database is readable
by others."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.fileperms import PRIVATE_UMASK
from tests.world import World


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def everyday_umask() -> Iterator[None]:
    """The umask most machines start a process with: files 0644, folders 0755."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _env(tmp_path: Path) -> dict[str, str]:
    return {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai"}


def test_the_database_and_reports_are_private(
    tmp_path: Path, everyday_umask: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["team", "add", "Alpha", "--lat", "30", "--lon", "120"], env=_env(tmp_path)) == 0
    assert os.umask(PRIVATE_UMASK) == PRIVATE_UMASK  # set at start, for every later file
    os.umask(0o022)
    assert _mode(tmp_path / "o.db") == 0o600
    for suffix in ("-wal", "-shm"):
        side = tmp_path / f"o.db{suffix}"
        if side.exists():
            assert _mode(side) == 0o600
    out = tmp_path / "reports"
    out.mkdir()
    assert (
        main(["report", "month", "2026-11", "--out", str(out / "m.xlsx")], env=_env(tmp_path)) == 0
    )
    written = list(out.iterdir())
    assert any(p.suffix == ".png" for p in written)
    assert all(_mode(p) == 0o600 for p in written), {p.name: oct(_mode(p)) for p in written}


def test_a_database_others_can_read_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["team", "list"], env=_env(tmp_path)) == 0
    (tmp_path / "o.db").chmod(0o644)
    caplog.set_level(logging.WARNING)
    assert main(["team", "list"], env=_env(tmp_path)) == 0
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("readable by others" in m and "chmod 600" in m for m in warned), warned


async def test_diary_media_is_archived_private(world: World, everyday_umask: None) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_command("diary")
    await li.next_message()
    li.send_photo(b"\xff\xd8\xff\xe0" + b"JPEGDATA" * 50, caption="pipe")
    await li.next_message()
    media = world.ctx.settings.media_dir
    files = [p for p in media.rglob("*") if p.is_file()]
    folders = [media, *(p for p in media.rglob("*") if p.is_dir())]
    assert files
    assert all(_mode(p) == 0o600 for p in files), [oct(_mode(p)) for p in files]
    assert all(_mode(p) == 0o700 for p in folders), [oct(_mode(p)) for p in folders]
