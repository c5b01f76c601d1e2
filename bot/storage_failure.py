"""When storage cannot write, an update is not handled: it must come again.

A full disk (or a failing one) makes a write raise. The person is told the truth once ("not
saved yet, I will retry"), the update is left unmarked and unconfirmed, and Telegram delivers
it again (bot/updates.py, bot/webhook.py), until the disk has room and it is stored. A bug
(a constraint, a bad value) is not a storage failure: retrying it would loop forever.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import Any

# SQLite's words for "the storage itself failed" (SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN,
# SQLITE_READONLY); the error codes say it too where Python exposes them.
_SQLITE_MESSAGES = (
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
    "attempt to write a readonly database",
)
_SQLITE_CODES = {13, 10, 14, 8}  # FULL, IOERR, CANTOPEN, READONLY (primary codes)
_OS_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS}

UNSAVED_KEY = "outpost.unsaved_updates"
TOLD_KEY = "outpost.unsaved_told"


def is_storage_failure(exc: BaseException) -> bool:
    if _is_postgres_failure(exc):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _SQLITE_CODES:
            return True
        return any(m in str(exc).lower() for m in _SQLITE_MESSAGES)
    if isinstance(exc, OSError):
        return exc.errno in _OS_ERRNOS
    return False


def mark_unsaved(bot_data: dict[str, Any], update_id: int) -> bool:
    """Records that this update's data could not be stored; True the first time for this
    update (so the person is told once, however often the retry meets a full disk)."""
    bot_data.setdefault(UNSAVED_KEY, set()).add(update_id)
    told: set[int] = bot_data.setdefault(TOLD_KEY, set())
    if update_id in told:
        return False
    told.add(update_id)
    return True


def take_unsaved(bot_data: dict[str, Any], update_id: int) -> bool:
    """Whether handling this update failed to store it (and forgets it for the next try)."""
    unsaved: set[int] = bot_data.get(UNSAVED_KEY, set())
    if update_id in unsaved:
        unsaved.discard(update_id)
        return True
    bot_data.get(TOLD_KEY, set()).discard(update_id)  # stored at last: forget it was told
    return False


def _is_postgres_failure(exc: BaseException) -> bool:
    """PostgreSQL's: a full disk or no memory (SQLSTATE class 53), an I/O error (58), the
    server gone or shutting down (08, 57P): the storage failed, not the request. A lost
    connection carries no SQLSTATE at all."""
    import psycopg

    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith(("53", "58", "08", "57P"))
