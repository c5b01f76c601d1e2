"""Placeholders: the SQL is written once with SQLite's `?` and `:name`; psycopg wants `%s` and
`%(name)s` (and a literal `%` doubled). Translated once per distinct statement, cached.

An INSERT without RETURNING into a table with an `id` column gets `RETURNING id` on
PostgreSQL, so that `cursor.lastrowid` means on both what it means on SQLite.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


class Prepared(NamedTuple):
    sql: str
    returns_id: bool  # we appended RETURNING id: the cursor reads it as lastrowid


@lru_cache(maxsize=4096)
def to_pyformat(sql: str, named: bool) -> str:
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == ch:  # '' inside a literal
                end = sql.find(ch, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
            continue
        if ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        elif ch == ":" and named and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            if i > 0 and sql[i - 1] == ":":  # a PostgreSQL cast (::text), not a parameter
                out.append(ch)
            else:
                j = i + 1
                while j < n and (sql[j].isalnum() or sql[j] == "_"):
                    j += 1
                out.append(f"%({sql[i + 1 : j]})s")
                i = j
                continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def prepare(sql: str, named: bool, id_tables: frozenset[str], want_id: bool) -> Prepared:
    return _prepare(sql, named, id_tables, want_id)


@lru_cache(maxsize=4096)
def _prepare(sql: str, named: bool, id_tables: frozenset[str], want_id: bool) -> Prepared:
    text = to_pyformat(sql, named)
    if want_id:
        match = _INSERT_INTO.match(text)
        if match and match.group(1).lower() in id_tables and not _RETURNING.search(text):
            return Prepared(text.rstrip().rstrip(";") + " RETURNING id", True)
    return Prepared(text, False)
