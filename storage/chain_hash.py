"""Hash chains over the evidence (SPEC §6): the hashing every writer and the verifier share.

Canonical content of a row is the JSON array `[table, row_id, column values...]` in the
column order frozen by storage/migrations/m0040_audit_hash_chain.py, written compactly
(`,` and `:` separators, UTF-8, Python's shortest round-trip floats). A link's hash is
SHA-256 of the previous link's hash followed by the content hash, both as hex. The first
link of a chain follows `GENESIS`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import TYPE_CHECKING, Any


from storage.migrations.m0040_audit_hash_chain import CHAINED, GENESIS

if TYPE_CHECKING:
    import aiosqlite

__all__ = ["CHAINED", "GENESIS", "content_hash", "link_hash", "register", "register_async"]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_sha256 = hashlib.sha256


def content_hash(*values: Any) -> str:
    return _sha256(_encode(values).encode()).hexdigest()


def link_hash(prev: str, content: str) -> str:
    return _sha256((prev + content).encode()).hexdigest()


FUNCTIONS = (("chain_content", -1, content_hash), ("chain_link", 2, link_hash))


def register(conn: sqlite3.Connection) -> None:
    """Every connection that writes chained tables needs these (the triggers call them)."""
    for name, nargs, func in FUNCTIONS:
        conn.create_function(name, nargs, func, deterministic=True)


async def register_async(conn: aiosqlite.Connection) -> None:
    for name, nargs, func in FUNCTIONS:
        await conn.create_function(name, nargs, func, deterministic=True)
