"""SQL functions that exist under different names or shapes in the two dialects."""

from __future__ import annotations


def group_concat(postgres: bool, expr: str, sep: str = ",", distinct: bool = False) -> str:
    """The values of a group joined into one text (NULLs skipped)."""
    inner = f"DISTINCT {expr}" if distinct else expr
    if postgres:
        return f"string_agg({inner}::text, '{sep}')"
    if distinct:  # SQLite's DISTINCT form takes no separator (it is always ',')
        return f"group_concat({inner})"
    return f"group_concat({inner}, '{sep}')"


def day_before(postgres: bool, day: str) -> str:
    """The ISO day (YYYY-MM-DD text) before a day stored as ISO text."""
    if postgres:
        return f"to_char(({day})::date - 1, 'YYYY-MM-DD')"
    return f"date({day}, '-1 day')"


def contains(postgres: bool, haystack: str, needle: str) -> str:
    """True where text `needle` occurs in `haystack` (no LIKE: no wildcards to escape)."""
    return f"{'strpos' if postgres else 'instr'}({haystack}, {needle}) > 0"
