"""Online backups: a consistent copy of the database while the bot keeps writing.

PostgreSQL: `pg_dump --format=custom` (one snapshot, compressed), checked by listing it with
`pg_restore --list`; `restore_hint` says how to put it back. SQLite: the backup API copies
every page inside one read transaction of a separate connection;
in WAL mode that reader never blocks the bot's writer, and the copy is the database as of one
commit. The copy is checked with `PRAGMA integrity_check` before it takes the target's name,
and switched out of WAL so that it is one self-contained file.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.context import AppContext


class BackupError(Exception):
    """A backup that could not be made or failed its check; the message is for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    integrity: str
    restore_hint: str = ""


def target_for(target: Path, now: datetime, suffix: str = ".db") -> Path:
    if target.is_dir():
        return target / f"outpost-{now.strftime('%Y%m%d-%H%M%S')}{suffix}"
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: folder {target.parent} does not exist")
    return target


def backup_database(source: Path, target: Path) -> BackupResult:
    """Blocking; run it in a thread. `target` is a file path (see `target_for`)."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if target.resolve() == source.resolve():
        raise BackupError("the backup cannot overwrite the live database")
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as exc:
        raise BackupError(f"cannot write to {target.parent}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            src.execute("PRAGMA busy_timeout=30000")
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")
            integrity = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if integrity != "ok":
            raise BackupError(f"the copy failed its integrity check: {integrity}")
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise BackupError(f"backup failed: {exc}") from exc
        raise
    return BackupResult(path=target, size=target.stat().st_size, integrity=integrity)


def pg_tool(name: str) -> str:
    """The newest installed client tool (pg_dump must be at least the server's version)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_of)
    tool = found[-1] if found else shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return tool


def _version_of(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def backup_postgres(url: str, target: Path) -> BackupResult:
    """Blocking; run it in a thread. A custom-format dump, written aside, listed, renamed."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        dumped = subprocess.run(
            [pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={tmp}", url],
            capture_output=True,
            text=True,
        )
        if dumped.returncode != 0:
            raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
        listed = subprocess.run(
            [pg_tool("pg_restore"), "--list", str(tmp)], capture_output=True, text=True
        )
        if listed.returncode != 0:
            raise BackupError(f"the dump cannot be read back: {listed.stderr.strip()}")
        tables = sum(1 for line in listed.stdout.splitlines() if " TABLE DATA " in line)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    hint = (
        "restore into an empty database with: pg_restore --no-owner --dbname=URL"
        f" {target}  (or --clean --if-exists to replace one, the bot stopped)"
    )
    return BackupResult(target, target.stat().st_size, f"ok ({tables} tables)", hint)


async def take_backup(ctx: AppContext, target: Path, *, actor_id: int | None) -> BackupResult:
    db = ctx.storage.db
    if db.dialect.postgres:
        path = target_for(target, ctx.clock.now().astimezone(), ".dump")
        result = await asyncio.to_thread(backup_postgres, str(db.target), path)
    else:
        path = target_for(target, ctx.clock.now().astimezone())
        result = await asyncio.to_thread(backup_database, Path(db.target), path)
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="backup",
        subject=str(result.path),
        after={"bytes": result.size, "integrity": result.integrity},
    )
    return result
