"""Files only the bot's own user can read: attendance, diaries, photos and voices of people.

`outpost` sets the umask at start (files 0600, folders 0700) so that whatever creates a file
later (SQLite's database and its -wal/-shm, reports, exports) creates it private. The media
archive is also written private explicitly, since it must be whoever starts the bot. A
database that others can already read is warned about at start, with the fix.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
log = logging.getLogger("outpost.files")


def restrict_umask() -> None:
    os.umask(PRIVATE_UMASK)


def warn_if_shared(db_path: Path) -> list[Path]:
    """Logs a warning for the database (and its -wal/-shm) when group or others may read
    it; returns those files."""
    shared = []
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            shared.append(path)
            log.warning("%s is readable by others (mode %03o): run chmod 600 %s", path, mode, path)
    return shared


def private_dirs(folder: Path) -> None:
    """Creates `folder` and any missing parents as 0700 (mkdir's mode skips the parents)."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        path.chmod(0o700)  # whatever the umask let through


def write_private(path: Path, data: bytes) -> None:
    """Writes `data` to a new file readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
