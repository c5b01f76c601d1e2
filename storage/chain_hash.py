"""Hash chains over the evidence (SPEC §6): the hashing every writer and the verifier share.

Canonical content of a row is the JSON array `[table, row_id, column values...]` in the
column order frozen by storage/migrations/m0141_audit_hash_chain.py, which SQLite writes
(`content_sql`); `canonical` is the same text from Python values, for a backend or an
auditor that does not have SQLite (a property test holds the two equal). A content hash is
SHA-256 of that text; a link's hash is SHA-256 of the previous link's hash followed by the
content hash, both as hex. The first link of a chain follows `GENESIS`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from storage.migrations.m0141_audit_hash_chain import CHAINED, GENESIS, REALS, SCALE, content_sql

__all__ = [
    "CHAINED",
    "GENESIS",
    "REALS",
    "canonical",
    "content_hash",
    "content_sql",
    "link_hash",
    "register",
]
INT64 = (-(2**63), 2**63 - 1)

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_sha256 = hashlib.sha256


def canonical(table: str, row_id: int, row: dict[str, Any]) -> str:
    _, columns = CHAINED[table]
    values = [_scaled(row[c]) if c in REALS[table] else row[c] for c in columns]
    return _encode([table, row_id, *values])


def _scaled(value: float | None) -> int | None:
    # SQLite's CAST of a REAL truncates toward zero and saturates at the int64 range.
    if value is None:
        return None
    product = value * SCALE
    if product >= 2.0**63:
        return INT64[1]
    if product <= -(2.0**63):
        return INT64[0]
    return int(product)


def content_hash(text: str) -> str:
    return _sha256(text.encode()).hexdigest()


def link_hash(prev: str, content: str) -> str:
    return _sha256((prev + content).encode()).hexdigest()


FUNCTIONS = (("chain_sha", 1, content_hash), ("chain_link", 2, link_hash))


def register(conn: sqlite3.Connection) -> None:
    """Every connection that writes chained tables needs these (the triggers call them)."""
    for name, nargs, func in FUNCTIONS:
        conn.create_function(name, nargs, func, deterministic=True)
