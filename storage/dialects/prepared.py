"""Statements run on every check-in, which PostgreSQL prepares once per connection.

Parameters are bound client-side (storage/pg.py), so the server parses and plans each
statement it is sent. For the check-in's own statements planning costs more than running
them (the spoof history's UNION: ~0.2 ms to plan, ~0.03 ms to run), and they run inside the
transaction that a team's check-ins take turns on (each one moves the team's chain head).
A statement marked `hot` is sent once per connection as `PREPARE`, then as
`EXECUTE name(…)` with the same client-side literals, typed by the prepared statement's
context. It is still plain text, so it shares a query string with the savepoints riding
along (storage/pg.py). SQLite keeps its own cache of compiled statements: the mark changes
nothing there.

Mark only statements whose parameters the server can type from their context (compared
with, or stored into, a column; a LIMIT): `? IS NULL` cannot be prepared.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_HOT: set[str] = set()
_PYFORMAT = re.compile(r"%%|%s|%\((\w+)\)s")


def hot(sql: str) -> str:
    """Marks `sql` (as written, with `?` or `:name`) as prepared on PostgreSQL; returns it."""
    _HOT.add(sql)
    return sql


def is_hot(sql: str) -> bool:
    return sql in _HOT


@lru_cache(maxsize=256)
def numbered(pyformat_sql: str) -> tuple[str, tuple[int | str, ...]]:
    """psycopg's `%s`/`%(name)s` as PREPARE's `$1…`, and which parameter each number takes
    (a name used twice is one number)."""
    order: list[int | str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        key: int | str = match.group(1) or len(order)
        if key not in order:
            order.append(key)
        return f"${order.index(key) + 1}"

    return _PYFORMAT.sub(number, pyformat_sql), tuple(order)


def execute_call(name: str, pyformat_sql: str, values: Any) -> tuple[str, Any]:
    """`EXECUTE name(%s, …)` and its arguments, for the statement prepared as `name`."""
    order = numbered(pyformat_sql)[1]
    if not order:
        return f"EXECUTE {name}", ()
    return f"EXECUTE {name}({', '.join(['%s'] * len(order))})", [values[k] for k in order]
